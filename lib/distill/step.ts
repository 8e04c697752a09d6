/**
 * One Di[M]O iteration (docs/method.md §11): a student step every k-th iteration, an aux step
 * and an EMA update every iteration.
 *
 * @module
 */
import * as tf from "../backend/tf.ts";
import { explainDeviceMemoryError } from "../backend/buffer_limits.ts";
import { guidedLogits } from "../sampling/guidance.ts";
import { maskedCrossEntropy } from "../mdm/loss.ts";
import {
  applyOptions,
  checkLabels,
  disposeBatch,
  finiteCheck,
  finiteRows,
  keepRows,
  sampleStudentBatch,
  type StudentBatch,
} from "./_batch.ts";
import type { DistillState } from "./state.ts";
import type { AdamStepReport } from "../optim/mod.ts";
import { accumulatedStep, type Share } from "./_accumulate.ts";
import { maskGradient, surrogateLoss } from "./surrogate.ts";

/** What one {@linkcode distillStep} did, as plain numbers for logs and charts. */
export interface StepReport {
  /** The index of this iteration, from 0. */
  readonly iteration: number;
  /** Whether the student was updated: on iterations that are a multiple of `updateRatio`, when a sample was finite. */
  readonly studentUpdated: boolean;
  /** The global L2 norm of the student's gradient before clipping; NaN without a student update. */
  readonly studentGradNorm: number;
  /** The student's learning rate in this update; NaN without a student update. */
  readonly studentLr: number;
  /**
   * 0.5·Σ g² / B over the masked positions of the kept samples: the official code's logged
   * generator "loss", a diagnostic of how far the aux model is from the teacher, not a divergence.
   * NaN without a student update.
   */
  readonly gSquared: number;
  /** The mean fraction of masked positions of x̃_t in the student step; NaN without a student update. */
  readonly maskedFraction: number;
  /** The aux model's label-smoothed cross-entropy on the masked tokens; NaN if every sample was dropped. */
  readonly auxLoss: number;
  /** The global L2 norm of the aux model's gradient; NaN if every sample was dropped. */
  readonly auxGradNorm: number;
  /** The aux model's learning rate in this update; NaN if every sample was dropped. */
  readonly auxLr: number;
  /** Samples dropped from this iteration's batches because their student, teacher or aux logits were not finite. */
  readonly nonFinite: number;
  /**
   * Wall-clock seconds of the iteration: from its start, or from the end of the one before it
   * when that ended later (a call made while another was pending), to its end.
   */
  readonly seconds: number;
}

/** Options of {@linkcode distillStep}. */
export interface DistillStepOptions {
  /** B class ids for both batches of the iteration; by default each sample's class is uniform over the C classes. */
  readonly labels?: readonly number[];
}

/** The student half of a report. */
type StudentReport = Pick<StepReport, "studentGradNorm" | "studentLr" | "gSquared" | "maskedFraction"> & {
  readonly kept: number;
};

/** The aux half of a report. */
type AuxReport = Pick<StepReport, "auxLoss" | "auxGradNorm" | "auxLr"> & { readonly kept: number };

const SKIPPED_STUDENT: StudentReport = {
  studentGradNorm: NaN,
  studentLr: NaN,
  gSquared: NaN,
  maskedFraction: NaN,
  kept: 0,
};

