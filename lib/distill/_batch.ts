/**
 * Steps 1–4 of a Di[M]O iteration, shared by the student step and the aux step: draw `xInit`,
 * the condition (labels or prompts) and embedding noise, sample the student in one step, and re-mask its sample.
 *
 * @module
 */
import * as tf from "../backend/tf.ts";
import type { Rng } from "../rng/mod.ts";
import type { ApplyOptions } from "../models/transformer.ts";
import type { Condition } from "../models/denoiser.ts";
import { sampleEmbeddingNoise, sampleXInit } from "../init/x_init.ts";
import { maskExactCount } from "../masking/forward.ts";
import { sampleMaskRatios } from "../masking/schedules.ts";
import { sampleCategorical } from "../sampling/categorical.ts";
import { checkInteger, errorMessage } from "../validate/mod.ts";
import type { DistillState } from "./state.ts";

/** The student's re-masked one-step samples and everything needed to redo its forward pass. */
export interface StudentBatch {
  /** x_init, int32 `[B, L]`. */
  readonly xInit: tf.Tensor2D;
  /** c: class ids y, int32 `[B]`, never the null class; or prompt ids, int32 `[B, P]`. */
  readonly condition: Condition;
  /** n of the embedding noise, float32 `[B, L, D]`; absent when σ = 0. */
  readonly noise?: tf.Tensor3D;
  /** x_θ ~ softmax(z_θ / τ), int32 `[B, L]`; may hold the mask id when the head scores it. */
  readonly xTheta: tf.Tensor2D;
  /** x̃_t: x_θ with round(L·γ(u)) positions masked, int32 `[B, L]`. */
  readonly xt: tf.Tensor2D;
  /** M: the positions masked in x̃_t, bool `[B, L]`. */
  readonly masked: tf.Tensor2D;
  /** 0 for a sample whose student logits are all finite, NaN otherwise; float32 `[B]`. */
  readonly studentCheck: tf.Tensor1D;
}

/** Options of every network call in a step: dropout and recomputation as configured, ids known to be valid. */
export function applyOptions(state: DistillState, rng: Rng): ApplyOptions {
  const { dropout, recomputeActivations } = state.config;
  return { training: dropout, rng, validateIds: false, recomputeActivations };
}

/**
 * Per sample, 0 when every logit is finite and NaN otherwise: 0·z is 0 for a finite z and NaN
 * for ±∞ or NaN, so the sum flags a sample without a threshold.
 *
 * @param z Logits, float32 `[B, L, V]`.
 * @returns float32 `[B]`.
 */
export function finiteCheck(z: tf.Tensor3D): tf.Tensor1D {
  return tf.tidy(() => tf.sum(tf.mul(z, 0), [1, 2]));
}

/**
 * Draws one batch through steps 1–4: `xInit` (`rInit` masked, the rest uniform codes), the
 * condition c (labels given or uniform over the C classes; or the run's prompts), noise n;
 * z_θ = student(x_init, c, n) without a tape;
 * x_θ ~ softmax(z_θ / τ); u ~ U(0, 1), r = γ(u) and exact-count masking of x_θ.
 *
 * @param state The run; its student makes the samples.
 * @param rng The stream every draw (dropout included) comes from.
 * @param labels B class ids to use instead of uniform draws, checked by {@linkcode checkLabels}.
 * @returns The batch; dispose it with {@linkcode disposeBatch}.
 */
export function sampleStudentBatch(state: DistillState, rng: Rng, labels?: readonly number[]): StudentBatch {
  const { config, student } = state;
  const { batch } = config;
  const { seqLen, width, codebookSize } = student.config;
  const { maskId } = student.layout;
  const { sigma } = config.init;
  const xInit = sampleXInit(config.init.rInit, { batch, seqLen, codebookSize, maskId, rng });
  const condition = drawCondition(state, rng, labels);
  const noise = sigma > 0 ? sampleEmbeddingNoise([batch, seqLen, width], rng) : undefined;
  const { xTheta, studentCheck } = tf.tidy(() => {
    const embeddingNoise = noise && { sigma, noise };
    const zTheta = student.apply(xInit, condition, { ...applyOptions(state, rng), embeddingNoise });
    const xTheta = sampleCategorical(zTheta, rng, { temperature: config.genTemperature }) as tf.Tensor2D;
    return { xTheta, studentCheck: finiteCheck(zTheta) };
  });
  const ratios = sampleMaskRatios(state.schedule, batch, rng);
  const { xt, masked } = maskExactCount(xTheta, ratios, { maskId, rng });
  return { xInit, condition, noise, xTheta, xt, masked: masked as tf.Tensor2D, studentCheck };
}

/** The given labels, B uniform draws over the C classes (never the null class), or B prompts. */
function drawCondition(state: DistillState, rng: Rng, given?: readonly number[]): Condition {
  const { prompts } = state.conditioning;
  if (prompts !== undefined) return prompts(state.config.batch, rng);
  const { numClasses } = state.student.config;
  const labels = given ?? Array.from({ length: state.config.batch }, () => rng.int(numClasses));
  return tf.tensor1d(labels as number[], "int32");
}

/**
 * Checks labels given for a step: B integers in [0, C).
 *
 * @throws {RangeError} Naming the length or the first bad label.
 */
export function checkLabels(state: DistillState, labels: readonly number[]): void {
  const { batch } = state.config;
  const action = "run a distillation step";
  if (state.conditioning.prompts !== undefined) {
    throw new TypeError(errorMessage(action, "labels", "absent when the run draws prompts", labels));
  }
  if (labels.length !== batch) {
    throw new RangeError(
      errorMessage(action, "labels", `${batch} class ids (the batch size)`, labels.length),
    );
  }
  labels.forEach((y, i) => checkInteger(action, `labels[${i}]`, y, 0, state.student.config.numClasses - 1));
}

/**
 * The kept rows of a batch's tensors, as new tensors (cheap clones when every row is kept).
 *
 * @param tensors Tensors whose first axis is the batch; `undefined` entries stay undefined.
 * @param kept Indices of the rows to keep.
 * @returns The kept rows of each tensor, owned by the caller.
 */
export function keepRows<T extends Record<string, tf.Tensor | undefined>>(
  tensors: T,
  kept: readonly number[],
): T {
  const batch = Object.values(tensors).find((t) => t !== undefined)?.shape[0];
  return tf.tidy(() => {
    if (kept.length === batch) {
      return Object.fromEntries(Object.entries(tensors).map(([name, t]) => [name, t && tf.clone(t)])) as T;
    }
    const indices = tf.tensor1d(kept as number[], "int32");
    const rows = Object.entries(tensors).map(([name, t]) => [name, t && tf.gather(t, indices)]);
    return Object.fromEntries(rows) as T;
  });
}

/** The indices of the samples whose check is 0 (all logits finite). */
export function finiteRows(check: ArrayLike<number>): number[] {
  return Array.from(check).flatMap((c, b) => (c === 0 ? [b] : []));
}

/** Disposes every tensor of a batch. */
export function disposeBatch(batch: StudentBatch): void {
  tf.dispose(Object.values(batch).filter((t): t is tf.Tensor => t !== undefined));
}
