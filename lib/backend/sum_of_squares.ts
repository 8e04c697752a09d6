/**
 * The sum of a tensor's squared entries, as one kernel on the WebGPU backend.
 *
 * Adam's global gradient norm needs Σg² of every gradient; from tfjs ops that is a `Square` and
 * a `Sum` kernel a variable, plus the adds that combine them. On WebGPU, where a kernel costs
 * tens of microseconds of host time whatever its size, one workgroup here reads the whole tensor
 * (the reference transformer's largest gradient has 262,144 entries) and reduces it in shared
 * memory. Other backends compute `sum(square(x))` with tfjs ops.
 *
 * @module
 */
import * as tf from "./tf.ts";
import { hasKernel } from "./_kernels.ts";
import type { WebGPUBackend, WebGPUProgram } from "@tensorflow/tfjs-backend-webgpu";

const KERNEL = "DimoSumOfSquares";
const THREADS = 256;

class SumOfSquaresProgram implements WebGPUProgram {
  readonly variableNames = ["X"];
  readonly outputShape = [1];
  readonly shaderKey = KERNEL;
  readonly dispatchLayout = { x: [0] };
  readonly dispatch: [number, number, number] = [1, 1, 1];
  readonly workgroupSize: [number, number, number] = [THREADS, 1, 1];
  readonly uniforms = "count : i32,";

  getUserCode(): string {
    return `
      var<workgroup> partial : array<f32, ${THREADS}>;

      fn main(index : i32) {
        let tid = i32(localId.x);
        var s = 0.0;
        for (var i = tid; i < uniforms.count; i = i + ${THREADS}) {
          let v = f32(X[i]);
          s = s + v * v;
        }
        partial[tid] = s;
        workgroupBarrier();
        for (var stride = ${THREADS / 2}; stride > 0; stride = stride / 2) {
          if (tid < stride) { partial[tid] = partial[tid] + partial[tid + stride]; }
          workgroupBarrier();
        }
        if (tid == 0) { result[0] = partial[0]; }
      }`;
  }
}

tf.registerKernel({
  kernelName: KERNEL,
  backendName: "webgpu",
  kernelFunc: ({ inputs, backend }) => {
    const { x } = inputs as { x: tf.TensorInfo };
    return (backend as WebGPUBackend).runWebGPUProgram(new SumOfSquaresProgram(), [x], "float32", [
      { type: "int32", data: [tf.util.sizeFromShape(x.shape)] },
    ]);
  },
});

/**
 * `Σ x²` over every entry of `x`, as a one-element tensor: one kernel on WebGPU, tfjs ops
 * elsewhere. Not differentiable.
 *
 * @param x float32, any shape.
 * @returns float32 `[1]`.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { sumOfSquares, tf, useBackend } from "@dimo/dimo";
 * await useBackend("cpu");
 * assert.deepEqual([...await sumOfSquares(tf.tensor2d([[1, 2], [3, 4]])).data()], [30]);
 * ```
 */
export function sumOfSquares(x: tf.Tensor): tf.Tensor1D {
  if (hasKernel(KERNEL)) {
    return tf.engine().runKernel(KERNEL, { x }) as tf.Tensor1D;
  }
  return tf.tidy(() => tf.reshape(tf.sum(tf.square(x)), [1]));
}

/**
 * `Σ‖t‖²` over a list of tensors, as a scalar: on WebGPU one {@linkcode sumOfSquares} kernel a
 * tensor and one sum; elsewhere `sum(square(t))` a tensor, added in order (tfjs-webgpu's `AddN`
 * over many inputs returned wrong sums, so no backend uses it here).
 *
 * @param tensors float32 tensors of any shapes; at least one.
 * @returns float32 scalar.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { squaredNorm, tf, useBackend } from "@dimo/dimo";
 * await useBackend("cpu");
 * assert.equal((await squaredNorm([tf.tensor1d([3]), tf.tensor2d([[4]])]).data())[0], 25);
 * ```
 */
export function squaredNorm(tensors: readonly tf.Tensor[]): tf.Scalar {
  return tf.tidy(() => {
    if (hasKernel(KERNEL)) {
      return tf.sum(tf.concat(tensors.map(sumOfSquares))) as tf.Scalar;
    }
    return tensors.map((t) => tf.sum(tf.square(t))).reduce(
      (total, x) => tf.add(total, x),
      tf.scalar(0),
    ) as tf.Scalar;
  });
}
