import assert from "node:assert/strict";
import * as tf from "../backend/tf.ts";
import { useTestBackend, withoutLeaks } from "../backend/testing.ts";
import { bilinearImage, bilinearWidth } from "./_bilinear_pooling.ts";

await useTestBackend();

Deno.test("bilinearImage() sums each cell's (colour, x, y, 1) times the parts found in it", async () => {
  await withoutLeaks(() => {
    // 4 × 4 pixels, 2 × 2 cells; red 0.5 fills the top-left cell and 1 the bottom-right one.
    const red = [[0.5, 0.5, 0, 0], [0.5, 0.5, 0, 0], [0, 0, 1, 1], [0, 0, 1, 1]];
    const images = tf.tensor4d(red.flat().flatMap((r) => [r, 0.3, 0.3]), [1, 4, 4, 3]);
    // One parts feature: 1 in the top-left cell, 2 in the bottom-right one.
    const features = tf.tensor4d([1, 0, 0, 2], [1, 2, 2, 1]);
    const weights: Record<string, tf.Tensor> = {
      "image.color.weight": tf.tensor2d([[1], [0], [0]]),
      "image.color.bias": tf.zeros([1]),
      "image.parts.weight": tf.tensor2d([[1]]),
      "image.parts.bias": tf.zeros([1]),
    };
    const embedding = tf.tidy(() => bilinearImage(images, features, (name) => weights[name]!));
    // Top-left (0.5, -0.5, -0.5, 1) · 1 + bottom-right (1, 0.5, 0.5, 1) · 2.
    assert.deepEqual(embedding.shape, [1, bilinearWidth(1, 1)]);
    assert.deepEqual([...embedding.dataSync()], [2.5, 0.5, 0.5, 3]);
    tf.dispose([images, features, embedding, ...Object.values(weights)]);
  });
});
