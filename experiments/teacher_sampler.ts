/**
 * The teacher rows of the image and scenes tables: the MaskGIT sampler at a step count, guided
 * against the teacher's own null condition (the null class, or the null prompt).
 *
 * @module
 */
import type * as tf from "../lib/backend/tf.ts";
import type { Condition, Transformer } from "../lib/models/mod.ts";
import type { Rng } from "../lib/rng/mod.ts";
import { sampleMaskGit } from "../lib/sampling/mod.ts";

/** The teacher's MaskGIT sampler of a table: guidance s, ramped from 1, and the Gumbel temperature. */
export interface TeacherSamplerSettings {
  /** The guidance scale s of `z_u + s·(z_c − z_u)` at the last step (MaskGIT's CFG weight w is s − 1). */
  readonly guidance: number;
  /** The temperature of the Gumbel noise on MaskGIT's confidences. */
  readonly gumbelTemperature: number;
}

/**
 * A table row's teacher sampler: its description and a function from conditions to tokens.
 *
 * @param teacher The teacher.
 * @param seqLen Tokens per sample.
 * @param settings Guidance and Gumbel temperature.
 * @param steps Sampler steps.
 * @param rng The row's stream.
 * @returns The row's `method` text and its sampler.
 */
export function teacherRowSampler(
  teacher: Transformer,
  seqLen: number,
  settings: TeacherSamplerSettings,
  steps: number,
  rng: Rng,
): { readonly method: string; readonly sample: (condition: Condition) => tf.Tensor2D } {
  const { guidance, gumbelTemperature } = settings;
  const denoiser = teacher.asDenoiser({ validateIds: false });
  const { maskId, nullClass, nullPrompt } = teacher.layout;
  return {
    method: `MaskGIT sampler, guidance s = ${guidance} (ramped), Gumbel ${gumbelTemperature}`,
    sample: (condition) =>
      sampleMaskGit(denoiser, condition, rng, {
        seqLen,
        maskId,
        codebookSize: teacher.config.codebookSize,
        steps,
        guidance: { kind: "linear", scale: guidance },
        ...(nullPrompt === undefined ? { nullClass } : { nullPrompt }),
        gumbelTemperature,
      }),
  };
}
