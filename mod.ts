/**
 * dimo: Di[M]O — distilling a multi-step masked diffusion model (MDM) into a one-step
 * generator — in TypeScript on TensorFlow.js.
 *
 * @example Seeded randomness and a backend
 * ```ts
 * import assert from "node:assert";
 * import { createRng, useBackend } from "@dimo/dimo";
 * await useBackend("cpu");
 * assert.equal(createRng(1).next(), createRng(1).next());
 * ```
 *
 * @module
 */
export * from "./lib/validate/mod.ts";
export * from "./lib/rng/mod.ts";
export * from "./lib/backend/mod.ts";
export * from "./lib/progress/mod.ts";
export * from "./lib/models/denoiser.ts";
export * from "./lib/masking/mod.ts";
export * from "./lib/init/mod.ts";
export * from "./lib/mdm/mod.ts";
export * from "./lib/optim/mod.ts";
export * from "./lib/data/mod.ts";
export * from "./lib/eval/mod.ts";
export * from "./lib/divergence/mod.ts";
export * from "./lib/distill/mod.ts";
export * from "./lib/io/mod.ts";
export * from "./lib/models/mod.ts";
export * from "./lib/sampling/mod.ts";
export * from "./lib/tokenizer/mod.ts";
export * from "./lib/metrics/mod.ts";
export * from "./lib/viz/mod.ts";
