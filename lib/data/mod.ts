/**
 * Data for dimo's experiments: toy distributions whose joint is known exactly, so a sampler's
 * distance to the truth can be computed rather than estimated through features.
 *
 * @example The reference toy joint
 * ```ts
 * import assert from "node:assert";
 * import { createRng, createTemplateMixture } from "@dimo/dimo";
 * const joint = createTemplateMixture();
 * assert.equal(joint.states, 4 ** 6);
 * assert.ok(Math.abs(joint.entropy(0) - 3.47) < 0.02);
 * const { tokens } = joint.sample(10, createRng(0));
 * assert.equal(tokens.length, 60);
 * ```
 *
 * @module
 */
export * from "./exact_joint.ts";
