/**
 * Sums over a tensor's leading axes, as one or two kernels on the WebGPU backend.
 *
 * Gradients sum over rows all the time: a bias's over the batch, a layer norm's γ and β, the K
 * slices of a split matrix product. tfjs-webgpu reduces only over the last axis, so each such
 * `tf.sum` is a transpose and a reduction, with a noticeable host cost each. Here thread `c` of
 * chunk `s` adds rows `256·s … 256·s + 255` of column `c` (neighbouring threads read neighbouring
 * addresses), and a second pass adds the chunks when there are more than 256 rows. Other
 * backends use `tf.sum`.
 *
 * @module
 */
import * as tf from "./tf.ts";
import { hasKernel } from "./has_kernel.ts";
import type { WebGPUBackend } from "@tensorflow/tfjs-backend-webgpu";
import { FlatProgram } from "./webgpu_flat.ts";

const KERNEL = "DimoColumnSums";
/** Rows one thread adds in a pass. */
const CHUNK = 256;

/** `[rows, columns]` → `[ceil(rows / chunk), columns]`: the sums of each chunk of rows. */
class ColumnSumsProgram extends FlatProgram {
  readonly variableNames = ["X"];
  readonly shaderKey = KERNEL;
  readonly uniforms = "rows : i32, columns : i32, chunk : i32,";

  constructor(chunks: number, columns: number) {
    super([chunks, columns]);
  }

  protected body(): string {
    return `let column = index % uniforms.columns;
          let first = (index / uniforms.columns) * uniforms.chunk;
          let last = min(first + uniforms.chunk, uniforms.rows);
          for (var r = first; r < last; r = r + 1) { value = value + f32(X[r * uniforms.columns + column]); }`;
  }
}

tf.registerKernel({
  kernelName: KERNEL,
  backendName: "webgpu",
  kernelFunc: ({ inputs, backend, attrs }) => {
    const { x } = inputs as { x: tf.TensorInfo };
    const { chunk } = attrs as unknown as { chunk: number };
    const [rows, columns] = x.shape;
    const program = new ColumnSumsProgram(Math.ceil(rows / chunk), columns);
    return (backend as WebGPUBackend).runWebGPUProgram(program, [x], "float32", [
      { type: "int32", data: [rows] },
      { type: "int32", data: [columns] },
      { type: "int32", data: [chunk] },
    ]);
  },
});

/**
 * Sums `x` over its first `count` axes: `tf.sum(x, [0, …, count − 1])`, by column-sum kernels
 * on WebGPU.
 *
 * @param x float32, rank ≥ `count`.
 * @param count How many leading axes to sum over (0 returns `x`).
 * @returns float32 of shape `x.shape.slice(count)`.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { tf, useBackend } from "@dimo/dimo";
 * import { sumLeadingAxes } from "@dimo/dimo/backend";
 * await useBackend("cpu");
 * const sums = sumLeadingAxes(tf.tensor2d([[1, 2], [3, 4], [5, 6]]), 1);
 * assert.deepEqual([...await sums.data()], [9, 12]);
 * ```
 */
export function sumLeadingAxes(x: tf.Tensor, count: number): tf.Tensor {
  if (!Number.isInteger(count) || count < 0 || count > x.rank) {
    throw new RangeError(
      `sumLeadingAxes: count must be an integer in [0, ${x.rank}] for shape [${x.shape}]; got ${count}`,
    );
  }
  if (count === 0) return x;
  const rest = x.shape.slice(count);
  if (!hasKernel(KERNEL)) return tf.sum(x, [...Array(count).keys()]);
  return tf.tidy(() => {
    let partial = tf.reshape(x, [-1, tf.util.sizeFromShape(rest)]);
    do {
      partial = tf.engine().runKernel(KERNEL, { x: partial }, { chunk: CHUNK }) as tf.Tensor;
    } while (partial.shape[0] > 1);
    return tf.reshape(partial, rest);
  });
}
