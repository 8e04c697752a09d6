/**
 * Stateless building blocks of the transformer, written with tfjs-core ops on the workaround
 * `matMul`.
 *
 * @module
 */
import * as tf from "../backend/tf.ts";
import { hasKernel } from "../backend/has_kernel.ts";
import { matMul } from "../backend/ops.ts";
import { fusedElementwise } from "../backend/fused.ts";

const { ERF_P, ERF_A1, ERF_A2, ERF_A3, ERF_A4, ERF_A5 } = tf.backend_util;
/** erf(u) by Abramowitz–Stegun 7.1.26 with tfjs's constants, as tfjs's own `Erf` kernels. */
const ERF_WGSL = `
  let u = x0 * ${Math.SQRT1_2};
  let t = 1.0 / (1.0 + ${ERF_P} * abs(u));
  let poly = ((((${ERF_A5} * t + ${ERF_A4}) * t + ${ERF_A3}) * t + ${ERF_A2}) * t + ${ERF_A1}) * t;
  let erf = sign(u) * (1.0 - poly * exp(-u * u));`;

/** The exact GELU from tfjs ops: differentiated by tfjs on the backends without fused kernels. */
const geluOps = (x: tf.Tensor) => tf.mul(tf.mul(x, 0.5), tf.add(1, tf.erf(tf.mul(x, Math.SQRT1_2))));
const GELU = "DimoGelu";
const geluKernel = fusedElementwise({
  name: GELU,
  inputs: 1,
  scalars: [],
  wgsl: `${ERF_WGSL}\n value = 0.5 * x0 * (1.0 + erf);`,
  reference: ([x]) => geluOps(x),
});
/** dy · GELU'(x) = dy · (Φ(x) + x·φ(x)). */
const geluGradKernel = fusedElementwise({
  name: "DimoGeluGrad",
  inputs: 2,
  scalars: [],
  wgsl: `${ERF_WGSL}\n value = x1 * (0.5 * (1.0 + erf) + x0 * exp(-0.5 * x0 * x0) * ${
    1 / Math.sqrt(2 * Math.PI)
  });`,
  reference: ([x, dy]) =>
    tf.mul(
      dy,
      tf.add(
        tf.mul(0.5, tf.add(1, tf.erf(tf.mul(x, Math.SQRT1_2)))),
        tf.mul(x, tf.mul(tf.exp(tf.mul(tf.square(x), -0.5)), 1 / Math.sqrt(2 * Math.PI))),
      ),
    ),
});
const geluFused = tf.customGrad((x, save) => {
  (save as tf.GradSaveFunc)([x as tf.Tensor]);
  return {
    value: geluKernel([x as tf.Tensor]),
    gradFunc: (dy, [saved]) => geluGradKernel([saved, dy as tf.Tensor]),
  };
}) as (x: tf.Tensor) => tf.Tensor;

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
  // On WebGPU two fused kernels (value, gradient) replace about 15 tfjs kernels.
  if (hasKernel(GELU)) return geluFused(x);
  return tf.tidy(() => geluOps(x));
}

export { layerNorm } from "../backend/layer_norm.ts";

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
  return matMul(x, weight, false, bias);
}
