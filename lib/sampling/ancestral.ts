/**
 * The plain ancestral sampler of a masked diffusion model.
 *
 * Start fully masked; at step `i`, choose `plan[i]` of the still-masked positions uniformly at
 * random and fill each with a token drawn from the denoiser's conditional at that position. With
 * one token per step (`steps = seqLen`) this is exact ancestral sampling in a random order, so a
 * perfect denoiser reproduces the data distribution; with fewer steps the tokens revealed together
 * are drawn independently given the rest (one step: all from the fully masked conditional).
 *
 * @module
 */
import * as tf from "../backend/tf.ts";
import type { Condition, Denoiser } from "../models/denoiser.ts";
import type { Rng } from "../rng/mod.ts";
import type { MultiStepSamplerOptions } from "./options.ts";
import { uniformPlan } from "./plan.ts";
import { resolvePlan, runUnmasking, type StepState } from "./_unmask.ts";

/** Options of {@linkcode sampleAncestral}. */
export type AncestralOptions = MultiStepSamplerOptions;

/**
 * Samples token sequences by ancestral sampling: random positions, tokens from the denoiser's
 * conditionals.
 *
 * @param denoiser The network, called once per step (on a doubled batch when guided).
 * @param condition Class labels, int32 `[B]`, or prompt ids, int32 `[B, P]`.
 * @param rng Draws the tokens and the positions.
 * @param options Sizes, steps, plan, guidance and temperature.
 * @returns Tokens, int32 `[B, L]`, every one in `[0, codebookSize)`.
 * @throws {RangeError} If an option is out of range (steps outside `[1, seqLen]`, a plan that does
 *   not sum to `seqLen`, `temperature` ≤ 0, guidance without `nullClass` or `nullPrompt`, …).
 * @throws {TypeError} If the condition is not int32 `[B]` or `[B, P]`, or the denoiser's output is not float32
 *   `[B, L, V]` with `V ≥ codebookSize`.
 *
 * @example One token per step from a denoiser that always predicts code 2
 * ```ts
 * import assert from "node:assert";
 * import { createRng, type Denoiser, sampleAncestral, tf, useBackend } from "@dimo/dimo";
 * await useBackend("cpu");
 * const denoiser: Denoiser = (tokens) =>
 *   tf.tile(tf.tensor3d([[[0, 0, 30, 0]]]), [tokens.shape[0], tokens.shape[1], 1]) as tf.Tensor3D;
 * const tokens = sampleAncestral(denoiser, tf.tensor1d([0], "int32"), createRng(0), {
 *   seqLen: 3,
 *   maskId: 3,
 *   codebookSize: 3,
 *   steps: 3,
 * });
 * assert.deepEqual(Array.from(await tokens.data()), [2, 2, 2]);
 * ```
 */
export function sampleAncestral(
  denoiser: Denoiser,
  condition: Condition,
  rng: Rng,
  options: AncestralOptions,
): tf.Tensor2D {
  const action = "sample ancestrally";
  const { steps } = options;
  const plan = resolvePlan(action, steps, options, uniformPlan);
  // Uniform scores: the revealed positions are a uniformly random subset of the masked ones.
  const score = ({ sampled }: StepState): tf.Tensor =>
    tf.randomUniform(sampled.shape, 0, 1, "float32", rng.seed());
  return runUnmasking(action, denoiser, condition, rng, options, { plan, score });
}
