/**
 * One-step sampling of a distilled generator (docs/method.md §12).
 *
 * One forward pass of the student on `xInit` and a categorical draw per position — no guidance,
 * no iteration. Build `xInit` as in training (random codes, a fraction `rInit` masked); the
 * student's embedding noise `sigma` is part of the student {@linkcode Denoiser} itself.
 *
 * @module
 */
import * as tf from "../backend/tf.ts";
import type { Condition, Denoiser } from "../models/denoiser.ts";
import type { Rng } from "../rng/mod.ts";
import { checkInteger } from "../validate/mod.ts";
import { type CategoricalOptions, sampleCategorical } from "./categorical.ts";
import { checkDenoiserOutput, checkTemperature, checkTokensAndCondition } from "./_check.ts";

/** Options of {@linkcode sampleOneStep}. */
export interface OneStepOptions extends CategoricalOptions {
  /** Number of codes `K`; the output is clamped to `[0, K)` (MaskGIT: 1024). */
  readonly codebookSize: number;
}

/**
 * Samples tokens from a one-step generator: `x ~ softmax(zTheta(xInit) / temperature)`, then ids
 * ≥ `codebookSize` clamped to `codebookSize − 1`.
 *
 * The clamp follows the official sampler (`sample_MaskGit.py`, before VQ decoding): a MaskGIT
 * student's head has the mask class (V = K + 1), which the categorical can draw; it is decoded as
 * code K − 1. With V = K (Meissonic) the clamp never applies.
 *
 * @param student The one-step generator.
 * @param xInit The initial tokens, int32 `[B, L]`, values in `[0, maskId]`.
 * @param condition Class labels, int32 `[B]`, or prompt ids, int32 `[B, P]`.
 * @param rng Draws the tokens.
 * @param options `codebookSize`, and the `temperature` (the official `gen_temp`, default 1) and
 *   `topK` of the draw.
 * @returns Tokens, int32 `[B, L]`, every one in `[0, codebookSize)`.
 * @throws {RangeError} If `codebookSize` is not an integer ≥ 1, `temperature` not a finite number
 *   > 0 or `topK` not an integer in `[1, V]`.
 * @throws {TypeError} If `xInit` is not int32 `[B, L]`, the condition not int32 `[B]` or `[B, P]`, or the student's
 *   output not float32 `[B, L, V]` with `V ≥ codebookSize`.
 *
 * @example The mask class is decoded as the last code
 * ```ts
 * import assert from "node:assert";
 * import { createRng, type Denoiser, sampleOneStep, tf, useBackend } from "@dimo/dimo";
 * await useBackend("cpu");
 * // 2 codes + the mask class (id 2), which this student always predicts.
 * const student: Denoiser = (tokens) =>
 *   tf.tile(tf.tensor3d([[[0, 0, 50]]]), [tokens.shape[0], tokens.shape[1], 1]) as tf.Tensor3D;
 * const xInit = tf.tensor2d([[2, 0, 2]], [1, 3], "int32");
 * const x = sampleOneStep(student, xInit, tf.tensor1d([0], "int32"), createRng(0), { codebookSize: 2 });
 * assert.deepEqual(Array.from(await x.data()), [1, 1, 1]);
 * ```
 */
export function sampleOneStep(
  student: Denoiser,
  xInit: tf.Tensor2D,
  condition: Condition,
  rng: Rng,
  options: OneStepOptions,
): tf.Tensor2D {
  const action = "sample in one step";
  const { codebookSize, temperature = 1, topK } = options;
  checkTokensAndCondition(action, "xInit", xInit, condition);
  checkInteger(action, "codebookSize", codebookSize, 1);
  checkTemperature(action, temperature);
  if (topK !== undefined) checkInteger(action, "topK", topK, 1); // its bound V comes with the logits
  const [batch, seqLen] = xInit.shape;
  return tf.tidy(() => {
    const zTheta = student(xInit, condition);
    checkDenoiserOutput(action, zTheta, batch, seqLen, codebookSize);
    const xTheta = sampleCategorical(zTheta, rng, { temperature, topK });
    return tf.minimum(xTheta, tf.scalar(codebookSize - 1, "int32")) as tf.Tensor2D;
  });
}
