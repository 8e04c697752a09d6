/**
 * Evaluation of samplers. For toy distributions with a known joint: total variation to the
 * truth, negative log-likelihood under it, mode coverage, and the noise floor a perfect sampler
 * would score at the same sample size.
 *
 * @example A sampler that ignores correlations
 * ```ts
 * import assert from "node:assert";
 * import { createRng, createTemplateMixture, evaluateSamples, noiseFloor } from "@dimo/dimo";
 * const joint = createTemplateMixture();
 * const rng = createRng(0);
 * const product = evaluateSamples(joint, joint.sampleProductOfMarginals(20_000, rng));
 * const floor = noiseFloor(joint, { n: 20_000, rng });
 * assert.ok(product.tv > 0.5 && floor.tv < 0.2);
 * ```
 *
 * @module
 */
export * from "./joint_metrics.ts";
export * from "./image_metrics.ts";
export * from "./scene_objects.ts";
export * from "./scene_judge.ts";
export * from "./scene_judge_draw.ts";
export * from "./scene_judge_validate.ts";
export * from "./scene_round_trip.ts";
export * from "./preference_score.ts";
export * from "./scene_dual_encoder_train.ts";
