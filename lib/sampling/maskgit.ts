/**
 * The MaskGIT confidence sampler: the teacher's multi-step baseline (docs/method.md §13).
 *
 * Start fully masked. At step `i` of `S`, with guided logits at scale `s_i`, draw a token at every
 * position and score each masked position by its confidence
 * `log p(sampled) + gumbelTemperature · Gumbel · (1 − i/(S−1))`; reveal the `plan[i]` most
 * confident positions. Annealed Gumbel noise makes early choices random and late ones greedy.
 *
 * | Maskgit-pytorch (`Trainer/vit.py`, `sample`) | here |
 * |---|---|
 * | `step` | `steps` |
 * | `sched_mode="arccos"` (`adap_sche`) | `plan` = {@linkcode maskgitPlan}`(steps, seqLen)` (default) |
 * | `w` (CFG weight, ramped `w·i/(S−1)`) | `guidance: { kind: "linear", scale: 1 + w }` |
 * | `sm_temp` (multiplies the logits) | `temperature = 1 / sm_temp` (divides them) |
 * | `r_temp`, `randomize="linear"` | `gumbelTemperature` |
 *
 * One deliberate difference: MaskGIT samples over all 1025 output classes, so the mask class can be
 * drawn and is clamped to 1023 at decode time; here classes ≥ `codebookSize` get logit −∞, so the
 * output is always a valid code.
 *
 * @module
 */
import * as tf from "../backend/tf.ts";
import type { Condition, Denoiser } from "../models/denoiser.ts";
import type { Rng } from "../rng/mod.ts";
import { gumbelNoise } from "./categorical.ts";
import type { MultiStepSamplerOptions } from "./options.ts";
import { maskgitPlan } from "./plan.ts";
import {
  checkGumbelTemperature,
  logProbOfSampled,
  resolvePlan,
  runUnmasking,
  type StepState,
} from "./_unmask.ts";

/** Options of {@linkcode sampleMaskGit}: the shared ones and the Gumbel temperature. */
export interface MaskGitOptions extends MultiStepSamplerOptions {
  /**
   * Scale of the annealed Gumbel noise added to the log-confidence (MaskGIT's `r_temp`); 0 makes
   * the choice of positions greedy.
   *
   * @default {4.5}
   */
  readonly gumbelTemperature?: number;
}

/** MaskGIT's default `r_temp` (Maskgit-pytorch's evaluation setting). */
const DEFAULT_GUMBEL_TEMPERATURE = 4.5;

/**
 * Samples token grids with MaskGIT's confidence-based parallel decoding.
 *
 * @param denoiser The network (a teacher), called once per step (on a doubled batch when guided).
 * @param condition Class labels, int32 `[B]`, or prompt ids, int32 `[B, P]`.
 * @param rng Draws the tokens and the Gumbel noise.
 * @param options Sizes, steps, plan, guidance and temperatures.
 * @returns Tokens, int32 `[B, L]`, every one in `[0, codebookSize)`.
 * @throws {RangeError} If an option is out of range (steps outside `[1, seqLen]`, a plan that does
 *   not sum to `seqLen`, `temperature` ≤ 0, a negative `gumbelTemperature`, guidance without
 *   `nullClass` or `nullPrompt`, …).
 * @throws {TypeError} If the condition is not int32 `[B]` or `[B, P]`, or the denoiser's output is not float32
 *   `[B, L, V]` with `V ≥ codebookSize`.
 *
 * @example Four tokens in two steps from a denoiser that knows nothing
 * ```ts
 * import assert from "node:assert";
 * import { createRng, type Denoiser, sampleMaskGit, tf, useBackend } from "@dimo/dimo";
 * await useBackend("cpu");
 * // 3 codes + the mask class (id 3): uniform logits everywhere.
 * const denoiser: Denoiser = (tokens) => tf.zeros([...tokens.shape, 4]) as tf.Tensor3D;
 * const tokens = sampleMaskGit(denoiser, tf.tensor1d([0, 1], "int32"), createRng(0), {
 *   seqLen: 4,
 *   maskId: 3,
 *   codebookSize: 3,
 *   steps: 2,
 * });
 * assert.deepEqual(tokens.shape, [2, 4]);
 * assert.ok(Array.from(await tokens.data()).every((t) => t >= 0 && t < 3));
 * ```
 */
export function sampleMaskGit(
  denoiser: Denoiser,
  condition: Condition,
  rng: Rng,
  options: MaskGitOptions,
): tf.Tensor2D {
  const action = "sample with MaskGIT";
  const { steps, gumbelTemperature = DEFAULT_GUMBEL_TEMPERATURE } = options;
  const plan = resolvePlan(action, steps, options, maskgitPlan);
  checkGumbelTemperature(action, gumbelTemperature);
  // MaskGIT's "linear" randomisation: full Gumbel noise at the first step, none at the last.
  const score = ({ step, logits, sampled }: StepState): tf.Tensor => {
    const confidence = logProbOfSampled(logits, sampled);
    const noiseScale = gumbelTemperature * (steps === 1 ? 1 : 1 - step / (steps - 1));
    if (noiseScale === 0) return confidence;
    return tf.add(confidence, tf.mul(gumbelNoise(confidence.shape, rng), noiseScale));
  };
  return runUnmasking(action, denoiser, condition, rng, options, { plan, score });
}
