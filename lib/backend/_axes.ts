/**
 * Axis helpers shared by the ops and their tests.
 *
 * @module
 */
import * as tf from "./tf.ts";

/** Swaps the last two axes of a tensor of rank ≥ 2 (an explicit transpose of each matrix). */
export function transposeLast2(t: tf.Tensor): tf.Tensor {
  const perm = [...Array(t.rank).keys()];
  [perm[t.rank - 2], perm[t.rank - 1]] = [perm[t.rank - 1], perm[t.rank - 2]];
  return tf.transpose(t, perm);
}
