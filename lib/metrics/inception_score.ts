/**
 * The Inception Score of class posteriors (Salimans et al. 2016).
 *
 * @module
 */
import type * as tf from "../backend/tf.ts";
import type { Rng } from "../rng/mod.ts";
import { checkInteger, errorMessage } from "../validate/mod.ts";
import { checkMatrix, readFinite } from "./_features.ts";

/** Options of {@linkcode inceptionScore}. */
export interface InceptionScoreOptions {
  /** The number of disjoint splits scored separately. @default {10} (Salimans et al.) */
  readonly splits?: number;
  /**
   * Shuffles the rows before they are split. Without it the splits are contiguous, as in the
   * reference code, which is right only for rows in random order: a class-conditional
   * generator's output sorted by class (or cycling through the classes, for some split counts)
   * puts few classes in each split and scores near 1.
   * @default {undefined} (contiguous splits)
   */
  readonly rng?: Rng;
}

/** An Inception Score over splits. */
export interface InceptionScore {
  /** The mean over splits: the number reported as IS. */
  readonly mean: number;
  /** The population standard deviation over splits (`numpy.std`). */
  readonly std: number;
}

/** How far a row of posteriors may sum from 1 (float32 softmax rounding is far below it). */
const ROW_SUM_TOLERANCE = 1e-3;

/**
 * IS = exp(E_x KL(p(y | x) ‖ p(y))), with p(y) the mean posterior of the split; between 1 (every
 * image gets the same posterior) and C (confident and balanced over C classes). Computed in
 * float64, with 0 · log 0 = 0.
 *
 * Split s holds rows ⌊s·N/splits⌋ up to ⌊(s+1)·N/splits⌋ of `probs`, or of its rows shuffled by
 * `rng`; with N a multiple of `splits` these are the reference's splits (Salimans et al.'s
 * `inception_score.py`). Pass an `rng` unless the rows are already in random order.
 *
 * @param probs Class posteriors (a classifier's softmax), float32 `[N, C]`: finite, ≥ 0, rows
 * summing to 1 within 1e-3.
 * @param options The number of splits and the {@linkcode Rng} that shuffles rows.
 * @returns The mean and standard deviation over splits.
 * @throws {TypeError} If `probs` is not float32 `[N, C]`.
 * @throws {RangeError} If `splits` is not an integer in [1, N], or a row is not a distribution.
 *
 * @example Confident and balanced over 2 classes
 * ```ts
 * import assert from "node:assert";
 * import { inceptionScore, tf, useBackend } from "@dimo/dimo";
 * await useBackend("cpu");
 * const probs = tf.tensor2d([[1, 0], [0, 1], [1, 0], [0, 1]]);
 * const { mean, std } = await inceptionScore(probs, { splits: 2 });
 * assert.ok(Math.abs(mean - 2) < 1e-9 && std < 1e-9);
 * // Sorted by class, contiguous splits see one class each: pass an `rng` to shuffle.
 * const sorted = tf.tensor2d([[1, 0], [1, 0], [1, 0], [0, 1], [0, 1], [0, 1]]);
 * assert.ok(Math.abs((await inceptionScore(sorted, { splits: 2 })).mean - 1) < 1e-9);
 * assert.ok(Math.abs(mean - 2) < 1e-9 && std < 1e-9);
 * ```
 */
export async function inceptionScore(
  probs: tf.Tensor2D,
  options: InceptionScoreOptions = {},
): Promise<InceptionScore> {
  const { splits = 10, rng } = options;
  const action = "compute the Inception Score";
  checkMatrix(action, "probs", probs, 1);
  const [count, classes] = probs.shape;
  checkInteger(action, "splits", splits, 1, count);
  const values = await readFinite(action, "probs", probs);
  checkDistributions(action, values, classes);
  const rows = Array.from({ length: count }, (_, i) => values.subarray(i * classes, (i + 1) * classes));
  if (rng !== undefined) shuffle(rows, rng);
  const scores = Array.from({ length: splits }, (_, s) => {
    const [start, end] = [s, s + 1].map((i) => Math.floor((i * count) / splits));
    return splitScore(rows.slice(start, end), classes);
  });
  const mean = scores.reduce((a, b) => a + b, 0) / splits;
  const std = Math.sqrt(scores.reduce((a, b) => a + (b - mean) ** 2, 0) / splits);
  return { mean, std };
}

function checkDistributions(action: string, values: Float32Array, classes: number): void {
  for (let row = 0; row * classes < values.length; row++) {
    const p = values.subarray(row * classes, (row + 1) * classes);
    const sum = p.reduce((a, b) => a + b, 0);
    if (p.some((v) => v < 0) || Math.abs(sum - 1) > ROW_SUM_TOLERANCE) {
      const rule = "rows of non-negative numbers summing to 1";
      throw new RangeError(errorMessage(action, `probs[${row}]`, rule, Array.from(p)));
    }
  }
}

/** exp(mean KL(p(y|x) ‖ p(y))) over the rows of one split, with p(y) their mean. */
function splitScore(rows: Float32Array[], classes: number): number {
  const marginal = new Float64Array(classes);
  for (const p of rows) p.forEach((v, c) => (marginal[c] += v / rows.length));
  let kl = 0;
  for (const p of rows) {
    p.forEach((v, c) => {
      if (v > 0) kl += v * (Math.log(v) - Math.log(marginal[c]));
    });
  }
  return Math.exp(kl / rows.length);
}

/** Shuffles in place (Fisher–Yates). */
function shuffle<T>(items: T[], rng: Rng): void {
  for (let i = items.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [items[i], items[j]] = [items[j], items[i]];
  }
}
