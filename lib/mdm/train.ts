/**
 * One training step of a masked diffusion model (the teacher): draw t, mask the clean tokens
 * with the forward process, drop labels for classifier-free guidance, and take an Adam step on
 * the masked cross-entropy.
 *
 * @module
 */
import * as tf from "../backend/tf.ts";
import { explainDeviceMemoryError } from "../backend/buffer_limits.ts";
import type { Rng } from "../rng/mod.ts";
import { createMaskSchedule, type MaskScheduleSpec, sampleMaskRatios } from "../masking/schedules.ts";
import { maskBernoulli, maskExactCount } from "../masking/forward.ts";
import type { Adam, AdamStepReport } from "../optim/adam.ts";
import type { Transformer } from "../models/transformer.ts";
import { checkInRange, checkOneOf } from "../validate/mod.ts";
import type { Condition } from "../models/denoiser.ts";
import { dropLabels, dropPrompts, maskedCrossEntropy } from "./loss.ts";

/** How the teacher is trained; defaults are MaskGIT's. */
export interface MdmTrainConfig {
  /** γ(u) for the mask ratio. @default {{ name: "arccos" }} */
  readonly schedule: MaskScheduleSpec;
  /** Independent (MaskGIT's teacher) or exact-count masking. @default {"bernoulli"} */
  readonly masking: "bernoulli" | "exact";
  /** Label smoothing of the cross-entropy. @default {0.1} */
  readonly labelSmoothing: number;
  /** Probability of replacing a label by the null class (CFG). @default {0.1} */
  readonly labelDropRate: number;
}

/** MaskGIT's teacher training settings. */
export const DEFAULT_MDM_TRAIN: MdmTrainConfig = Object.freeze({
  schedule: Object.freeze({ name: "arccos" }),
  masking: "bernoulli",
  labelSmoothing: 0.1,
  labelDropRate: 0.1,
});

/**
 * Checks a partial {@linkcode MdmTrainConfig} and fills defaults.
 *
 * @param config Fields to override.
 * @returns The complete, frozen config.
 * @throws {RangeError} If a field is out of range or unknown.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { resolveMdmTrainConfig } from "@dimo/dimo";
 * assert.equal(resolveMdmTrainConfig({}).masking, "bernoulli");
 * assert.throws(() => resolveMdmTrainConfig({ labelDropRate: 2 }), /'labelDropRate'/);
 * ```
 */
export function resolveMdmTrainConfig(config: Partial<MdmTrainConfig> = {}): MdmTrainConfig {
  const c = { ...DEFAULT_MDM_TRAIN, ...config };
  const action = "configure MDM training";
  createMaskSchedule(c.schedule);
  checkOneOf(action, "masking", c.masking, ["bernoulli", "exact"] as const);
  checkInRange(action, "labelSmoothing", c.labelSmoothing, 0, 1);
  checkInRange(action, "labelDropRate", c.labelDropRate, 0, 1);
  return Object.freeze(c);
}

/** A batch of clean data. */
export interface TokenBatch {
  /** x_0, int32 `[B, L]`, codebook ids. */
  readonly tokens: tf.Tensor2D;
  /** What each sample is conditioned on: class ids `[B]` or prompt ids `[B, P]`, int32. */
  readonly condition: Condition;
}

/**
 * One Adam step of MDM training on a batch. Like {@linkcode Adam.step}, it queues all of its work
 * before it waits: the batch may be disposed as soon as it returns, and a loop may queue the next
 * step before awaiting this one's report.
 *
 * @param model The network being trained (dropout active).
 * @param batch Clean tokens and their condition.
 * @param options The resolved config, the optimiser over `model`'s trainable variables, and
 * the generator for t, masks, condition drops and dropout.
 * @returns The loss, gradient norm and learning rate.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { Adam, createRng, mdmTrainStep, resolveMdmTrainConfig, resolveTransformerConfig, tf, Transformer, useBackend } from "@dimo/dimo";
 * await useBackend("cpu");
 * const model = new Transformer(resolveTransformerConfig({ codebookSize: 4, numClasses: 2, seqLen: 3, width: 8, heads: 2, layers: 1 }), { rng: createRng(0) });
 * const adam = new Adam(model.trainableVariables(), { lr: 1e-3 });
 * const batch = { tokens: tf.tensor2d([[0, 1, 2]], [1, 3], "int32"), condition: tf.tensor1d([1], "int32") };
 * const report = await mdmTrainStep(model, batch, { config: resolveMdmTrainConfig({}), optimizer: adam, rng: createRng(1) });
 * assert.ok(report.loss > 0);
 * adam.dispose();
 * model.dispose();
 * ```
 */
export async function mdmTrainStep(
  model: Transformer,
  batch: TokenBatch,
  options: { readonly config: MdmTrainConfig; readonly optimizer: Adam; readonly rng: Rng },
): Promise<AdamStepReport> {
  const { config, optimizer, rng } = options;
  const { maskId, nullClass, nullPrompt } = model.layout;
  const ratios = sampleMaskRatios(createMaskSchedule(config.schedule), batch.tokens.shape[0], rng);
  const mask = config.masking === "exact" ? maskExactCount : maskBernoulli;
  const { xt, masked } = mask(batch.tokens, ratios, { maskId, rng });
  const rate = config.labelDropRate;
  const condition = nullPrompt === undefined
    ? dropLabels(batch.condition as tf.Tensor1D, { rate, nullClass, rng })
    : dropPrompts(batch.condition as tf.Tensor2D, { rate, nullPrompt, rng });
  let report: Promise<AdamStepReport>;
  try {
    report = optimizer.step(() =>
      maskedCrossEntropy(model.apply(xt, condition, { training: true, rng }), batch.tokens, masked, {
        labelSmoothing: config.labelSmoothing,
      })
    );
  } finally {
    tf.dispose([xt, masked, condition]); // the step's work is queued: they are no longer needed
  }
  try {
    return await report;
  } catch (error) {
    const work = `the teacher's training step at batch ${batch.tokens.shape[0]}`;
    throw explainDeviceMemoryError(error, work, "use a smaller batch");
  }
}
