// Argument checks shared by the samplers; private to lib/sampling.
import type * as tf from "../backend/tf.ts";
import { checkDtype, checkInteger, checkOneOf, checkShape, errorMessage } from "../validate/mod.ts";
import type { GuidanceOptions, GuidanceSchedule } from "./guidance.ts";

/** Throws a `RangeError` unless `temperature` is a finite number > 0. */
export function checkTemperature(action: string, temperature: number): void {
  if (typeof temperature !== "number" || !Number.isFinite(temperature) || temperature <= 0) {
    throw new RangeError(errorMessage(action, "temperature", "a finite number > 0", temperature));
  }
}

/** The name of a condition in messages: `labels` (class ids `[B]`) or `prompt ids` (`[B, P]`). */
export function conditionName(condition: tf.Tensor): string {
  return condition.rank === 2 ? "prompt ids" : "labels";
}

/** Throws a `TypeError` unless `condition` is int32 class ids `[B]` or prompt ids `[B, P]`. */
export function checkCondition(action: string, condition: tf.Tensor): void {
  const name = conditionName(condition);
  checkShape(action, name, condition.shape, condition.rank === 2 ? [-1, -1] : [-1]);
  checkDtype(action, name, condition.dtype, "int32");
}

/** Throws a `TypeError` unless `tokens` (named `field`) is int32 `[B, L]` and `condition` is B conditions. */
export function checkTokensAndCondition(
  action: string,
  field: string,
  tokens: tf.Tensor,
  condition: tf.Tensor,
): void {
  checkShape(action, field, tokens.shape, [-1, -1]);
  checkDtype(action, field, tokens.dtype, "int32");
  checkCondition(action, condition);
  checkShape(action, conditionName(condition), [condition.shape[0]!], [tokens.shape[0]]);
}

/**
 * Throws a `TypeError` unless a denoiser's output is float32 `[B, L, V]` with `V ≥ codebookSize`:
 * the check that can only run after the forward pass.
 */
export function checkDenoiserOutput(
  action: string,
  logits: tf.Tensor,
  batch: number,
  seqLen: number,
  codebookSize: number,
): void {
  checkShape(action, "denoiser output", logits.shape, [batch, seqLen, -1]);
  checkDtype(action, "denoiser output", logits.dtype, "float32");
  if ((logits.shape[2] as number) < codebookSize) {
    const rule = `of shape [${batch}, ${seqLen}, V] with V >= codebookSize (${codebookSize})`;
    throw new TypeError(errorMessage(action, "denoiser output", rule, logits.shape));
  }
}

/** Throws a `RangeError` unless `scale` (named `field`) is a finite number. */
export function checkScale(action: string, field: string, scale: number): void {
  if (typeof scale !== "number" || !Number.isFinite(scale)) {
    throw new RangeError(errorMessage(action, field, "a finite number", scale));
  }
}

/** Throws a `RangeError` unless `schedule` is a {@linkcode GuidanceSchedule} with a finite scale. */
export function checkGuidanceSchedule(action: string, schedule: GuidanceSchedule): void {
  checkOneOf(action, "guidance.kind", schedule?.kind, ["constant", "linear"] as const);
  checkScale(action, "guidance.scale", schedule.scale);
}

/**
 * Throws a `RangeError` unless the unconditional input of guidance is given: `nullClass`, an
 * integer ≥ 0, for labels; `nullPrompt`, P integers ≥ 0, for prompt ids `[B, P]`; either when the
 * condition is not known yet.
 */
export function checkNullCondition(
  action: string,
  options: Pick<GuidanceOptions, "nullClass" | "nullPrompt">,
  condition?: tf.Tensor,
): void {
  const { nullClass, nullPrompt } = options;
  if (condition === undefined ? nullPrompt === undefined : condition.rank === 1) {
    checkInteger(action, "nullClass", nullClass as number, 0);
    return;
  }
  const length = condition?.shape[1] ?? nullPrompt!.length;
  if (nullPrompt === undefined || nullPrompt.length !== length) {
    throw new RangeError(
      errorMessage(action, "nullPrompt", `${length} prompt ids (the prompts' length)`, nullPrompt),
    );
  }
  Array.from(nullPrompt).forEach((id, i) => checkInteger(action, `nullPrompt[${i}]`, id, 0));
}
