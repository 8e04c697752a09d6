/**
 * Tensor ops with backend workarounds, used by the models instead of the raw tfjs ops.
 *
 * - tfjs-backend-wasm runs `matMul` with transpose flags 8–50x slower than with explicit
 *   transposes, and `matMul`'s own gradient uses the flags: {@linkcode matMul} has a gradient made
 *   of explicit transposes.
 * - wasm returns garbage from a float32 `oneHot`: {@linkcode oneHot} casts an int32 one-hot.
 * - wasm has no `UnsortedSegmentSum`, the gradient of `gather`: {@linkcode embed} looks rows up
 *   with a one-hot product there, with `gather` elsewhere.
 * - tfjs-webgpu's matMul computes small tiles, reads transposed operands slowly and vectorises
 *   only when K and N are multiples of 4 (0.5–2.9 TFLOP/s on an H100 in the reference step):
 *   {@linkcode matMul} runs dimo's tiled kernel there (`webgpu_matmul.ts`), transposes included.
 *
 * @module
 */
import * as tf from "./tf.ts";
import { hasKernel } from "./has_kernel.ts";
import { transposeLast2 } from "./_axes.ts";
import { TILED_MATMUL, tiledMatMul } from "./webgpu_matmul.ts";
import { sumLeadingAxes } from "./leading_sum.ts";

/** Sums `g` over its leading axes down to `shape`'s rank: the gradient of a broadcast operand. */
function sumToRank(g: tf.Tensor, rank: number): tf.Tensor {
  return sumLeadingAxes(g, g.rank - rank);
}

const matMulExplicit = tf.customGrad((a, b, save) => {
  const [x, y] = [a as tf.Tensor, b as tf.Tensor];
  (save as tf.GradSaveFunc)([x, y]);
  return {
    value: tf.matMul(x, y),
    gradFunc: (dy, saved) => {
      const [sa, sb] = saved as tf.Tensor[];
      return [
        sumToRank(tf.matMul(dy as tf.Tensor, transposeLast2(sb)), sa.rank),
        sumToRank(tf.matMul(transposeLast2(sa), dy as tf.Tensor), sb.rank),
      ];
    },
  };
}) as (a: tf.Tensor, b: tf.Tensor) => tf.Tensor;

/** Sums `g` over all axes but the last: the gradient of a bias added to every row. */
function sumRows(g: tf.Tensor): tf.Tensor {
  return sumLeadingAxes(g, g.rank - 1);
}

type Product = (a: tf.Tensor, b: tf.Tensor, bias?: tf.Tensor) => tf.Tensor;

/** `a · op(b) (+ bias)` by the tiled kernel, its gradients too, with `b` transposed in place or not. */
function tiledWithGrad(transposeB: boolean): Product {
  // a·b: da = dy·bᵀ, db = aᵀ·dy.  a·bᵀ: da = dy·b, db = dyᵀ·a.
  const grads = (g: tf.Tensor, sa: tf.Tensor, sb: tf.Tensor) => [
    sumToRank(tiledMatMul(g, sb, false, !transposeB), sa.rank),
    sumToRank(transposeB ? tiledMatMul(g, sa, true, false) : tiledMatMul(sa, g, true, false), sb.rank),
  ];
  const plain = tf.customGrad((a, b, save) => {
    (save as tf.GradSaveFunc)([a as tf.Tensor, b as tf.Tensor]);
    return {
      value: tiledMatMul(a as tf.Tensor, b as tf.Tensor, false, transposeB),
      gradFunc: (dy, [sa, sb]) => grads(dy as tf.Tensor, sa, sb),
    };
  }) as (a: tf.Tensor, b: tf.Tensor) => tf.Tensor;
  const withBias = tf.customGrad((a, b, bias, save) => {
    (save as tf.GradSaveFunc)([a as tf.Tensor, b as tf.Tensor]);
    return {
      value: tiledMatMul(a as tf.Tensor, b as tf.Tensor, false, transposeB, undefined, bias as tf.Tensor),
      gradFunc: (dy, [sa, sb]) => [...grads(dy as tf.Tensor, sa, sb), sumRows(dy as tf.Tensor)],
    };
  }) as (a: tf.Tensor, b: tf.Tensor, bias: tf.Tensor) => tf.Tensor;
  return (a, b, bias) => bias === undefined ? plain(a, b) : withBias(a, b, bias);
}
const tiledProduct = tiledWithGrad(false), tiledProductTransposed = tiledWithGrad(true);

