/**
 * The experiments of `deno task experiment`, for notebooks and scripts: each runner with its
 * named profiles, and the results writers. A notebook runs the CLI's experiment functions
 * rather than its own loop.
 *
 * @example The registry and the results of a run
 * ```ts
 * import assert from "node:assert";
 * import { EXPERIMENTS, resultsMarkdown } from "@dimo/dimo/experiments";
 * assert.ok("exact-joint" in EXPERIMENTS);
 * const md = resultsMarkdown({
 *   experiment: "demo", profile: "smoke", backend: "cpu", adapter: "cpu", seed: 0, config: {},
 *   rows: [{ group: "Truth", method: "samples", steps: 0, metrics: { tv: 0.01 } }], runtime: [],
 * });
 * assert.match(md, /\| Truth \| samples \| 0 \| 0.01 \|/);
 * ```
 *
 * @module
 */
export * from "./registry.ts";
export * from "./results.ts";
export * from "./settings.ts";
export {
  EXACT_JOINT_PROFILES,
  EXACT_JOINT_SWEEPS,
  type ExactJointProfile,
  runExactJoint,
} from "./exact_joint.ts";
export { IMAGE_PROFILES, type ImageProfile, runImages, shippedCheckpoints } from "./images.ts";
export { IMAGENET_PROFILES, type ImagenetProfile, runImagenet } from "./imagenet.ts";
export { runScenes, SCENE_PROFILES, type SceneProfile, SHIPPED_SCENE_CHECKPOINTS } from "./scenes.ts";
export { type EncoderSettings, type SceneTokenizerSettings } from "./scene_networks.ts";
export { type ClassifierSettings, type TokenizerSettings } from "./image_networks.ts";
export { TRAINING_FILE } from "./network_store.ts";
export {
  checkSamplerSettings,
  type TableSamplerSettings,
  type TeacherSamplerSettings,
} from "./teacher_sampler.ts";
