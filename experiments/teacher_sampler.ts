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
import { checkInRange, checkInteger, errorMessage } from "../lib/validate/mod.ts";

/** The teacher's MaskGIT sampler of a table: guidance s, ramped from 1, and the Gumbel temperature. */
export interface TeacherSamplerSettings {
  /** The guidance scale s of `z_u + s·(z_c − z_u)` at the last step (MaskGIT's CFG weight w is s − 1). */
  readonly guidance: number;
  /** The temperature of the Gumbel noise on MaskGIT's confidences. */
  readonly gumbelTemperature: number;
}

/** A table's sampler settings: the teacher's, with the step counts of its rows. */
export interface TableSamplerSettings extends TeacherSamplerSettings {
  /** The teacher rows' step counts. */
  readonly steps: readonly number[];
}

/**
 * Checks a table's sampler settings before any network is trained or loaded, so that a bad
 * `--set sampler.…` stops the run at once, not after the training.
 *
 * @param action What is being run, for messages ("run scenes").
 * @param sampler The settings.
 * @param tokens Tokens a sample has: no row may take more steps.
 * @throws {RangeError} Naming the setting: a guidance scale that is not finite, a negative Gumbel
 * temperature, or a step count that is not an integer in [1, tokens].
 * @throws {TypeError} If `steps` is not a list.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { checkSamplerSettings } from "@dimo/dimo/experiments";
 * checkSamplerSettings("run mnist", { guidance: 2, gumbelTemperature: 4.5, steps: [16, 8] }, 49);
 * assert.throws(
 *   () => checkSamplerSettings("run mnist", { guidance: 2, gumbelTemperature: 4.5, steps: [64] }, 49),
 *   /sampler\.steps\[0\]/,
 * );
 * ```
 */
export function checkSamplerSettings(action: string, sampler: TableSamplerSettings, tokens: number): void {
  checkInRange(action, "sampler.guidance", sampler.guidance, -Infinity, Infinity);
  checkInRange(action, "sampler.gumbelTemperature", sampler.gumbelTemperature, 0, Infinity);
  if (!Array.isArray(sampler.steps)) {
    throw new TypeError(errorMessage(action, "sampler.steps", "a list of step counts", sampler.steps));
  }
  sampler.steps.forEach((steps, i) => checkInteger(action, `sampler.steps[${i}]`, steps, 1, tokens));
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