/**
 * Batched matrix product `a · b` (optionally `a · bᵀ`, optionally plus a bias on every row). On
 * WebGPU it and its gradient run dimo's tiled kernel, which reads transposed operands in place
 * and adds the bias as it writes; elsewhere the gradient uses explicit transposes.
 *
 * @param a float32 `[..., M, K]`.
 * @param b float32 `[..., K, N]` (or `[..., N, K]` with `transposeB`); batch dims equal to `a`'s, or
 *   none (one `b` for the whole batch).
 * @param transposeB Whether to multiply by `bᵀ`.
 * @param bias float32 `[N]`, added to every row of the product.
 * @returns float32 `[..., M, N]`.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { tf, useBackend } from "@dimo/dimo";
 * import { matMul } from "@dimo/dimo/backend";
 * await useBackend("cpu");
 * const y = matMul(tf.tensor2d([[1, 2]]), tf.tensor2d([[3], [4]]));
 * assert.deepEqual(await y.data(), new Float32Array([11]));
 * ```
 */
export function matMul(a: tf.Tensor, b: tf.Tensor, transposeB = false, bias?: tf.Tensor): tf.Tensor {
  if (hasKernel(TILED_MATMUL)) {
    return (transposeB ? tiledProductTransposed : tiledProduct)(a, b, bias);
  }
  return tf.tidy(() => {
    const product = matMulExplicit(a, transposeB ? transposeLast2(b) : b);
    return bias === undefined ? product : tf.add(product, bias);
  });
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
 * import { tf, useBackend } from "@dimo/dimo";
 * import { oneHot } from "@dimo/dimo/backend";
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
 * backend has its gradient kernel, a one-hot product where it does not (wasm). On WebGPU the
 * table's gradient is the tiled product `one-hotᵀ · dy` (tfjs-webgpu's `UnsortedSegmentSum`
 * took 15 ms of a 70 ms GPU step on an H100; the product adds 1.4 ms to the step's matMul time).
 *
 * @param table float32 `[V, D]`.
 * @param ids int32 `[...S]` with values in `[0, V)`.
 * @returns float32 `[...S, D]`.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { tf, useBackend } from "@dimo/dimo";
 * import { embed } from "@dimo/dimo/backend";
 * await useBackend("cpu");
 * const rows = embed(tf.tensor2d([[0, 1], [2, 3]]), tf.tensor1d([1], "int32"));
 * assert.deepEqual(await rows.data(), new Float32Array([2, 3]));
 * ```
 */
export function embed(table: tf.Tensor, ids: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const [vocab, width] = table.shape;
    if (hasKernel(TILED_MATMUL)) {
      const flat = tf.reshape(ids, [-1]);
      const rows = tf.customGrad((t, save) => {
        (save as tf.GradSaveFunc)([flat]);
        return {
          value: tf.gather(t as tf.Tensor, flat),
          gradFunc: (dy, [saved]) => tiledMatMul(oneHot(saved, vocab), dy as tf.Tensor, true, false),
        };
      }) as (t: tf.Tensor) => tf.Tensor;
      return tf.reshape(rows(table), [...ids.shape, width]);
    }
    if (hasKernel("UnsortedSegmentSum")) {
      return tf.gather(table, ids);
    }
    const flat = matMul(oneHot(tf.reshape(ids, [-1]), vocab), table);
    return tf.reshape(flat, [...ids.shape, width]);
  });
}

/**
 * `tf.where(condition, a, b)` for a condition that broadcasts to `a`'s shape (a scalar, or a
 * row mask `[B, L, 1]` against `[B, L, V]`). `tf.where` tiles such a condition to full size, and
 * tfjs-wasm's Tile is slow; here a broadcasting add makes the full condition instead. Selection
 * as `tf.where`'s: a non-finite value of the branch not taken does not leak into the result.
 *
 * @param condition bool, or float32 0/1, broadcastable to `a`'s shape.
 * @param a Taken where the condition holds.
 * @param b Taken elsewhere; `a`'s shape.
 * @returns `a`'s shape and dtype.
 *
 * @example Zero every position a row mask leaves out, NaN included
 * ```ts
 * import assert from "node:assert";
 * import { tf, useBackend } from "@dimo/dimo";
 * import { whereBroadcast } from "@dimo/dimo/backend";
 * await useBackend("cpu");
 * const g = tf.tensor3d([[[1, -1], [NaN, 2]]]);
 * const kept = tf.tensor3d([[[1], [0]]]);
 * assert.deepEqual(Array.from(await whereBroadcast(kept, g, tf.zerosLike(g)).data()), [1, -1, 0, 0]);
 * ```
 */
export function whereBroadcast(condition: tf.Tensor, a: tf.Tensor, b: tf.Tensor): tf.Tensor {
  return tf.tidy(() =>
    tf.where(tf.greater(tf.add(tf.zeros(a.shape), tf.cast(condition, "float32")), 0.5), a, b)
  );
}
