/**
 * The teacher's training loop: a new transformer trained with Adam on MDM batches, with a
 * progress line and a training curve.
 *
 * @module
 */
import * as tf from "../backend/tf.ts";
import { withOneInFlight } from "../backend/in_flight.ts";
import { restoreRng, type Rng } from "../rng/mod.ts";
import { Transformer } from "../models/transformer.ts";
import type { TransformerConfig } from "../models/config.ts";
import { Adam } from "../optim/adam.ts";
import { type CurvePoint, Progress, type ProgressReporter, throwIfStopRequested } from "../progress/mod.ts";
import { checkInteger } from "../validate/mod.ts";
import { type MdmTrainConfig, mdmTrainStep, type TokenBatch } from "./train.ts";
import { loadTeacherTraining, saveTeacherTraining } from "./_checkpoint.ts";

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
  /**
   * Draws the next batch of clean tokens and their condition from `rng` (the loop's stream
   * `batches`, saved in a checkpoint, so that a resumed training draws the batches an
   * uninterrupted one would); the loop disposes the batch.
   */
  readonly nextBatch: (rng: Rng) => TokenBatch;
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
   * For a prompt-conditioned teacher, the pre-trained weights of its text encoder (`text.*`, as a
   * CLIP stand-in's `textEncoderWeights()`); they replace the initial ones and stay frozen.
   * @default {none: a text encoder keeps its random initialisation}
   */
  readonly textEncoder?: Readonly<Record<string, tf.Tensor>>;
  /**
   * Where progress goes.
   * @default {stderrProgress}
   */
  readonly progress?: ProgressReporter;
  /**
   * A file the training's state is saved to every `checkpointEvery` iterations and on a stop; a
   * training started with it goes on from what it holds.
   * @default {none}
   */
  readonly checkpoint?: string;
  /**
   * Iterations between checkpoints.
   * @default {100}
   */
  readonly checkpointEvery?: number;
  /** Stops the training at its next checkpoint (within `checkpointEvery` iterations), its state saved. */
  readonly signal?: AbortSignal;
}

/** A trained teacher and its loss curve. */
export interface TrainedTeacher {
  /** The trained network; the caller disposes it. */
  readonly teacher: Transformer;
  /** The masked cross-entropy (`loss`) every `curveEvery` iterations. */
  readonly curve: CurvePoint[];
  /** The iteration the state file let the training resume from (0 when it started afresh). */
  readonly resumedFrom: number;
  /**
   * Wall-clock seconds of the training's iterations, those of the runs it resumed included (as
   * far as their state file recorded them).
   */
  readonly seconds: number;
}

/**
 * Trains a new teacher MDM with Adam. One step is in flight: step i + 1 is queued before step
 * i's report is awaited, so that on a GPU the read-back overlaps the next step's work; the
 * updates are those of awaiting every step. With a `checkpoint`, a stopped training resumes from
 * it and ends with the weights and curve of an uninterrupted one.
 *
 * @param config The teacher's architecture.
 * @param training Iterations, learning rate, warm-up, loss settings and the batch source.
 * @param options The random stream, the curve's cadence, the progress reporter and the checkpoint.
 * @returns The trained teacher and its loss curve.
 * @throws {RangeError} If `iterations` is not an integer ≥ 0, `curveEvery` or `checkpointEvery`
 *   not one ≥ 1, or Adam's settings are out of range.
 * @throws {CheckpointMismatchError} If the checkpoint is of another architecture or run.
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
  const { rng, curveEvery = 10, label = "teacher", progress: reporter, checkpoint, checkpointEvery = 100 } =
    options;
  const action = "train the teacher";
  checkInteger(action, "iterations", iterations, 0);
  checkInteger(action, "curveEvery", curveEvery, 1);
  checkInteger(action, "checkpointEvery", checkpointEvery, 1);
  const teacher = initialTeacher(config, rng, options.textEncoder);
  const adam = new Adam(teacher.trainableVariables(), { lr, warmupSteps });
  const start = rng.state();
  let [steps, batches] = [rng, rng.fork("batches")];
  let curve: CurvePoint[] = [];
  let seconds = 0;
  try {
    const saved = checkpoint === undefined
      ? undefined
      : await loadTeacherTraining(checkpoint, teacher, adam, start);
    if (saved !== undefined) {
      [steps, batches, curve] = [restoreRng(saved.steps), restoreRng(saved.batches), [...saved.curve]];
      seconds = saved.seconds ?? 0;
    }
    const from = saved?.iteration ?? 0;
    const progress = new Progress(label, iterations, { unit: "iterations", from, reporter });
    options.signal?.throwIfAborted();
    // Chunks end at checkpoints: a checkpoint must hold a step's weights, not the next one's in flight.
    for (let done = from; done < iterations;) {
      const count = Math.min(
        iterations - done,
        checkpoint === undefined ? iterations : checkpointEvery - (done % checkpointEvery),
      );
      const chunkStart = performance.now();
      await withOneInFlight(
        count,
        () => {
          const batch = nextBatch(batches);
          const report = mdmTrainStep(teacher, batch, {
            config: training.config,
            optimizer: adam,
            rng: steps,
          });
          tf.dispose([batch.tokens, batch.condition]);
          return report;
        },
        ({ loss }, i) => {
          const iteration = done + i + 1;
          progress.tick(iteration, { loss });
          if (iteration % curveEvery === 0) curve.push({ iteration, loss });
        },
      );
      done += count;
      seconds += (performance.now() - chunkStart) / 1000;
      if (checkpoint !== undefined) {
        const json = {
          iteration: done,
          start,
          steps: steps.state(),
          batches: batches.state(),
          curve,
          seconds,
        };
        await saveTeacherTraining(checkpoint, teacher, adam, json);
      }
      await throwIfStopRequested(options.signal);
    }
    return { teacher, curve, resumedFrom: from, seconds };
  } catch (error) {
    teacher.dispose();
    throw error;
  } finally {
    adam.dispose();
  }
}

/** A new teacher from `rng`, its text encoder replaced by pre-trained weights when given. */
function initialTeacher(
  config: TransformerConfig,
  rng: Rng,
  textEncoder: Readonly<Record<string, tf.Tensor>> | undefined,
): Transformer {
  const initialised = new Transformer(config, { rng: rng.fork("init") });
  if (textEncoder === undefined) return initialised;
  try {
    return new Transformer(config, { weights: { ...initialised.namedWeights(), ...textEncoder } });
  } finally {
    initialised.dispose();
  }
}
