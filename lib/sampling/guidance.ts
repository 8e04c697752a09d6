/**
 * Classifier-free guidance as a wrapper around a {@linkcode Denoiser}.
 *
 * Guided logits are `z = z_u + s · (z_c − z_u)`, with `z_c` the conditional logits (the real
 * labels or prompts) and `z_u` the unconditional ones (the null class, or the null prompt; a
 * negative prompt in its place pushes away from what it describes, as Meissonic's distillation does). `s = 1` is the plain conditional
 * model, `s = 0` the unconditional one, `s > 1` pushes away from the unconditional prediction.
 *
 * MaskGIT writes the same rule with a weight `w` as `z = (1 + w) · z_c − w · z_u`, so its `w` is
 * our `s − 1`: MaskGIT's `cfg_w = 3` is `s = 4`. Di[M]O's teacher uses `s = 2` (`true_cfg: 2.0`,
 * docs/method.md §6).
 *
 * @module
 */
import * as tf from "../backend/tf.ts";
import type { Condition, Denoiser } from "../models/denoiser.ts";
import { checkInteger, errorMessage } from "../validate/mod.ts";
import {
  checkDenoiserOutput,
  checkGuidanceSchedule,
  checkNullCondition,
  checkScale,
  checkTokensAndCondition,
} from "./_check.ts";

/** Options of {@linkcode guidedLogits} and {@linkcode withGuidance}. */
export interface GuidanceOptions {
  /** The guidance scale `s` in `z_u + s · (z_c − z_u)`; any finite number, 1 = no guidance. */
  readonly scale: number;
  /**
   * The label id the denoiser reads as "no class" (MaskGIT: 1000, the dropped-label class); an
   * integer ≥ 0, required for class conditions unless `scale` is 1.
   */
  readonly nullClass?: number;
  /**
   * The prompt ids of the unconditional pass for prompt conditions `[B, P]`: the null prompt, or a
   * negative prompt; P integers ≥ 0, required for prompt conditions unless `scale` is 1.
   */
  readonly nullPrompt?: ArrayLike<number>;
}

/**
 * A guidance scale per sampler step.
 *
 * - `constant`: `scale` at every step.
 * - `linear`: MaskGIT's ramp from 1 (no guidance) at the first step to `scale` at the last:
 *   `s_i = 1 + (scale − 1) · i / (S − 1)`. MaskGIT writes it `w_i = w · i / (S − 1)` in
 *   `(1 + w_i) · z_c − w_i · z_u`, which is this schedule with `scale = 1 + w`
 *   (`Trainer/vit.py` of Maskgit-pytorch v1.0).
 */
export type GuidanceSchedule =
  | { readonly kind: "constant"; readonly scale: number }
  | { readonly kind: "linear"; readonly scale: number };

/** Validates guidance options; the null condition is only needed when an unconditional pass runs. */
function checkGuidance(action: string, options: GuidanceOptions, condition?: Condition): void {
  checkScale(action, "scale", options.scale);
  if (options.scale !== 1) checkNullCondition(action, options, condition);
}

/** B copies of the unconditional input: the null class, or the null (or negative) prompt. */
function unconditional(condition: Condition, options: GuidanceOptions): Condition {
  const batch = condition.shape[0];
  if (condition.rank === 1) return tf.fill([batch], options.nullClass as number, "int32") as tf.Tensor1D;
  const row = tf.tensor2d(Array.from(options.nullPrompt!), [1, condition.shape[1] as number], "int32");
  return tf.tile(row, [batch, 1]);
}

/**
 * Classifier-free guided logits `z_u + scale · (z_c − z_u)`, from one denoiser call on the doubled
 * batch `[tokens; tokens]` with conditions `[condition; null…]` (the null class, or `nullPrompt`
 * for prompts); at `scale` 1 only the conditional pass runs.
 *
 * @param denoiser The network.
 * @param tokens Token ids, int32 `[B, L]`.
 * @param condition Class labels, int32 `[B]`, or prompt ids, int32 `[B, P]`.
 * @param options The `scale` and the `nullClass` (or `nullPrompt`) of the unconditional pass.
 * @returns Guided logits, float32 `[B, L, V]`.
 * @throws {RangeError} If `scale` is not finite, or, when `scale` ≠ 1, `nullClass` is not an
 * integer ≥ 0 for labels or `nullPrompt` not P ids for prompts.
 * @throws {TypeError} If `tokens` is not int32 `[B, L]`, the condition not int32 `[B]` or `[B, P]`, or the denoiser
 *   does not return float32 `[2B, L, V]`.
 *
 * @example Scale 0 gives the unconditional logits, scale 2 extrapolates
 * ```ts
 * import assert from "node:assert";
 * import { type Denoiser, guidedLogits, tf, useBackend } from "@dimo/dimo";
 * await useBackend("cpu");
 * // One logit per position: the label itself.
 * const denoiser: Denoiser = (tokens, labels) =>
 *   tf.tile(tf.cast(labels, "float32").reshape([-1, 1, 1]), [1, tokens.shape[1], 1]) as tf.Tensor3D;
 * const tokens = tf.tensor2d([[0, 0]], [1, 2], "int32");
 * const labels = tf.tensor1d([3], "int32");
 * const z0 = guidedLogits(denoiser, tokens, labels, { scale: 0, nullClass: 7 });
 * assert.deepEqual(Array.from(await z0.data()), [7, 7]);
 * const z2 = guidedLogits(denoiser, tokens, labels, { scale: 2, nullClass: 7 });
 * assert.deepEqual(Array.from(await z2.data()), [-1, -1]); // 7 + 2 · (3 − 7)
 * ```
 */
