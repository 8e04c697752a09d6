/**
 * Categorical sampling and Gumbel noise that give the same draws on every backend.
 *
 * `tf.multinomial` is implemented per backend and draws differently on each. Here the randomness
 * is one uniform per position from `tf.randomUniform`, which tfjs draws on the CPU from the seed,
 * and the sample is its inverse CDF: the class where the cumulative softmax first reaches it.
 *
 * @module
 */
import * as tf from "../backend/tf.ts";
import type { Rng } from "../rng/mod.ts";
import { checkDtype, checkInteger, errorMessage } from "../validate/mod.ts";
import { checkTemperature } from "./_check.ts";

/** Options of {@linkcode sampleCategorical}. */
export interface CategoricalOptions {
  /**
   * Divides the logits before the softmax: below 1 sharpens, above 1 flattens. A finite number > 0.
   *
   * @default {1}
   */
  readonly temperature?: number;
  /**
   * Keeps only the `topK` largest logits of each position (the others get probability 0; ties with
   * the `topK`-th value are all kept). An integer in `[1, V]`; unset keeps every class.
   */
  readonly topK?: number;
}

/**
 * The smallest normal float32. Uniforms are raised to it: `u = 0` would select class 0 even when
 * its probability is 0, as no cumulative probability is below 0.
 */
const FLOAT32_TINY = 1.1754943508222875e-38;

/** 2^-24: the float32 neighbours of 0 and 1 that Gumbel noise clamps its uniforms between. */
const GUMBEL_EPS = 2 ** -24;

/**
 * Draws one class per position from `softmax(logits / temperature)`, optionally restricted to the
 * `topK` largest logits.
 *
 * One uniform `u` per position comes from `tf.randomUniform` seeded by `rng`; the class is the
 * number of cumulative probabilities below `u · total` (total = the last cumulative probability,
 * ≈ 1). Scaling by the total keeps the count below V, and a class of probability 0 (a logit of
 * −∞, or cut by `topK`) is never drawn, so callers may forbid classes with −∞ logits.
 *
 * @param logits Unnormalised log-probabilities, float32 `[..., V]`; −∞ forbids a class (at least
 *   one class per position must be finite).
 * @param rng The generator that seeds the uniforms.
 * @param options `temperature` and `topK`.
 * @returns The drawn class ids, int32 `[...]` (the shape of `logits` without its last axis).
 * @throws {TypeError} If `logits` is not float32 of rank ≥ 1.
 * @throws {RangeError} If `temperature` is not a finite number > 0 or `topK` not an integer in `[1, V]`.
 *
 * @example Draw from a distribution with one impossible class
 * ```ts
 * import assert from "node:assert";
 * import { createRng, sampleCategorical, tf, useBackend } from "@dimo/dimo";
 * await useBackend("cpu");
 * const logits = tf.tensor2d([[0, -Infinity, 0], [0, -Infinity, 0]]);
 * const ids = await sampleCategorical(logits, createRng(1)).data();
 * assert.ok(Array.from(ids).every((id) => id === 0 || id === 2));
 * ```
 */
export function sampleCategorical(logits: tf.Tensor, rng: Rng, options: CategoricalOptions = {}): tf.Tensor {
  const action = "sample tokens";
  const { temperature = 1, topK } = options;
  checkDtype(action, "logits", logits.dtype, "float32");
  if (logits.rank < 1) throw new TypeError(errorMessage(action, "logits", "of rank >= 1", logits.shape));
  const vocabSize = logits.shape[logits.rank - 1];
  checkTemperature(action, temperature);
  if (topK !== undefined) checkInteger(action, "topK", topK, 1, vocabSize);

  return tf.tidy(() => {
    let scaled = temperature === 1 ? logits : tf.div(logits, temperature);
    if (topK !== undefined && topK < vocabSize) scaled = keepTopK(scaled, topK);
    const cdf = tf.cumsum(tf.softmax(scaled), logits.rank - 1); // wasm's cumsum rejects axis -1
    const last = cdf.shape.map((_, axis) => (axis === cdf.rank - 1 ? vocabSize - 1 : 0));
    const total = tf.slice(cdf, last);
    const u = tf.maximum(tf.randomUniform(total.shape, 0, 1, "float32", rng.seed()), FLOAT32_TINY);
    // `cdf − u·total < 0` rather than `cdf < u·total`: the same test, but tfjs-wasm runs a
    // broadcasting comparison ~30× slower than a broadcasting subtraction.
    return tf.sum(tf.cast(tf.less(tf.sub(cdf, tf.mul(u, total)), 0), "int32"), -1);
  });
}

/** Sets every logit below the `k`-th largest of its position to −∞. */
function keepTopK(logits: tf.Tensor, k: number): tf.Tensor {
  const kth = tf.min(tf.topk(logits, k).values, -1, true);
  return tf.where(tf.greaterEqual(logits, kth), logits, -Infinity);
}

/**
 * Draws standard Gumbel noise `−log(−log u)`, `u ~ U(0, 1)` clamped to `[2^-24, 1 − 2^-24]` so
 * both logarithms stay finite.
 *
 * @param shape The shape of the noise.
 * @param rng The generator that seeds the uniforms.
 * @returns float32 noise of shape `shape`.
 *
 * @example Gumbel noise has mean ≈ 0.577 (the Euler–Mascheroni constant)
 * ```ts
 * import assert from "node:assert";
 * import { createRng, gumbelNoise, tf, useBackend } from "@dimo/dimo";
 * await useBackend("cpu");
 * const mean = (await tf.mean(gumbelNoise([20000], createRng(3))).data())[0];
 * assert.ok(Math.abs(mean - 0.5772) < 0.05);
 * ```
 */
export function gumbelNoise(shape: number[], rng: Rng): tf.Tensor {
  return tf.tidy(() => {
    const u = tf.clipByValue(
      tf.randomUniform(shape, 0, 1, "float32", rng.seed()),
      GUMBEL_EPS,
      1 - GUMBEL_EPS,
    );
    return tf.neg(tf.log(tf.neg(tf.log(u))));
  });
}
