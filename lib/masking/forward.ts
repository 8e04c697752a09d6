/**
 * The forward process q(x̃_t | x_0): replace tokens by the mask id, either independently
 * (Bernoulli, as in the slides and MaskGIT's teacher training) or an exact count per row (as the
 * official Di[M]O code masks both `x_init` and `x̃_t`).
 *
 * Positions are drawn in JavaScript from the {@linkcode Rng}, so masks are identical on every
 * backend.
 *
 * @module
 */
import * as tf from "../backend/tf.ts";
import type { Rng } from "../rng/mod.ts";
import { checkDtype, checkInRange, checkInteger, checkShape } from "../validate/mod.ts";
import { markRandomSubset } from "./subset.ts";

/** A masked sequence batch. */
export interface MaskedTokens {
  /** x̃_t: the tokens with masked positions set to `maskId`, int32 `[B, L]`. */
  readonly xt: tf.Tensor2D;
  /** M: which positions were masked, bool `[B, L]`. */
  readonly masked: tf.Tensor2D;
}

/** Options of the forward process. */
export interface ForwardOptions {
  /** The id written at masked positions. */
  readonly maskId: number;
  /** The generator for the positions. */
  readonly rng: Rng;
}

function checkInputs(action: string, tokens: tf.Tensor, ratios: readonly number[], maskId: number): void {
  checkDtype(action, "tokens", tokens.dtype, "int32");
  checkShape(action, "tokens", tokens.shape, [-1, -1]);
  checkShape(action, "ratios", [ratios.length], [tokens.shape[0]]);
  ratios.forEach((r, b) => checkInRange(action, `ratios[${b}]`, r, 0, 1));
  checkInteger(action, "maskId", maskId, 0);
}

/**
 * Checks the inputs, lets `markRow` choose each row's masked positions (ones in a zeroed row),
 * and writes the mask id there.
 */
function maskRows(
  tokens: tf.Tensor2D,
  ratios: readonly number[],
  options: ForwardOptions,
  markRow: (row: Uint8Array, ratio: number, rng: Rng) => void,
): MaskedTokens {
  const { maskId, rng } = options;
  checkInputs("mask tokens", tokens, ratios, maskId);
  const [batch, length] = tokens.shape;
  const mask = new Uint8Array(batch * length);
  for (let b = 0; b < batch; b++) markRow(mask.subarray(b * length, (b + 1) * length), ratios[b], rng);
  return tf.tidy(() => {
    const masked = tf.tensor2d(mask, tokens.shape, "bool");
    const xt = tf.where(masked, tf.fill(tokens.shape, maskId, "int32"), tokens) as tf.Tensor2D;
    return { xt, masked };
  });
}

/**
 * Masks each token independently with probability `ratios[b]`:
 * q(x̃_t | x_0) = Π_i Cat(x̃_t^i; (1 − r) δ(x_0^i) + r δ([M])).
 *
 * @param tokens x_0, int32 `[B, L]`.
 * @param ratios The mask ratio r of each row, B numbers in [0, 1].
 * @param options `maskId` and `rng`.
 * @returns `xt` and `masked`.
 * @throws {TypeError} If `tokens` is not int32 `[B, L]` or `ratios` has not B entries.
 * @throws {RangeError} If a ratio is outside [0, 1].
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { createRng, maskBernoulli, tf, useBackend } from "@dimo/dimo";
 * await useBackend("cpu");
 * const { xt } = maskBernoulli(tf.tensor2d([[1, 2, 3]], [1, 3], "int32"), [1], { maskId: 9, rng: createRng(0) });
 * assert.deepEqual(Array.from(await xt.data()), [9, 9, 9]);
 * ```
 */
export function maskBernoulli(
  tokens: tf.Tensor2D,
  ratios: readonly number[],
  options: ForwardOptions,
): MaskedTokens {
  return maskRows(tokens, ratios, options, (row, ratio, rng) => {
    for (let i = 0; i < row.length; i++) row[i] = rng.next() < ratio ? 1 : 0;
  });
}

/**
 * The number of positions {@linkcode maskExactCount} masks in a row of length L at ratio r:
 * round(L·r), at least 1 (the official code's clamp, so every x̃_t carries a gradient).
 *
 * @param length L.
 * @param ratio r ∈ [0, 1].
 * @returns The count, in [1, L].
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { exactMaskCount } from "@dimo/dimo";
 * assert.equal(exactMaskCount(256, 0.6), 154);
 * assert.equal(exactMaskCount(256, 0), 1);
 * ```
 */
export function exactMaskCount(length: number, ratio: number): number {
  return Math.min(length, Math.max(1, Math.round(length * ratio)));
}

/**
 * Masks exactly {@linkcode exactMaskCount}(L, ratios[b]) positions of each row, uniformly
 * without replacement — the forward process of the official Di[M]O code.
 *
 * @param tokens x_0, int32 `[B, L]`.
 * @param ratios The mask ratio r of each row, B numbers in [0, 1].
 * @param options `maskId` and `rng`.
 * @returns `xt` and `masked`.
 * @throws {TypeError} If `tokens` is not int32 `[B, L]` or `ratios` has not B entries.
 * @throws {RangeError} If a ratio is outside [0, 1].
 *
 * @example Mask half of one row
 * ```ts
 * import assert from "node:assert";
 * import { createRng, maskExactCount, tf, useBackend } from "@dimo/dimo";
 * await useBackend("cpu");
 * const tokens = tf.tensor2d([[3, 1, 4, 1]], [1, 4], "int32");
 * const { xt } = maskExactCount(tokens, [0.5], { maskId: 9, rng: createRng(0) });
 * assert.equal(Array.from(await xt.data()).filter((v) => v === 9).length, 2);
 * ```
 */
export function maskExactCount(
  tokens: tf.Tensor2D,
  ratios: readonly number[],
  options: ForwardOptions,
): MaskedTokens {
  return maskRows(tokens, ratios, options, (row, ratio, rng) => {
    markRandomSubset(row, exactMaskCount(row.length, ratio), rng);
  });
}
