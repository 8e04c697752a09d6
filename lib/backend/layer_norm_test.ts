import assert from "node:assert/strict";
import * as tf from "./tf.ts";
import { layerNorm } from "./layer_norm.ts";
import { maxRelativeError, useTestBackend, withoutLeaks } from "./testing.ts";

await useTestBackend();

/** The plain-op layer norm (`tf.moments`): the reference of the row kernels on WebGPU. */
function reference(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor): tf.Tensor {
  const { mean, variance } = tf.moments(x, -1, true);
  return tf.add(tf.mul(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, 1e-5))), gamma), beta);
}

// Widths below, at and past the 64 threads of a row; more rows than one dispatch axis holds.
for (const shape of [[5, 1], [7, 3], [2, 4, 100], [9, 256], [33000, 8]]) {
  Deno.test(`layerNorm of [${shape}]: the value and the gradients of x, γ and β equal the plain ops'`, async () => {
    const width = shape[shape.length - 1];
    const x = tf.add(tf.mul(tf.randomNormal(shape, 0, 1, "float32", 1), 3), 0.5);
    const gamma = tf.randomNormal([width], 1, 0.5, "float32", 2),
      beta = tf.randomNormal([width], 0, 1, "float32", 3);
    const dy = tf.randomNormal(shape, 0, 1, "float32", 4);
    const loss = (f: typeof layerNorm) => (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) =>
      tf.sum(tf.mul(f(a, b, c), dy));
    const want = [reference(x, gamma, beta), ...tf.grads(loss(reference))([x, gamma, beta])];
    await withoutLeaks(async () => {
      const got = [layerNorm(x, gamma, beta), ...tf.grads(loss(layerNorm))([x, gamma, beta])];
      for (const [i, name] of ["value", "dx", "dγ", "dβ"].entries()) {
        const error = await maxRelativeError(got[i], want[i]);
        // Column sums over 33,000 rows round more than the rest.
        assert.ok(error < (shape[0] > 1000 ? 1e-4 : 2e-5), `${name}: error ${error}`);
      }
      tf.dispose(got);
    });
    tf.dispose([x, gamma, beta, dy, ...want]);
  });
}