export function guidedLogits(
  denoiser: Denoiser,
  tokens: tf.Tensor2D,
  condition: Condition,
  options: GuidanceOptions,
): tf.Tensor3D {
  const action = "compute guided logits";
  checkTokensAndCondition(action, "tokens", tokens, condition);
  checkGuidance(action, options, condition);
  const [batch, seqLen] = tokens.shape;
  return tf.tidy(() => {
    if (options.scale === 1) {
      const zC = denoiser(tokens, condition);
      checkDenoiserOutput(action, zC, batch, seqLen, 0);
      return zC;
    }
    const both = denoiser(
      tf.concat2d([tokens, tokens], 0),
      tf.concat([condition, unconditional(condition, options)], 0) as Condition,
    );
    checkDenoiserOutput(action, both, 2 * batch, seqLen, 0);
    const [zC, zU] = tf.split(both, 2, 0);
    return tf.add(zU, tf.mul(tf.sub(zC, zU), options.scale));
  });
}

/**
 * Wraps a denoiser so that it returns classifier-free guided logits (see {@linkcode guidedLogits}).
 *
 * @param denoiser The network.
 * @param options The `scale` and the `nullClass` (or `nullPrompt`) of the unconditional pass.
 * @returns A {@linkcode Denoiser} computing `z_u + scale · (z_c − z_u)`.
 * @throws {RangeError} If `scale` is not finite, or neither `nullClass` nor `nullPrompt` is given when `scale` ≠ 1.
 *
 * @example The guided teacher of Di[M]O (scale 2)
 * ```ts
 * import assert from "node:assert";
 * import { type Denoiser, tf, useBackend, withGuidance } from "@dimo/dimo";
 * await useBackend("cpu");
 * // One logit per position: the label itself.
 * const teacher: Denoiser = (tokens, labels) =>
 *   tf.tile(tf.cast(labels, "float32").reshape([-1, 1, 1]), [1, tokens.shape[1], 1]) as tf.Tensor3D;
 * const guided = withGuidance(teacher, { scale: 2, nullClass: 1 });
 * const z = guided(tf.tensor2d([[0]], [1, 1], "int32"), tf.tensor1d([4], "int32"));
 * assert.deepEqual(Array.from(await z.data()), [7]); // 1 + 2 · (4 − 1)
 * ```
 */
export function withGuidance(denoiser: Denoiser, options: GuidanceOptions): Denoiser {
  checkGuidance("wrap a denoiser with guidance", options);
  const { scale, nullClass, nullPrompt } = options;
  return (tokens, condition) => guidedLogits(denoiser, tokens, condition, { scale, nullClass, nullPrompt });
}

/**
 * The guidance scale of a schedule at sampler step `step` of `steps`.
 *
 * A one-step `linear` schedule gives 1: every linear ramp starts unguided.
 *
 * @param schedule The schedule.
 * @param step The step index, an integer in `[0, steps − 1]`.
 * @param steps The number of sampler steps, an integer ≥ 1.
 * @returns The scale `s` for {@linkcode guidedLogits}.
 * @throws {RangeError} If the schedule is malformed or `step`/`steps` out of range.
 *
 * @example MaskGIT's ramp with w = 3 over 4 steps
 * ```ts
 * import assert from "node:assert";
 * import { guidanceScaleAt } from "@dimo/dimo";
 * const schedule = { kind: "linear", scale: 1 + 3 } as const;
 * assert.deepEqual([0, 1, 2, 3].map((i) => guidanceScaleAt(schedule, i, 4)), [1, 2, 3, 4]);
 * ```
 */
export function guidanceScaleAt(schedule: GuidanceSchedule, step: number, steps: number): number {
  const action = "compute a guidance scale";
  checkGuidanceSchedule(action, schedule);
  checkInteger(action, "steps", steps, 1);
  checkInteger(action, "step", step, 0, steps - 1);
  switch (schedule.kind) {
    case "constant":
      return schedule.scale;
    case "linear":
      return steps === 1 ? 1 : 1 + (schedule.scale - 1) * (step / (steps - 1));
    default: {
      const unknown: never = schedule;
      throw new RangeError(errorMessage(action, "schedule.kind", "constant or linear", unknown));
    }
  }
}
