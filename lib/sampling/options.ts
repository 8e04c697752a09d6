/**
 * The options every multi-step teacher sampler takes.
 *
 * @module
 */
import type { GuidanceSchedule } from "./guidance.ts";

/**
 * Options shared by {@linkcode sampleMaskGit} and {@linkcode sampleAncestral}: sizes, steps,
 * plan, guidance and temperature. Defaults are applied by each sampler.
 *
 * @example
 * ```ts
 * import type { MultiStepSamplerOptions } from "@dimo/dimo";
 * const options: MultiStepSamplerOptions = { seqLen: 256, maskId: 1024, codebookSize: 1024, steps: 8 };
 * ```
 */
export interface MultiStepSamplerOptions {
  /** Number of tokens `L` per sample (MaskGIT: 256). */
  readonly seqLen: number;
  /** The mask token id, ≥ `codebookSize` (MaskGIT: 1024). */
  readonly maskId: number;
  /** Number of codes `K`; outputs are in `[0, K)` (MaskGIT: 1024). */
  readonly codebookSize: number;
  /** Number of sampler steps `S`, an integer in `[1, seqLen]`. */
  readonly steps: number;
  /**
   * Tokens revealed per step: `steps` integers ≥ 1 summing to `seqLen`. By default the sampler's
   * own plan: {@linkcode maskgitPlan} for MaskGIT, {@linkcode uniformPlan} for the ancestral sampler.
   */
  readonly plan?: readonly number[];
  /**
   * Classifier-free guidance per step (MaskGIT's ramp with weight `w` is `{ kind: "linear", scale: 1 + w }`).
   *
   * @default {{ kind: "constant", scale: 1 }}
   */
  readonly guidance?: GuidanceSchedule;
  /** The label id of the unconditional pass; required when guidance is on and the condition is labels. */
  readonly nullClass?: number;
  /**
   * The prompt ids of the unconditional pass (the null prompt or a negative prompt); required when
   * guidance is on and the condition is prompt ids.
   */
  readonly nullPrompt?: ArrayLike<number>;
  /**
   * Divides the logits before the softmax (MaskGIT's `sm_temp` multiplies them: this is `1 / sm_temp`).
   *
   * @default {1}
   */
  readonly temperature?: number;
}
