/**
 * Tensor ops with backend workarounds, used by the models instead of the raw tfjs ops.
 *
 * - tfjs-backend-wasm runs `matMul` with transpose flags 8–50x slower than with explicit
 *   transposes, and `matMul`'s own gradient uses the flags: {@linkcode matMul} has a gradient made
 *   of explicit transposes.
 * - wasm returns garbage from a float32 `oneHot`: {@linkcode oneHot} casts an int32 one-hot.
 * - wasm has no `UnsortedSegmentSum`, the gradient of `gather`: {@linkcode embed} looks rows up
 *   with a one-hot product there, with `gather` elsewhere.
 * - tfjs-webgpu's matMul reads four floats at a time only when the inner size K and the output
 *   width N are multiples of 4; with 1,025 codes or 65 positions it falls back to a scalar kernel
 *   4–13x slower on an H100. {@linkcode matMul} pads K and N with zeros there
 *   ({@linkcode matMulAligned}).
 *
 * @module
 */
import * as tf from "./tf.ts";

/** Swaps the last two axes of a tensor of rank ≥ 2. */
function transposeLast2(t: tf.Tensor): tf.Tensor {
  const perm = [...Array(t.rank).keys()];
  [perm[t.rank - 2], perm[t.rank - 1]] = [perm[t.rank - 1], perm[t.rank - 2]];
  return tf.transpose(t, perm);
}

/** The multiple K and N are padded to before a product on the active backend (1: none). */
function alignment(): number {
  return tf.getBackend() === "webgpu" ? 4 : 1;
}

/**
 * `a · b` with the inner size K and the output width N zero-padded to multiples of `multiple`
 * and the product sliced back: the same values, in the shape a backend's fast kernel wants.
 *
 * @param a float32 `[..., M, K]`.
 * @param b float32 `[..., K, N]`.
 * @param multiple The alignment; 1 multiplies as is.
 * @returns float32 `[..., M, N]`.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { matMulAligned, tf, useBackend } from "@dimo/dimo";
 * await useBackend("cpu");
 * const y = matMulAligned(tf.tensor2d([[1, 2, 3]]), tf.tensor2d([[1], [1], [1]]), 4);
 * assert.deepEqual(y.shape, [1, 1]);
 * assert.deepEqual(await y.data(), new Float32Array([6]));
 * ```
 */
export function matMulAligned(a: tf.Tensor, b: tf.Tensor, multiple: number): tf.Tensor {
  const k = a.shape[a.rank - 1], n = b.shape[b.rank - 1];
  const padK = (multiple - (k % multiple)) % multiple, padN = (multiple - (n % multiple)) % multiple;
  if (padK === 0 && padN === 0) return tf.matMul(a, b);
  return tf.tidy(() => {
    const none = (t: tf.Tensor, keep: number) =>
      Array.from({ length: t.rank - keep }, () => [0, 0] as [number, number]);
    const pa = padK === 0 ? a : tf.pad(a, [...none(a, 1), [0, padK]]);
    const pb = tf.pad(b, [...none(b, 2), [0, padK], [0, padN]]);
    const product = tf.matMul(pa, pb);
    if (padN === 0) return product;
    return tf.slice(product, Array(product.rank).fill(0), [...product.shape.slice(0, -1), n]);
  });
}

const matMulExplicit = tf.customGrad((a, b, save) => {
  const [x, y] = [a as tf.Tensor, b as tf.Tensor];
  (save as tf.GradSaveFunc)([x, y]);
  const multiple = alignment();
  return {
    value: matMulAligned(x, y, multiple),
    gradFunc: (dy, saved) => {
      const [sa, sb] = saved as tf.Tensor[];
      return [
        matMulAligned(dy as tf.Tensor, transposeLast2(sb), multiple),
        matMulAligned(transposeLast2(sa), dy as tf.Tensor, multiple),
      ];
    },
  };
}) as (a: tf.Tensor, b: tf.Tensor) => tf.Tensor;

/**
 * Batched matrix product `a · b` (optionally `a · bᵀ`) whose gradient uses explicit transposes,
 * with K and N padded to multiples of 4 on WebGPU.
 *
 * @param a float32 `[..., M, K]`.
 * @param b float32 `[..., K, N]` (or `[..., N, K]` with `transposeB`); batch dims equal to `a`'s.
 * @param transposeB Whether to multiply by `bᵀ` (done as an explicit transpose).
 * @returns float32 `[..., M, N]`.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { matMul, tf, useBackend } from "@dimo/dimo";
 * await useBackend("cpu");
 * const y = matMul(tf.tensor2d([[1, 2]]), tf.tensor2d([[3], [4]]));
 * assert.deepEqual(await y.data(), new Float32Array([11]));
 * ```
 */
export function matMul(a: tf.Tensor, b: tf.Tensor, transposeB = false): tf.Tensor {
  return tf.tidy(() => matMulExplicit(a, transposeB ? transposeLast2(b) : b));
}

/**
 * A float32 one-hot encoding that is correct on every backend (wasm's float32 `oneHot` is not).
 *
 * @param indices int32 ids, any shape `S`.
 * @param depth Number of classes.
 * @returns float32 `[...S, depth]`.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { oneHot, tf, useBackend } from "@dimo/dimo";
 * await useBackend("cpu");
 * const y = oneHot(tf.tensor1d([2], "int32"), 3);
 * assert.deepEqual(Array.from(await y.data()), [0, 0, 1]);
 * ```
 */
export function oneHot(indices: tf.Tensor, depth: number): tf.Tensor {
  return tf.tidy(() => tf.cast(tf.oneHot(indices as tf.Tensor1D, depth), "float32"));
}

/**
 * Looks up rows of an embedding table, differentiable on every backend: `gather` where the
 * backend has its gradient kernel, a one-hot product where it does not (wasm).
 *
 * @param table float32 `[V, D]`.
 * @param ids int32 `[...S]` with values in `[0, V)`.
 * @returns float32 `[...S, D]`.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { embed, tf, useBackend } from "@dimo/dimo";
 * await useBackend("cpu");
 * const rows = embed(tf.tensor2d([[0, 1], [2, 3]]), tf.tensor1d([1], "int32"));
 * assert.deepEqual(await rows.data(), new Float32Array([2, 3]));
 * ```
 */
export function embed(table: tf.Tensor, ids: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const [vocab, width] = table.shape;
    if (tf.getKernel("UnsortedSegmentSum", tf.getBackend()) !== undefined) {
      return tf.gather(table, ids);
    }
    const flat = matMul(oneHot(tf.reshape(ids, [-1]), vocab), table);
    return tf.reshape(flat, [...ids.shape, width]);
  });
}