/**
 * Runs one Di[M]O iteration and advances `state.iteration`:
 *
 * 1. Student step, on iterations that are a multiple of `updateRatio` (docs/method.md §4–§8):
 *    `xInit`, labels y and noise n; x_θ ~ softmax(z_θ(x_init, y, n)); x̃_t = x_θ with round(L·γ(u))
 *    positions masked (M); z_φ = the guided teacher at x̃_t (one batched call, the null class as
 *    unconditional branch); z_ψ = aux(x̃_t, y); g = ∂D(p_φ ‖ p_ψ)/∂z_ψ, zeroed outside M; then Adam
 *    (clipped) on the surrogate Σ g·z_θ / B, with z_θ recomputed from the same x_init, y and n.
 * 2. Aux step (§9), on a fresh batch sampled by the just-updated student: the aux model's
 *    label-smoothed cross-entropy against x_θ' at the positions masked in x̃_t', then Adam.
 * 3. The student's EMA update (§10), every iteration.
 *
 * Samples whose logits are not finite are dropped from their batch (the official
 * `filter_nan_mask`) and counted in {@linkcode StepReport.nonFinite}. Every tensor the step makes
 * is disposed; values leave it as numbers, read back asynchronously (so it runs on WebGPU too).
 * A call made before the previous one is awaited (`withOneInFlight`) starts once that one has
 * queued all its work, so iterations run in order and give what awaited ones give, while the
 * earlier one's last read-back overlaps the later one's host work.
 *
 * @param state The run; its networks, EMA, optimisers, random streams and counter are updated.
 * @param options Fixed labels, if any.
 * @returns The {@linkcode StepReport}.
 * @throws {RangeError} If `labels` are not B class ids in [0, C).
 * @throws {Error} If a gradient is not finite (the optimiser refuses to apply it).
 *
 * @example Two iterations on a tiny teacher
 * ```ts
 * import assert from "node:assert";
 * import { createDistillState, createRng, distillStep, resolveDistillConfig, resolveTransformerConfig, Transformer, useBackend } from "@dimo/dimo";
 * await useBackend("cpu");
 * const teacher = new Transformer(
 *   resolveTransformerConfig({ codebookSize: 4, numClasses: 2, seqLen: 4, width: 8, heads: 2, layers: 1 }),
 *   { rng: createRng(0) },
 * );
 * const state = createDistillState(teacher, resolveDistillConfig({ batch: 4, updateRatio: 2 }), 1);
 * const first = await distillStep(state);
 * const second = await distillStep(state);
 * assert.ok(first.studentUpdated && !second.studentUpdated);
 * assert.ok(first.gSquared > 0 && second.auxLoss > 0);
 * assert.equal(state.iteration, 2);
 * state.dispose();
 * teacher.dispose();
 * ```
 */
export async function distillStep(
  state: DistillState,
  options: DistillStepOptions = {},
): Promise<StepReport> {
  // A call made while another is pending starts once the other has queued all its work, so that
  // iterations keep their order and the earlier one's last read-back overlaps this one's host work.
  const earlier = queuedTurns.get(state);
  let queued = () => {};
  queuedTurns.set(state, new Promise<void>((resolve) => queued = resolve));
  try {
    await earlier;
    return await iterate(state, options, queued);
  } catch (error) {
    const { batch, recomputeActivations } = state.config;
    const remedy = recomputeActivations
      ? "use a smaller batch with more accumulation"
      : "set recomputeActivations (one block's activations kept instead of every block's), or use a smaller batch with more accumulation";
    throw explainDeviceMemoryError(error, `the Di[M]O iteration at batch ${batch}`, remedy);
  } finally {
    queued();
  }
}

/** Per state, when the latest `distillStep` call will have queued all its work (or failed). */
const queuedTurns = new WeakMap<DistillState, Promise<void>>();
/** Per state, when its latest iteration ended (`performance.now()`). */
const lastEnds = new WeakMap<DistillState, number>();

async function iterate(
  state: DistillState,
  options: DistillStepOptions,
  queued: () => void,
): Promise<StepReport> {
  const start = performance.now();
  if (options.labels !== undefined) checkLabels(state, options.labels);
  const iteration = state.iteration;
  const studentTurn = iteration % state.config.updateRatio === 0;
  // The student's update is queued before the aux step samples from it; its report is read back
  // together with the aux batch's finite check, and settles before the aux update is queued.
  const studentReport = studentTurn ? (await studentStep(state, options.labels)).settled : undefined;
  const pendingAux = await auxStep(state, options.labels, studentReport);
  // The EMA is queued before the aux report's read-back is awaited, so that the wait hides it.
  state.studentEma.update();
  state.iteration = iteration + 1;
  queued();
  const [aux, student] = await Promise.all([pendingAux.report, studentReport ?? SKIPPED_STUDENT]);
  const end = performance.now();
  const seconds = (end - Math.max(start, lastEnds.get(state) ?? start)) / 1000;
  lastEnds.set(state, end);
  state.seconds += seconds;
  const samples = state.config.batch * state.config.accumulation;
  const { kept: keptStudent, ...studentNumbers } = student;
  const { kept: keptAux, ...auxNumbers } = aux;
  return {
    iteration,
    studentUpdated: keptStudent > 0,
    ...studentNumbers,
    ...auxNumbers,
    nonFinite: (studentTurn ? samples - keptStudent : 0) + samples - keptAux,
    seconds,
  };
}

/** The signal of a student step, computed without a tape: g and, per sample, its diagnostics. */
interface Signal {
  /** g zeroed outside M, float32 `[B, L, V]`. */
  readonly g: tf.Tensor3D;
  /** Rows: finite check (0 or NaN), 0.5·Σ g², masked fraction; float32 `[3, B]`. */
  readonly perSample: tf.Tensor2D;
}

