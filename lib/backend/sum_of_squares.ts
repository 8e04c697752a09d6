/**
 * The sum of a tensor's squared entries, as one kernel on the WebGPU backend.
 *
 * Adam's global gradient norm needs Σg² of every gradient; from tfjs ops that is a `Square` and
 * a `Sum` kernel a variable, plus the adds that combine them. On WebGPU, where a kernel costs
 * tens of microseconds of host time whatever its size, one workgroup here reads whole tensors, up
 * to seven in one kernel (the reference transformer's largest gradient has 262,144 entries), and
 * reduces them in shared memory. Other backends compute `sum(square(x))` with tfjs ops.
 *
 * @module
 */
import * as tf from "./tf.ts";
import { hasKernel } from "./has_kernel.ts";
import type { WebGPUBackend, WebGPUProgram } from "@tensorflow/tfjs-backend-webgpu";

const KERNEL = "DimoSumOfSquares";
const THREADS = 256;
/**
 * The most tensors one kernel reads: WebGPU guarantees 8 storage buffers a shader stage, and the
 * output takes one.
 */
const MAX_INPUTS = 7;

class SumOfSquaresProgram implements WebGPUProgram {
  readonly variableNames: string[];
  readonly outputShape = [1];
  readonly shaderKey: string;
  readonly dispatchLayout = { x: [0] };
  readonly dispatch: [number, number, number] = [1, 1, 1];
  readonly workgroupSize: [number, number, number] = [THREADS, 1, 1];
  readonly uniforms: string;

  constructor(readonly inputs: number) {
    this.variableNames = Array.from({ length: inputs }, (_, j) => `X${j}`);
    this.uniforms = this.variableNames.map((_, j) => `count${j} : i32,`).join(" ");
    this.shaderKey = `${KERNEL}_${inputs}`;
  }

  getUserCode(): string {
    const loops = this.variableNames.map((name, j) => `
        for (var i = tid; i < uniforms.count${j}; i = i + ${THREADS}) {
          let v = f32(${name}[i]);
          s = s + v * v;
        }`);
    return `
      var<workgroup> partial : array<f32, ${THREADS}>;

      fn main(index : i32) {
        let tid = i32(localId.x);
        var s = 0.0;${loops.join("")}
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
    const xs = Object.keys(inputs).sort().map((k) => (inputs as Record<string, tf.TensorInfo>)[k]);
    return (backend as WebGPUBackend).runWebGPUProgram(
      new SumOfSquaresProgram(xs.length),
      xs,
      "float32",
      xs.map((x) => ({ type: "int32", data: [tf.util.sizeFromShape(x.shape)] })),
    );
  },
});

/** `Σ x²` over up to {@linkcode MAX_INPUTS} tensors, as one WebGPU kernel. */
const sumOfSquaresKernel = (xs: readonly tf.Tensor[]) =>
  tf.engine().runKernel(
    KERNEL,
    Object.fromEntries(xs.map((x, j) => [`x${j}`, x])),
  ) as tf.Tensor1D;

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
 * import { tf, useBackend } from "@dimo/dimo";
 * import { sumOfSquares } from "@dimo/dimo/backend";
 * await useBackend("cpu");
 * assert.deepEqual([...await sumOfSquares(tf.tensor2d([[1, 2], [3, 4]])).data()], [30]);
 * ```
 */
export function sumOfSquares(x: tf.Tensor): tf.Tensor1D {
  if (hasKernel(KERNEL)) return sumOfSquaresKernel([x]);
  return tf.tidy(() => tf.reshape(tf.sum(tf.square(x)), [1]));
}

/**
 * `Σ‖t‖²` over a list of tensors, as a scalar: on WebGPU one kernel for every seven tensors and
 * one sum (Adam's gradient norm over the reference transformer's 53 variables: 8 kernels instead
 * of 53, each tens of microseconds of host time); elsewhere `sum(square(t))` a tensor, added in order (tfjs-webgpu's `AddN`
 * over many inputs returned wrong sums, so no backend uses it here).
 *
 * @param tensors float32 tensors of any shapes; at least one.
 * @returns float32 scalar.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { tf, useBackend } from "@dimo/dimo";
 * import { squaredNorm } from "@dimo/dimo/backend";
 * await useBackend("cpu");
 * assert.equal((await squaredNorm([tf.tensor1d([3]), tf.tensor2d([[4]])]).data())[0], 25);
 * ```
 */
export function squaredNorm(tensors: readonly tf.Tensor[]): tf.Scalar {
  return tf.tidy(() => {
    if (hasKernel(KERNEL)) {
      const groups = Array.from(
        { length: Math.ceil(tensors.length / MAX_INPUTS) },
        (_, g) => sumOfSquaresKernel(tensors.slice(g * MAX_INPUTS, (g + 1) * MAX_INPUTS)),
      );
      return tf.sum(groups.length === 1 ? groups[0] : tf.concat(groups)) as tf.Scalar;
    }
    return tensors.map((t) => tf.sum(tf.square(t))).reduce(
      (total, x) => tf.add(total, x),
      tf.scalar(0),
    ) as tf.Scalar;
  });
}
