import assert from "node:assert/strict";
import * as tf from "./tf.ts";
import { squaredNorm, sumOfSquares } from "./sum_of_squares.ts";
import { useTestBackend, withoutLeaks } from "./testing.ts";

await useTestBackend();

Deno.test("sumOfSquares: Σx² of any shape, to float32 rounding of a float64 sum", async () => {
  // The last takes several workgroups on WebGPU (one per 8,192 entries).
  for (const shape of [[1], [3, 5], [257], [512, 513]]) {
    const x = tf.randomNormal(shape, 0, 1, "float32", 1);
    const values = await x.data();
    const want = [...values].reduce((s, v) => s + v * v, 0);
    await withoutLeaks(async () => {
      const got = sumOfSquares(x);
      assert.deepEqual(got.shape, [1]);
      const [value] = await got.data();
      got.dispose();
      // tfjs-wasm sums sequentially in float32: 7e-5 off over 263,000 terms.
      assert.ok(Math.abs(value - want) <= 2e-4 * want, `[${shape}]: ${value} vs ${want}`);
    });
    x.dispose();
  }
});

Deno.test("squaredNorm: Σ‖t‖² over tensors of several shapes, small and large", async () => {
  const tensors = Array.from({ length: 20 }, (_, i) => tf.fill([i + 1, 3], i / 10));
  // The most workgroups on WebGPU (5 million entries); its sum is exact in float32 on every backend.
  tensors.splice(9, 0, tf.fill([5000, 1000], 0.5));
  const want = Array.from({ length: 20 }, (_, i) => (i + 1) * 3 * (i / 10) ** 2).reduce(
    (a, b) => a + b,
    1_250_000,
  );
  await withoutLeaks(async () => {
    const got = squaredNorm(tensors);
    assert.deepEqual(got.shape, []);
    const [value] = await got.data();
    got.dispose();
    assert.ok(Math.abs(value - want) <= 1e-5 * want, `${value} vs ${want}`);
  });
  tf.dispose(tensors);
});
