/**
 * dimo: Di[M]O — distilling a multi-step masked diffusion model (MDM) into a one-step
 * generator — in TypeScript on TensorFlow.js.
 *
 * ## The method, in the order it runs
 *
 * 1. {@linkcode useBackend} picks webgpu, wasm or cpu; {@linkcode createRng} makes the one seeded,
 *    forkable generator every stochastic function takes.
 * 2. {@linkcode resolveDistillConfig} merges, checks and freezes a run's settings (the paper's by
 *    default).
 * 3. {@linkcode Transformer} is the teacher φ, trained by {@linkcode trainTeacher} (a loop of
 *    {@linkcode mdmTrainStep}) or loaded with {@linkcode loadTransformer};
 *    {@linkcode createDistillState} copies it into the student θ and the aux model ψ, and
 *    {@linkcode distillStudent} runs the iterations below with progress, a curve and a resumable
 *    state file.
 * 4. Each iteration, {@linkcode distillStep}:
 *    {@linkcode sampleXInit} draws the student's input `xInit`;
 *    {@linkcode createMaskSchedule} and {@linkcode maskExactCount} re-mask the student's sample
 *    at ratio γ(u); {@linkcode createDivergence} gives the gradient `g` of the divergence between
 *    teacher and aux logits; {@linkcode surrogateLoss} turns it into the student's loss.
 * 5. {@linkcode generateOneStep} samples the distilled student in one step
 *    ({@linkcode sampleOneStep} for any {@linkcode Denoiser}); {@linkcode sampleMaskGit} is the
 *    multi-step teacher sampler it is compared with.
 * 6. {@linkcode ImageEvaluator} scores images ({@linkcode fid}, inception score, precision and
 *    recall); {@linkcode evaluateSamples} scores tokens against a known joint.
 * 7. {@linkcode saveSafetensors} / {@linkcode loadSafetensors} and
 *    {@linkcode saveDistillCheckpoint} keep weights and state; {@linkcode imageGrid},
 *    {@linkcode showImageGrid} and {@linkcode trainingCurves} draw results;
 *    {@linkcode toNdarray} / {@linkcode fromNdarray} hand tensors to the scijs ecosystem.
 *
 * The kernels and backend internals are at `@dimo/dimo/backend`, the argument checks at
 * `@dimo/dimo/validate`.
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

// Layer 0–2: randomness, the backend and files.
export * from "./lib/rng/mod.ts";
export * from "./lib/progress/mod.ts";
export {
  BACKEND_NAMES,
  type BackendInfo,
  type BackendName,
  type BackendOptions,
  chooseBackendName,
  chooseThreads,
  defaultWasmThreads,
  probeWebGpu,
  tf,
  useBackend,
  type WebGpuProbe,
  withOneInFlight,
} from "./lib/backend/mod.ts";
export * from "./lib/io/mod.ts";

// Layer 3: the parts of the method, data, metrics and plots.
export * from "./lib/masking/mod.ts";
export * from "./lib/divergence/mod.ts";
export * from "./lib/optim/mod.ts";
export * from "./lib/data/mod.ts";
export * from "./lib/metrics/mod.ts";
export * from "./lib/viz/mod.ts";

// Layer 4: networks, x_init and image tokenizers.
export * from "./lib/models/mod.ts";
export * from "./lib/init/mod.ts";
export * from "./lib/tokenizer/mod.ts";

// Layer 5: the teacher's training, samplers and evaluation.
export * from "./lib/mdm/mod.ts";
export * from "./lib/sampling/mod.ts";
export * from "./lib/eval/mod.ts";

// Layer 6: Di[M]O distillation.
export * from "./lib/distill/mod.ts";
