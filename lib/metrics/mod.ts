/**
 * Image-generation metrics on a feature network's outputs, as in the paper's ImageNet tables:
 * FID on penultimate features, Inception Score on class posteriors, precision, recall, density
 * and coverage with k = 3, and — beyond the paper — the class accuracy of a class-conditional
 * generator. The feature network for 28 × 28 grey images is the `Classifier` of the models.
 *
 * @example Scores of a sample against itself
 * ```ts
 * import assert from "node:assert";
 * import { fid, precisionRecallDensityCoverage, tf, useBackend } from "@dimo/dimo";
 * await useBackend("cpu");
 * const features = tf.tensor2d([[0, 0], [1, 0], [0, 2], [3, 3], [5, 1]]);
 * assert.ok(Math.abs(await fid(features, features)) < 1e-9);
 * const { coverage } = await precisionRecallDensityCoverage(features, features, { k: 3 });
 * assert.equal(coverage, 1);
 * ```
 *
 * @module
 */
export * from "./fid.ts";
export * from "./inception_score.ts";
export * from "./prdc.ts";
export * from "./class_accuracy.ts";
