/**
 * Fused elementwise ops: one WGSL kernel on the WebGPU backend where tfjs would run one kernel
 * per op, and the same values from tfjs ops on every other backend.
 *
 * On WebGPU every tfjs kernel costs about 45 µs of host time (a bind group, a uniform upload, a
 * dispatch) whatever its size; the reference training step ran 2,675 of them. An Adam update of
 * one variable, for instance, is a dozen tfjs ops and three fused kernels.
 *
 * @module
 */
import * as tf from "./tf.ts";
import { hasKernel } from "./has_kernel.ts";
import type { WebGPUBackend } from "@tensorflow/tfjs-backend-webgpu";
import { FlatProgram } from "./webgpu_flat.ts";

/** What a fused op computes: its kernel's WGSL and the same values from tfjs ops. */
export interface FusedSpec {
  /** The kernel's name (registered for the WebGPU backend). */
  readonly name: string;
  /** The number of tensor inputs, `x0`, `x1`, … in the WGSL. */
  readonly inputs: number;
  /** The names of the float32 scalar parameters, `uniforms.<name>` in the WGSL. */
  readonly scalars: readonly string[];
  /**
   * The names of float32 parameters that live on the device, passed as one vector tensor whose
   * entry `i` the WGSL reads as `coefficients[i]`: values computed by earlier kernels, which the
   * host then never has to read back. @default {[]}
   */
  readonly coefficients?: readonly string[];
  /** WGSL that sets `value` (f32) from `x0`, `x1`, … (f32), the scalars and the coefficients. */
  readonly wgsl: string;
  /** The same function from tfjs ops, for the other backends (and as the tests' reference); the
   * coefficients come as float32 scalars. */
  readonly reference: (inputs: tf.Tensor[], scalars: number[], coefficients: tf.Scalar[]) => tf.Tensor;
}

/**
 * A fused op: inputs of the output's shape, or of its last axis (broadcast over the rows), the
 * host scalars, and the vector of device coefficients when the op has any.
 */
export type FusedOp = (
  inputs: readonly tf.Tensor[],
  scalars?: readonly number[],
  coefficients?: tf.Tensor1D,
) => tf.Tensor;

interface FusedAttrs {
  readonly scalars: number[];
}

class FusedProgram extends FlatProgram {
  readonly variableNames: string[];
  readonly shaderKey: string;
  readonly uniforms: string;

  constructor(readonly spec: FusedSpec, shape: number[], readonly rowInputs: readonly boolean[]) {
    super(shape);
    this.variableNames = rowInputs.map((_, j) => `X${j}`);
    if (spec.coefficients?.length) this.variableNames.push("C");
    this.uniforms = `width : i32, ${spec.scalars.map((s) => `${s} : f32, `).join("")}`;
    this.shaderKey = `${spec.name}_${rowInputs.map(Number).join("")}`;
  }

  protected body(): string {
    const reads = this.rowInputs.map((row, j) =>
      `let x${j} = f32(X${j}[${row ? "index % uniforms.width" : "index"}]);`
    ).concat((this.spec.coefficients ?? []).map((name, i) => `let ${name} = f32(C[${i}]);`));
    return `${reads.join("\n          ")}
          ${this.spec.wgsl}`;
  }
}

/**
 * Defines a fused elementwise op: on WebGPU one kernel runs `spec.wgsl` at every element; on
 * other backends `spec.reference` computes the same values. The output has the first input's
 * shape; every other input has that shape or is a vector the length of its last axis. An op with
 * `spec.coefficients` also takes them as one float32 vector.
 *
 * @param spec The op's kernel and reference.
 * @returns The op, float32 in and out; not differentiable (wrap it in `tf.customGrad`).
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { tf, useBackend } from "@dimo/dimo";
 * import { fusedElementwise } from "@dimo/dimo/backend";
 * await useBackend("cpu");
 * const axpy = fusedElementwise({
 *   name: "ExampleAxpy",
 *   inputs: 2,
 *   scalars: ["a"],
 *   wgsl: "value = uniforms.a * x0 + x1;",
 *   reference: ([x, y], [a]) => tf.add(tf.mul(x, a), y),
 * });
 * const z = axpy([tf.tensor1d([1, 2]), tf.tensor1d([10, 20])], [3]);
 * assert.deepEqual([...await z.data()], [13, 26]);
 * ```
 */
export function fusedElementwise(spec: FusedSpec): FusedOp {
  tf.registerKernel({
    kernelName: spec.name,
    backendName: "webgpu",
    kernelFunc: ({ inputs, backend, attrs }) => {
      const xs = Object.keys(inputs).sort().map((k) => (inputs as Record<string, tf.TensorInfo>)[k]);
      const shape = xs[0].shape;
      const program = new FusedProgram(
        spec,
        shape,
        xs.slice(0, spec.inputs).map((x, j) => j > 0 && x.shape.length === 1 && shape.length > 1),
      );
      const { scalars } = attrs as unknown as FusedAttrs;
      return (backend as WebGPUBackend).runWebGPUProgram(program, xs, "float32", [
        { type: "int32", data: [shape[shape.length - 1] ?? 1] },
        ...scalars.map((s) => ({ type: "float32", data: [s] })),
      ]);
    },
  });
  const coefficientCount = spec.coefficients?.length ?? 0;
  return (inputs, scalars = [], coefficients) => {
    if (coefficientCount > 0 || coefficients !== undefined) {
      const ok = coefficients?.dtype === "float32" && coefficients.rank === 1 &&
        coefficients.shape[0] === coefficientCount;
      if (!ok) {
        throw new Error(
          `${spec.name} takes its coefficients (${spec.coefficients?.join(", ") ?? "none"}) as one float32 ` +
            `vector of ${coefficientCount}; got ${
              coefficients ? `${coefficients.dtype} [${coefficients.shape}]` : "none"
            }`,
        );
      }
    }
    if (inputs.length !== spec.inputs || scalars.length !== spec.scalars.length) {
      throw new Error(
        `${spec.name} takes ${spec.inputs} tensors and ${spec.scalars.length} scalars (${
          spec.scalars.join(", ")
        }); ` +
          `got ${inputs.length} and ${scalars.length}`,
      );
    }
    const shape = inputs[0].shape, width = shape[shape.length - 1];
    inputs.forEach((x, j) => {
      const row = j > 0 && x.rank === 1 && x.shape[0] === width && shape.length > 1;
      if (!row && !tf.util.arraysEqual(x.shape, shape)) {
        throw new Error(
          `${spec.name}: input ${j} has shape [${x.shape}]; expected [${shape}] or [${width}] (the first input's last axis)`,
        );
      }
    });
    if (!hasKernel(spec.name)) {
      return tf.tidy(() =>
        spec.reference([...inputs], [...scalars], coefficients ? tf.unstack(coefficients) as tf.Scalar[] : [])
      );
    }
    // Sorted names keep the kernel's order: x00, x01, …, then the coefficients.
    const named: Record<string, tf.Tensor> = Object.fromEntries(
      inputs.map((x, j) => [`x${String(j).padStart(2, "0")}`, x]),
    );
    if (coefficients) named.y = coefficients;
    return tf.engine().runKernel(
      spec.name,
      named,
      { scalars: [...scalars] } as unknown as tf.NamedAttrMap,
    ) as tf.Tensor;
  };
}
