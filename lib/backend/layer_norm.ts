/**
 * Layer normalisation over the last axis, with row kernels on the WebGPU backend.
 *
 * Built from tfjs ops, a layer norm is 9 kernels forward and about 20 backward; on WebGPU each
 * kernel costs host time, and the reference transformer has 9 layer norms. There one workgroup a
 * row normalises it and applies the affine map (`x̂·γ + β`, `x̂ = (x − μ) / √(σ² + ε)`); the
 * gradient is one row kernel for x, `dx = (g − mean(g) − x̂·mean(g·x̂)) / √(σ² + ε)` with
 * `g = dy·γ`, one for x̂ again, and column sums for γ and β.
 * Other backends compute the same function from tfjs ops (`tf.moments`).
 *
 * @module
 */
import * as tf from "./tf.ts";
import { hasKernel } from "./has_kernel.ts";
import type { WebGPUBackend, WebGPUProgram } from "@tensorflow/tfjs-backend-webgpu";
import { sumLeadingAxes } from "./leading_sum.ts";

const NORMALIZE = "DimoLayerNormRows";
const NORMALIZE_AFFINE = "DimoLayerNormRowsAffine";
const NORMALIZE_GRAD = "DimoLayerNormRowsGrad";
/** What a row kernel writes: x̂, x̂·γ + β, or the gradient of x. */
type RowKind = "normalize" | "affine" | "gradient";
const KERNELS: Readonly<Record<RowKind, string>> = {
  normalize: NORMALIZE,
  affine: NORMALIZE_AFFINE,
  gradient: NORMALIZE_GRAD,
};
/** Each row kernel's inputs, by their names in the kernel's inputs and in its WGSL. */
const ROW_INPUTS: Readonly<Record<RowKind, readonly (readonly [string, string])[]>> = {
  normalize: [["x", "X"]],
  affine: [["x", "X"], ["gamma", "Gamma"], ["beta", "Beta"]],
  gradient: [["x", "X"], ["dy", "DY"], ["gamma", "Gamma"]],
};
const THREADS = 64;
/** Rows per row of the dispatch grid (WebGPU allows 65,535 workgroups along an axis). */
const GRID_WIDTH = 32768;

/** One workgroup per row: normalises it (then applies γ and β, for `affine`), or back-propagates through it. */
class RowProgram implements WebGPUProgram {
  readonly variableNames: string[];
  readonly outputShape: number[];
  readonly shaderKey: string;
  readonly dispatchLayout = { x: [1], y: [0] };
  readonly dispatch: [number, number, number];
  readonly workgroupSize: [number, number, number] = [THREADS, 1, 1];
  readonly uniforms = "rows : i32, width : i32, eps : f32,";

  constructor(readonly shape: [number, number], readonly kind: RowKind) {
    this.variableNames = ROW_INPUTS[kind].map(([, name]) => name);
    this.outputShape = shape;
    this.shaderKey = KERNELS[kind];
    this.dispatch = [Math.min(shape[0], GRID_WIDTH), Math.ceil(shape[0] / GRID_WIDTH), 1];
  }