/** Steps 5–6: the guided teacher and the aux model at x̃_t, and g = ∂D/∂z_ψ masked to M. */
function divergenceSignal(state: DistillState, batch: StudentBatch): Signal {
  const { teacher, aux, divergence, config } = state;
  const options = applyOptions(state, state.rng.student);
  return tf.tidy(() => {
    const { xt, condition, masked } = batch;
    const { nullClass, nullPrompt } = teacher.layout;
    const guidance = {
      scale: config.teacherGuidance,
      nullClass,
      nullPrompt: state.conditioning.negativePrompt ?? nullPrompt,
    };
    const zPhi = guidedLogits(teacher.asDenoiser(options), xt, condition, guidance);
    const zPsi = aux.apply(xt, condition, options);
    const g = maskGradient(divergence.gradLogits(zPsi, zPhi), masked) as tf.Tensor3D;
    const perSample = tf.stack([
      tf.add(tf.add(batch.studentCheck, finiteCheck(zPhi)), finiteCheck(zPsi)),
      tf.mul(tf.sum(tf.square(g), [1, 2]), 0.5),
      tf.mean(tf.cast(masked, "float32"), 1),
    ]) as tf.Tensor2D;
    return { g, perSample };
  });
}

/** The rows of a student batch that its surrogate's gradient needs. */
type SurrogateRows = Pick<StudentBatch, "xInit" | "condition" | "noise" | "masked"> & {
  readonly g: tf.Tensor3D;
};

/** The rows of a batch that the aux model's loss needs. */
type AuxRows = Pick<StudentBatch, "xt" | "condition" | "xTheta" | "masked">;

/** Step 7: the surrogate's loss and gradient on some rows of a batch. */
function surrogateGradient(state: DistillState, rows: SurrogateRows): Gradient {
  const { config, student } = state;
  const embeddingNoise = rows.noise && { sigma: config.init.sigma, noise: rows.noise };
  return state.studentAdam.gradients(() => {
    const zTheta = student.apply(rows.xInit, rows.condition, {
      ...applyOptions(state, state.rng.student),
      embeddingNoise,
    });
    return surrogateLoss(zTheta, rows.g, { masked: rows.masked, normalization: config.normalization });
  });
}

/**
 * Steps 1–7 for one batch: sample, re-mask, compute g, and the surrogate's gradient, queued for
 * every row while the rows' finite checks are read back.
 */
async function studentShare(state: DistillState, labels?: readonly number[]): Promise<Share | undefined> {
  const batch = sampleStudentBatch(state, state.rng.student, labels);
  const { g, perSample } = divergenceSignal(state, batch);
  const { xInit, condition, noise, masked } = batch;
  const finite = perSample.array().then(([check, halfSquares, maskedFractions]) =>
    finiteOf(check, (b) => [halfSquares[b], maskedFractions[b]])
  );
  return await keptRowsGradient(
    finite,
    { xInit, condition, noise, masked, g },
    (rows) => surrogateGradient(state, rows),
  ).finally(() => {
    disposeBatch(batch);
    tf.dispose([g, perSample]);
  });
}

/** A batch's rows, the finite ones among them, and each finite row's diagnostics. */
interface FiniteRows {
  readonly rows: number;
  readonly kept: number[];
  readonly samples: (readonly number[])[];
}

/** The finite rows of a read-back check (0 for a finite row) and their diagnostics. */
function finiteOf(check: ArrayLike<number>, sample: (row: number) => readonly number[]): FiniteRows {
  const kept = finiteRows(check);
  return { rows: check.length, kept, samples: kept.map(sample) };
}

/**
 * A share's gradient from the rows whose logits are finite. The gradient of every row is queued
 * first and the read-back of which rows are finite awaited after, so the host's work hides the
 * read-back's wait (at least 10 ms on Deno's WebGPU); in the rare batch with a non-finite row that
 * gradient is dropped and the kept rows' computed instead (as the official `filter_nan_mask`).
 *
 * @param finite The batch's finite rows, once read back.
 * @param all The batch's tensors the gradient needs; left to the caller to dispose.
 * @param gradient The gradient of some rows.
 * @returns The share, or none when no row is finite.
 */
