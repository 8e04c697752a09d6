// Argument checks shared by the samplers; private to lib/sampling.
import type * as tf from "../backend/tf.ts";
import { checkDtype, checkOneOf, checkShape, errorMessage } from "../validate/mod.ts";
import type { GuidanceSchedule } from "./guidance.ts";

/** Throws a `RangeError` unless `temperature` is a finite number > 0. */
export function checkTemperature(action: string, temperature: number): void {
  if (typeof temperature !== "number" || !Number.isFinite(temperature) || temperature <= 0) {
    throw new RangeError(errorMessage(action, "temperature", "a finite number > 0", temperature));
  }
}

/** Throws a `TypeError` unless `labels` is int32 `[B]`. */
export function checkLabels(action: string, labels: tf.Tensor): void {
  checkShape(action, "labels", labels.shape, [-1]);
  checkDtype(action, "labels", labels.dtype, "int32");
}

/** Throws a `TypeError` unless `tokens` (named `field`) is int32 `[B, L]` and `labels` int32 `[B]`. */
export function checkTokensAndLabels(
  action: string,
  field: string,
  tokens: tf.Tensor,
  labels: tf.Tensor,
): void {
  checkShape(action, field, tokens.shape, [-1, -1]);
  checkDtype(action, field, tokens.dtype, "int32");
  checkLabels(action, labels);
  checkShape(action, "labels", labels.shape, [tokens.shape[0]]);
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
