/**
 * The sum of a tensor's squared entries, as one kernel on the WebGPU backend.
 *
 * Adam's global gradient norm needs Σg² of every gradient; from tfjs ops that is a `Square` and
 * a `Sum` kernel a variable, plus the adds that combine them. On WebGPU, where a kernel costs
 * tens of microseconds of host time whatever its size, one kernel here reads up to seven tensors:
 * each of its workgroups strides over them and reduces its share in shared memory, and the
 * workgroups' partial sums are added by one `Sum`. Small inputs take one workgroup (and no `Sum`);
 * large ones one workgroup per {@linkcode ELEMENTS_PER_GROUP} entries, up to {@linkcode MAX_GROUPS}
 * (a single workgroup took 6.6 ms for the 2.4 million entries of a 768-wide network's MLP weight).
 * Other backends compute `sum(square(x))` with tfjs ops.
 *
 * @module
 */
import * as tf from "./tf.ts";
import { hasKernel } from "./has_kernel.ts";
import type { WebGPUBackend, WebGPUProgram } from "@tensorflow/tfjs-backend-webgpu";

const KERNEL = "DimoSumOfSquares";
const THREADS = 256;
/** Entries a workgroup reduces when there are enough for several workgroups. */
const ELEMENTS_PER_GROUP = THREADS * 32;
/** The most workgroups one kernel dispatches: enough to keep a large GPU's memory bus busy. */
const MAX_GROUPS = 512;
/**
 * The most tensors one kernel reads: WebGPU guarantees 8 storage buffers a shader stage, and the
 * output takes one.
 */
const MAX_INPUTS = 7;

/** The workgroups for `total` entries: one for a small input, else one per `ELEMENTS_PER_GROUP`. */
const groupsFor = (total: number) => Math.min(MAX_GROUPS, Math.max(1, Math.ceil(total / ELEMENTS_PER_GROUP)));

/** Writes one partial sum a workgroup: `[groups]`. */
class SumOfSquaresProgram implements WebGPUProgram {
  readonly variableNames: string[];
  readonly outputShape: number[];
  readonly shaderKey: string;
  readonly dispatchLayout = { x: [0] };
  readonly dispatch: [number, number, number];
  readonly workgroupSize: [number, number, number] = [THREADS, 1, 1];
  readonly uniforms: string;

  constructor(readonly inputs: number, groups: number) {
    this.variableNames = Array.from({ length: inputs }, (_, j) => `X${j}`);
    this.uniforms = this.variableNames.map((_, j) => `count${j} : i32,`).join(" ");
    this.shaderKey = `${KERNEL}_${inputs}`;
    this.outputShape = [groups];
    this.dispatch = [groups, 1, 1];
  }

  getUserCode(): string {
    const loops = this.variableNames.map((name, j) => `
        for (var i = first; i < uniforms.count${j}; i = i + stride) {
          let v = f32(${name}[i]);
          s = s + v * v;
        }`);
    return `
      var<workgroup> partial : array<f32, ${THREADS}>;

      fn main(index : i32) {
        let tid = i32(localId.x);
        let first = i32(workgroupId.x) * ${THREADS} + tid;
        let stride = i32(numWorkgroups.x) * ${THREADS};
        var s = 0.0;${loops.join("")}
        partial[tid] = s;
        workgroupBarrier();
        for (var stride = ${THREADS / 2}; stride > 0; stride = stride / 2) {
          if (tid < stride) { partial[tid] = partial[tid] + partial[tid + stride]; }
          workgroupBarrier();
        }
        if (tid == 0) { result[workgroupId.x] = partial[0]; }
      }`;
  }
}

tf.registerKernel({
  kernelName: KERNEL,
  backendName: "webgpu",
  kernelFunc: ({ inputs, backend }) => {
    const xs = Object.keys(inputs).sort().map((k) => (inputs as Record<string, tf.TensorInfo>)[k]);
    const sizes = xs.map((x) => tf.util.sizeFromShape(x.shape));
    return (backend as WebGPUBackend).runWebGPUProgram(
      new SumOfSquaresProgram(xs.length, groupsFor(sizes.reduce((a, b) => a + b, 0))),
      xs,
      "float32",
      sizes.map((size) => ({ type: "int32", data: [size] })),
    );
  },
});

/** The partial sums of `Σ x²` over up to {@linkcode MAX_INPUTS} tensors, one a workgroup. */
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
  return tf.tidy(() => {
    if (!hasKernel(KERNEL)) return tf.reshape(tf.sum(tf.square(x)), [1]) as tf.Tensor1D;
    const partial = sumOfSquaresKernel([x]);
    return partial.size === 1 ? partial : tf.reshape(tf.sum(partial), [1]) as tf.Tensor1D;
  });
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