  getUserCode(): string {
    // Every thread runs every barrier: rows past the end read the last row and write nothing.
    const normalize = `
        for (var j = tid; j < width && live; j = j + ${THREADS}) {
          result[base + j] = (f32(X[base + j]) - mean) * rstd;
        }`;
    const affine = `
        for (var j = tid; j < width && live; j = j + ${THREADS}) {
          result[base + j] = ((f32(X[base + j]) - mean) * rstd) * f32(Gamma[j]) + f32(Beta[j]);
        }`;
    const gradient = `
        var sums = vec2<f32>(0.0);
        for (var j = tid; j < width; j = j + ${THREADS}) {
          let g = f32(DY[base + j]) * f32(Gamma[j]);
          sums = sums + vec2<f32>(g, g * (f32(X[base + j]) - mean) * rstd);
        }
        let means = rowSum(sums, tid) / f32(width);
        for (var j = tid; j < width && live; j = j + ${THREADS}) {
          let g = f32(DY[base + j]) * f32(Gamma[j]);
          let xhat = (f32(X[base + j]) - mean) * rstd;
          result[base + j] = rstd * (g - means.x - xhat * means.y);
        }`;
    return `
      var<workgroup> partial : array<vec2<f32>, ${THREADS}>;

      fn rowSum(v : vec2<f32>, tid : i32) -> vec2<f32> {
        partial[tid] = v;
        workgroupBarrier();
        for (var stride = ${THREADS / 2}; stride > 0; stride = stride / 2) {
          if (tid < stride) { partial[tid] = partial[tid] + partial[tid + stride]; }
          workgroupBarrier();
        }
        let total = partial[0];
        workgroupBarrier();
        return total;
      }

      fn main() {
        let tid = i32(localId.x);
        let row = i32(workgroupId.x + workgroupId.y * ${GRID_WIDTH}u);
        let width = uniforms.width;
        let base = min(row, uniforms.rows - 1) * width;
        var s = 0.0;
        for (var j = tid; j < width; j = j + ${THREADS}) { s = s + f32(X[base + j]); }
        let mean = rowSum(vec2<f32>(s, 0.0), tid).x / f32(width);
        var q = 0.0;
        for (var j = tid; j < width; j = j + ${THREADS}) {
          let d = f32(X[base + j]) - mean;
          q = q + d * d;
        }
        let rstd = inverseSqrt(rowSum(vec2<f32>(q, 0.0), tid).x / f32(width) + uniforms.eps);
        let live = row < uniforms.rows;
        ${this.kind === "gradient" ? gradient : this.kind === "affine" ? affine : normalize}
      }`;
  }
}

for (const kind of ["normalize", "affine", "gradient"] as const) {
  tf.registerKernel({
    kernelName: KERNELS[kind],
    backendName: "webgpu",
    kernelFunc: ({ inputs, backend, attrs }) => {
      const named = inputs as Record<string, tf.TensorInfo>;
      const [rows, width] = named.x.shape as [number, number];
      const program = new RowProgram([rows, width], kind);
      return (backend as WebGPUBackend).runWebGPUProgram(
        program,
        ROW_INPUTS[kind].map(([key]) => named[key]),
        "float32",
        [
          { type: "int32", data: [rows] },
          { type: "int32", data: [width] },
          { type: "float32", data: [(attrs as unknown as { eps: number }).eps] },
        ],
      );
    },
  });
}

type LayerNormRows = (x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor) => tf.Tensor;
const byEps = new Map<number, LayerNormRows>();

/** The layer norm of `[rows, width]` rows by the row kernels, differentiable in all inputs. */
function layerNormRows(eps: number): LayerNormRows {
  const known = byEps.get(eps);
  if (known !== undefined) return known;
  const op = tf.customGrad((x, gamma, beta, save) => {
    const attrs = { eps } as unknown as tf.NamedAttrMap;
    (save as tf.GradSaveFunc)([x as tf.Tensor, gamma as tf.Tensor]);
    return {
      value: tf.engine().runKernel(
        NORMALIZE_AFFINE,
        { x, gamma, beta } as tf.NamedTensorMap,
        attrs,
      ) as tf.Tensor,
      gradFunc: (dy, saved) => {
        const [sx, sgamma] = saved as tf.Tensor[];
        const g = dy as tf.Tensor;
        const dx = tf.engine().runKernel(NORMALIZE_GRAD, { x: sx, dy: g, gamma: sgamma }, attrs) as tf.Tensor;
        // x̂ again rather than kept from the forward pass, which most passes run without a gradient.
        const xhat = tf.engine().runKernel(NORMALIZE, { x: sx }, attrs) as tf.Tensor;
        return [dx, sumLeadingAxes(tf.mul(g, xhat), 1), sumLeadingAxes(g, 1)];
      },
    };
  }) as LayerNormRows;
  byEps.set(eps, op);
  return op;
}

/**
 * Layer normalisation over the last axis: (x − mean) / √(var + eps) · gamma + beta, with the
 * biased variance, as PyTorch's `nn.LayerNorm`. On WebGPU it runs row kernels (see the module).
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
    if (hasKernel(NORMALIZE)) {
      const width = x.shape[x.rank - 1];
      const y = layerNormRows(eps)(tf.reshape(x, [-1, width]), gamma, beta);
      return tf.reshape(y, x.shape);
    }
    const { mean, variance } = tf.moments(x, -1, true);
    const normed = tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, eps)));
    return tf.add(tf.mul(normed, gamma), beta);
  });
}