async function keptRowsGradient<T extends Record<string, tf.Tensor | undefined>>(
  finite: Promise<FiniteRows>,
  all: T,
  gradient: (rows: T) => Gradient,
): Promise<Share | undefined> {
  let whole: Gradient | undefined;
  try {
    whole = gradient(all);
    const { rows, kept, samples } = await finite;
    if (kept.length === rows) return { ...whole, samples };
    disposeGradient(whole);
    whole = undefined;
    if (kept.length === 0) return undefined;
    const subset = keepRows(all, kept);
    try {
      return { ...gradient(subset), samples };
    } finally {
      tf.dispose(Object.values(subset));
    }
  } catch (error) {
    finite.catch(() => {});
    if (whole !== undefined) disposeGradient(whole);
    throw error;
  }
}

/** A loss and its gradients. */
type Gradient = Pick<Share, "value" | "grads">;

/** Frees a loss and its gradients. */
function disposeGradient({ value, grads }: Gradient): void {
  tf.dispose([value, ...grads.filter((t): t is tf.Tensor => t !== undefined)]);
}

/**
 * Steps 1–7 over the accumulated batches, then Adam's step on the surrogate's mean gradient:
 * resolves once the update is queued, to the report, which settles once read back.
 */
async function studentStep(
  state: DistillState,
  labels?: readonly number[],
): Promise<{ readonly settled: Promise<StudentReport> }> {
  const step = await accumulatedStep(
    state.config.accumulation,
    state.studentAdam,
    () => studentShare(state, labels),
  );
  if (step === undefined) return { settled: Promise.resolve(SKIPPED_STUDENT) };
  const settled = studentReport(step.report, step.samples);
  settled.catch(() => {});
  return { settled };
}

/** The student's report from its Adam report and its kept samples' diagnostics. */
async function studentReport(
  pending: Promise<AdamStepReport>,
  samples: readonly (readonly number[])[],
): Promise<StudentReport> {
  const report = await pending;
  const mean = (k: number) => samples.reduce((sum, sample) => sum + sample[k], 0) / samples.length;
  return {
    studentGradNorm: report.gradNorm,
    studentLr: report.lr,
    gSquared: mean(0),
    maskedFraction: mean(1),
    kept: samples.length,
  };
}

/** Step 8's loss on some rows of a batch: the aux model's masked cross-entropy, and its gradient. */
function auxGradient(state: DistillState, rows: AuxRows): Gradient {
  const { config, aux } = state;
  return state.auxAdam.gradients(() => {
    const zPsi = aux.apply(rows.xt, rows.condition, applyOptions(state, state.rng.aux));
    return maskedCrossEntropy(zPsi, rows.xTheta, rows.masked, { labelSmoothing: config.auxLabelSmoothing });
  });
}

/**
 * Step 8 for one batch: a fresh batch from the updated student, and the aux model's masked
 * cross-entropy's gradient, queued for every row while the batch's finite check is read back, as
 * the student's share does. `before` (the student's pending report) is awaited with that check,
 * so both read-backs wait together and a failed student step stops the iteration before the aux
 * model's update is queued.
 */
async function auxShare(
  state: DistillState,
  labels: readonly number[] | undefined,
  before: Promise<unknown> | undefined,
): Promise<Share | undefined> {
  const batch = sampleStudentBatch(state, state.rng.aux, labels);
  const { xt, condition, xTheta, masked } = batch;
  return await keptRowsGradient(
    Promise.all([batch.studentCheck.data(), before]).then(([check]) => finiteOf(check, () => [])),
    { xt, condition, xTheta, masked },
    (rows) => auxGradient(state, rows),
  ).finally(() => disposeBatch(batch));
}

/**
 * Step 8 over the accumulated batches (the first awaiting `before` too), then Adam on the aux
 * model's mean gradient: resolves once the update is queued, to its report's read-back (wrapped,
 * as an async function would flatten a promise).
 */
async function auxStep(
  state: DistillState,
  labels: readonly number[] | undefined,
  before: Promise<unknown> | undefined,
): Promise<{ readonly report: Promise<AuxReport> }> {
  let pending = before;
  const share = () => {
    const wait = pending;
    pending = undefined;
    return auxShare(state, labels, wait);
  };
  // The first share awaits `before` whether or not it keeps a row.
  const step = await accumulatedStep(state.config.accumulation, state.auxAdam, share);
  if (step === undefined) {
    return { report: Promise.resolve({ auxLoss: NaN, auxGradNorm: NaN, auxLr: NaN, kept: 0 }) };
  }
  const kept = step.samples.length;
  const report = step.report.then((r) => ({ auxLoss: r.loss, auxGradNorm: r.gradNorm, auxLr: r.lr, kept }));
  report.catch(() => {}); // awaited by the caller; not an unhandled rejection should the EMA throw first
  return { report };
}
