/**
 * Samplers of masked diffusion models and of the one-step student.
 *
 * - {@linkcode sampleCategorical}, {@linkcode gumbelNoise}: seeded draws, equal on every backend.
 * - {@linkcode guidedLogits}, {@linkcode withGuidance}, {@linkcode guidanceScaleAt}: classifier-free
 *   guidance as a wrapper around a `Denoiser`.
 * - {@linkcode maskgitPlan}, {@linkcode uniformPlan}: how many tokens each step reveals.
 * - {@linkcode sampleMaskGit}: the teacher's confidence sampler; {@linkcode sampleAncestral}: plain
 *   ancestral sampling; {@linkcode sampleOneStep}: the distilled generator.
 *
 * Token ids are codes `0..K−1` and the mask id (`maskId`, ≥ K); a denoiser outputs `V` classes
 * (V = K + 1 when its head has the mask class, as MaskGIT's does). Multi-step samplers never output
 * the mask class; the one-step sampler clamps it to K − 1 as the official code does.
 *
 * @example Sample two grids of four tokens with MaskGIT's plan
 * ```ts
 * import assert from "node:assert";
 * import { createRng, type Denoiser, maskgitPlan, sampleMaskGit, tf, useBackend } from "@dimo/dimo";
 * await useBackend("cpu");
 * assert.deepEqual(maskgitPlan(2, 4), [1, 3]);
 * const denoiser: Denoiser = (tokens) => tf.zeros([...tokens.shape, 5]) as tf.Tensor3D; // 4 codes + mask
 * const tokens = sampleMaskGit(denoiser, tf.tensor1d([0, 1], "int32"), createRng(0), {
 *   seqLen: 4,
 *   maskId: 4,
 *   codebookSize: 4,
 *   steps: 2,
 * });
 * assert.deepEqual(tokens.shape, [2, 4]);
 * ```
 *
 * @module
 */
export * from "./categorical.ts";
export * from "./guidance.ts";
export * from "./plan.ts";
export * from "./options.ts";
export * from "./maskgit.ts";
export * from "./ancestral.ts";
export * from "./one_step.ts";
