import assert from "node:assert/strict";
import * as tf from "../backend/tf.ts";
import { useTestBackend, withoutLeaks } from "../backend/testing.ts";
import { CheckpointMismatchError } from "../io/json.ts";
import { createRng } from "../rng/mod.ts";
import { Classifier, type ClassifierConfig, resolveClassifierConfig } from "./classifier.ts";
import { loadClassifier, saveClassifier } from "./classifier_checkpoint.ts";

await useTestBackend();

const TINY: Partial<ClassifierConfig> = { imageSize: 8, numClasses: 2, channels: [4, 8], featureWidth: 16 };

Deno.test("saveClassifier() and loadClassifier() round-trip the weights and refuse another configuration", async () => {
  await Deno.mkdir(".tmp", { recursive: true });
  const dir = await Deno.makeTempDir({ dir: ".tmp" });
  try {
    await withoutLeaks(async () => {
      const config = resolveClassifierConfig(TINY);
      const classifier = new Classifier(config, { rng: createRng(5) });
      const path = `${dir}/classifier.safetensors`;
      await saveClassifier(path, classifier, { dataset: "bars" });
      const loaded = await loadClassifier(path, { expected: config });
      const images = tf.randomUniform([2, 8, 8], 0, 1, "float32", createRng(6).seed()) as tf.Tensor3D;
      const [x, y] = [classifier.apply(images), loaded.apply(images)];
      assert.deepEqual(Array.from(y.logits.dataSync()), Array.from(x.logits.dataSync()));
      await assert.rejects(
        loadClassifier(path, { expected: resolveClassifierConfig({ ...TINY, featureWidth: 32 }) }),
        CheckpointMismatchError,
      );
      tf.dispose([images, x.logits, x.features, y.logits, y.features]);
      classifier.dispose();
      loaded.dispose();
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
