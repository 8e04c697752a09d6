import assert from "node:assert/strict";
import * as tf from "../backend/tf.ts";
import { useTestBackend, withoutLeaks } from "../backend/testing.ts";
import { createRng, type Rng } from "../rng/mod.ts";
import type { ClassifierConfig } from "./classifier.ts";
import { trainClassifier } from "./classifier_train.ts";

await useTestBackend();

const TINY: Partial<ClassifierConfig> = { imageSize: 8, numClasses: 2, channels: [4, 8], featureWidth: 16 };

/** 8 × 8 images of a horizontal (class 0) or vertical (class 1) bar at a random place, on faint noise. */
function bars(n: number, rng: Rng): { images: tf.Tensor3D; labels: tf.Tensor1D } {
  const pixels = new Float32Array(n * 64);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    labels[i] = i % 2;
    const at = rng.int(8);
    for (let p = 0; p < 64; p++) {
      const [row, col] = [Math.floor(p / 8), p % 8];
      const onBar = labels[i] === 0 ? row === at : col === at;
      pixels[i * 64 + p] = onBar ? 0.9 : 0.2 * rng.next();
    }
  }
  return { images: tf.tensor3d(pixels, [n, 8, 8]), labels: tf.tensor1d(labels, "int32") };
}

Deno.test("trainClassifier() learns horizontal from vertical bars, the same way for the same seed", async () => {
  await withoutLeaks(async () => {
    const train = bars(256, createRng(2));
    const test = bars(100, createRng(3));
    const options = { rng: createRng(4), epochs: 4, batch: 32, lr: 1e-2, config: TINY };
    const losses: number[] = [];
    const classifier = await trainClassifier(train.images, train.labels, {
      ...options,
      onEpoch: (r) => losses.push(r.loss),
    });
    const again = await trainClassifier(train.images, train.labels, options);
    assert.equal(await classifier.accuracy(test.images, test.labels), 1);
    assert.ok(losses[3] < losses[0] / 4, `losses ${losses}`);
    const [a, b] = [classifier.namedWeights()["fc.weight"], again.namedWeights()["fc.weight"]];
    assert.deepEqual(Array.from(a.dataSync()), Array.from(b.dataSync()));
    tf.dispose([train.images, train.labels, test.images, test.labels]);
    classifier.dispose();
    again.dispose();
  });
});

Deno.test("trainClassifier() stops at the step its signal finds, without leaking", async () => {
  await withoutLeaks(async () => {
    const train = bars(256, createRng(2));
    const controller = new AbortController();
    const epochs: number[] = [];
    await assert.rejects(
      trainClassifier(train.images, train.labels, {
        rng: createRng(4),
        epochs: 50,
        batch: 32,
        config: TINY,
        onEpoch: ({ epoch }) => (epochs.push(epoch), epoch === 2 && controller.abort()),
        signal: controller.signal,
      }),
      (error) => error instanceof DOMException && error.name === "AbortError",
    );
    assert.deepEqual(epochs, [1, 2]);
    tf.dispose([train.images, train.labels]);
  });
});

Deno.test("trainClassifier() rejects labels out of range and byte images", async () => {
  await withoutLeaks(async () => {
    const images = tf.zeros([2, 8, 8]) as tf.Tensor3D;
    const bytes = tf.fill([2, 8, 8], 255) as tf.Tensor3D;
    const labels = tf.tensor1d([0, 2], "int32");
    const options = { rng: createRng(8), config: TINY };
    await assert.rejects(trainClassifier(images, labels, options), {
      name: "RangeError",
      message: /'labels' must be class ids in \[0, 1\]: current value is 2/,
    });
    await assert.rejects(trainClassifier(bytes, labels, options), {
      name: "RangeError",
      message: /pixels in \[0, 1\]/,
    });
    tf.dispose([images, bytes, labels]);
  });
});
