/**
 * The teacher's training loop: a new transformer trained with Adam on MDM batches, with a
 * progress line and a training curve.
 *
 * @module
 */
import * as tf from "../backend/tf.ts";
import { withOneInFlight } from "../backend/in_flight.ts";
import type { Rng } from "../rng/mod.ts";
import { Transformer } from "../models/transformer.ts";
import type { TransformerConfig } from "../models/config.ts";
import { Adam } from "../optim/adam.ts";
import { type CurvePoint, Progress, type ProgressReporter } from "../progress/mod.ts";
import { checkInteger } from "../validate/mod.ts";
import { type MdmTrainConfig, mdmTrainStep, type TokenBatch } from "./train.ts";

/** What {@linkcode trainTeacher} trains with. */
export interface TeacherTraining {
  /** Adam updates. */
  readonly iterations: number;
  /** Adam's peak learning rate. */
  readonly lr: number;
  /** Iterations of linear warm-up to `lr`. */
  readonly warmupSteps: number;
  /** The MDM loss's settings (schedule, masking, label drop, smoothing), resolved. */
  readonly config: MdmTrainConfig;
  /** Draws the next batch of clean tokens and their condition; the loop disposes it. */
  readonly nextBatch: () => TokenBatch;
}

/** Options of {@linkcode trainTeacher}. */
export interface TrainTeacherOptions {
  /** Draws the initial weights (its fork `"init"`), the masks, label drops and dropout. */
  readonly rng: Rng;
  /**
   * Log the loss every this many iterations.
   * @default {10}
   */
  readonly curveEvery?: number;
  /**
   * The progress line's label.
   * @default {"teacher"}
   */
  readonly label?: string;
  /**
   * Where progress goes.
   * @default {stderrProgress}
   */
  readonly progress?: ProgressReporter;
}

/** A trained teacher and its loss curve. */
export interface TrainedTeacher {
  /** The trained network; the caller disposes it. */
  readonly teacher: Transformer;
  /** The masked cross-entropy (`loss`) every `curveEvery` iterations. */
  readonly curve: CurvePoint[];
}

/**
 * Trains a new teacher MDM with Adam. One step is in flight: step i + 1 is queued before step
 * i's report is awaited, so that on a GPU the read-back overlaps the next step's work; the
 * updates are those of awaiting every step.
 *
 * @param config The teacher's architecture.
 * @param training Iterations, learning rate, warm-up, loss settings and the batch source.
 * @param options The random stream, the curve's cadence and the progress reporter.
 * @returns The trained teacher and its loss curve.
 * @throws {RangeError} If `iterations` is not an integer ≥ 0 or `curveEvery` not one ≥ 1, or Adam's
 *   settings are out of range.
 *
 * @example Train a tiny teacher for a few iterations
 * ```ts
 * import assert from "node:assert";
 * import { createRng, resolveMdmTrainConfig, resolveTransformerConfig, silentProgress, tf, trainTeacher, useBackend } from "@dimo/dimo";
 * await useBackend("cpu");
 * const config = resolveTransformerConfig({ codebookSize: 4, numClasses: 2, seqLen: 3, width: 8, heads: 2, layers: 1 });
 * const nextBatch = () => ({
 *   tokens: tf.tensor2d([[0, 1, 2], [3, 2, 1]], [2, 3], "int32"),
 *   condition: tf.tensor1d([0, 1], "int32"),
 * });
 * const training = { iterations: 4, lr: 1e-3, warmupSteps: 0, config: resolveMdmTrainConfig({}), nextBatch };
 * const { teacher, curve } = await trainTeacher(config, training, {
 *   rng: createRng(0),
 *   curveEvery: 2,
 *   progress: silentProgress,
 * });
 * assert.deepEqual(curve.map((p) => p.iteration), [2, 4]);
 * assert.ok(curve.every((p) => p.loss > 0));
 * teacher.dispose();
 * ```
 */
export async function trainTeacher(
  config: TransformerConfig,
  training: TeacherTraining,
  options: TrainTeacherOptions,
): Promise<TrainedTeacher> {
  const { iterations, lr, warmupSteps, nextBatch } = training;
  const { rng, curveEvery = 10, label = "teacher", progress: reporter } = options;
  const action = "train the teacher";
  checkInteger(action, "iterations", iterations, 0);
  checkInteger(action, "curveEvery", curveEvery, 1);
  const teacher = new Transformer(config, { rng: rng.fork("init") });
  const adam = new Adam(teacher.trainableVariables(), { lr, warmupSteps });
  const progress = new Progress(label, iterations, { unit: "iterations", reporter });
  const curve: CurvePoint[] = [];
  try {
    await withOneInFlight(
      iterations,
      () => {
        const batch = nextBatch();
        const report = mdmTrainStep(teacher, batch, { config: training.config, optimizer: adam, rng });
        tf.dispose([batch.tokens, batch.condition]);
        return report;
      },
      ({ loss }, i) => {
        progress.tick(i + 1, { loss });
        if ((i + 1) % curveEvery === 0) curve.push({ iteration: i + 1, loss });
      },
    );
  } catch (error) {
    teacher.dispose();
    throw error;
  } finally {
    adam.dispose();
  }
  return { teacher, curve };
}
