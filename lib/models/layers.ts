/**
 * Stateless building blocks of the transformer, written with tfjs-core ops on the workaround
 * `matMul`.
 *
 * @module
 */
import * as tf from "../backend/tf.ts";
import { matMul } from "../backend/ops.ts";

/**
 * The exact (erf) GELU of PyTorch's `nn.GELU()`: 0.5 · x · (1 + erf(x / √2)), not the tanh
 * approximation.
 *
 * @param x float32, any shape.
 * @returns float32, the shape of `x`.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { gelu, tf, useBackend } from "@dimo/dimo";
 * await useBackend("cpu");
 * const [zero, one] = await gelu(tf.tensor1d([0, 1])).data();
 * assert.equal(zero, 0);
 * assert.ok(Math.abs(one - 0.8413447) < 1e-6);
 * ```
 */
export function gelu(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.mul(tf.mul(x, 0.5), tf.add(1, tf.erf(tf.mul(x, Math.SQRT1_2)))));
}

/**
 * Layer normalisation over the last axis: (x − mean) / √(var + eps) · gamma + beta, with the
 * biased variance, as PyTorch's `nn.LayerNorm`.
 *
 * @param x float32 `[..., D]`.
 * @param gamma The scale, float32 `[D]`.
 * @param beta The shift, float32 `[D]`.
 * @param eps Added to the variance; PyTorch's default.
 * @returns float32, the shape of `x`.
 *
 * @example Each row gets mean 0 and variance 1
 * ```ts
 * import assert from "node:assert";
 * import { layerNorm, tf, useBackend } from "@dimo/dimo";
 * await useBackend("cpu");
 * const y = layerNorm(tf.tensor2d([[1, 3]]), tf.ones([2]), tf.zeros([2]));
 * const [a, b] = await y.data();
 * assert.ok(Math.abs(a + 1) < 1e-4 && Math.abs(b - 1) < 1e-4);
 * ```
 */
export function layerNorm(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, eps = 1e-5): tf.Tensor {
  return tf.tidy(() => {
    const { mean, variance } = tf.moments(x, -1, true);
    const normed = tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, eps)));
    return tf.add(tf.mul(normed, gamma), beta);
  });
}

/**
 * A dense layer x · W + b. The weight is stored `[in, out]`, so no transpose is needed
 * (PyTorch's `nn.Linear` stores `[out, in]`: transpose it when importing).
 *
 * @param x float32 `[N, in]`.
 * @param weight float32 `[in, out]`.
 * @param bias float32 `[out]`.
 * @returns float32 `[N, out]`.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { linear, tf, useBackend } from "@dimo/dimo";
 * await useBackend("cpu");
 * const y = linear(tf.tensor2d([[1, 2]]), tf.tensor2d([[1], [1]]), tf.tensor1d([0.5]));
 * assert.deepEqual(Array.from(await y.data()), [3.5]);
 * ```
 */
export function linear(x: tf.Tensor, weight: tf.Tensor, bias: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.add(matMul(x, weight), bias));
}
