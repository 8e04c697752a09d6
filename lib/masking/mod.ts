/**
 * Mask schedules γ(u) and the forward process q(x̃_t | x_0).
 *
 * @example Mask a batch at ratios drawn from the arccos schedule
 * ```ts
 * import assert from "node:assert";
 * import { createMaskSchedule, createRng, maskExactCount, sampleMaskRatios, tf, useBackend } from "@dimo/dimo";
 * await useBackend("cpu");
 * const rng = createRng(0);
 * const ratios = sampleMaskRatios(createMaskSchedule("arccos"), 2, rng);
 * const { xt, masked } = maskExactCount(tf.zeros([2, 8], "int32") as tf.Tensor2D, ratios, { maskId: 5, rng });
 * assert.deepEqual(xt.shape, masked.shape);
 * ```
 *
 * @module
 */
export * from "./schedules.ts";
export * from "./forward.ts";
export * from "./subset.ts";
