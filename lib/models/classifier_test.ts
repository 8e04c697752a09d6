import assert from "node:assert/strict";
import * as tf from "../backend/tf.ts";
import { useTestBackend, withoutLeaks } from "../backend/testing.ts";
import { createRng } from "../rng/mod.ts";
import { Classifier, type ClassifierConfig, resolveClassifierConfig } from "./classifier.ts";

await useTestBackend();

const TINY: Partial<ClassifierConfig> = { imageSize: 8, numClasses: 2, channels: [4, 8], featureWidth: 16 };

Deno.test("Classifier.apply() gives logits and features of the configured shapes, whatever the batch", async () => {
  await withoutLeaks(() => {
    const classifier = new Classifier(resolveClassifierConfig(TINY), { rng: createRng(0) });
    const images = tf.randomUniform([7, 8, 8], 0, 1, "float32", createRng(1).seed()) as tf.Tensor3D;
    const whole = classifier.apply(images);
    const batched = classifier.apply(images, { batch: 3 });
    assert.deepEqual([whole.logits.shape, whole.features.shape], [[7, 2], [7, 16]]);
    assert.deepEqual(Array.from(batched.logits.dataSync()), Array.from(whole.logits.dataSync()));
    assert.deepEqual(Array.from(batched.features.dataSync()), Array.from(whole.features.dataSync()));
    assert.ok(tf.tidy(() => whole.features.min().dataSync()[0]) >= 0, "features come after a ReLU");
    tf.dispose([images, whole.logits, whole.features, batched.logits, batched.features]);
    classifier.dispose();
  });
});

Deno.test("Classifier rejects byte images, wrong shapes and a bad configuration", async () => {
  await withoutLeaks(() => {
    const classifier = new Classifier(resolveClassifierConfig(TINY), { rng: createRng(7) });
    const bytes = tf.fill([2, 8, 8], 255) as tf.Tensor3D;
    const wrong = tf.zeros([2, 9, 9]) as tf.Tensor3D;
    assert.throws(() => classifier.apply(bytes), {
      name: "RangeError",
      message: /pixels in \[0, 1\]: current value is "\[255, 255\]"/,
    });
    assert.throws(() => classifier.apply(wrong), {
      name: "TypeError",
      message: /'images' must be of shape \[\*, 8, 8\]/,
    });
    assert.throws(() => resolveClassifierConfig({ imageSize: 30 }), {
      name: "RangeError",
      message: /multiple of 4/,
    });
    tf.dispose([bytes, wrong]);
    classifier.dispose();
  });
});
