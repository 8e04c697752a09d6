/**
 * The training loops every experiment runs: the teacher's MDM training and the Di[M]O
 * distillation, each with a progress line and a training curve.
 *
 * @module
 */
import * as tf from "../lib/backend/tf.ts";
import type { Rng } from "../lib/rng/mod.ts";
import { Transformer, type TransformerConfig } from "../lib/models/mod.ts";
import { Adam } from "../lib/optim/mod.ts";
import { withOneInFlight } from "../lib/backend/in_flight.ts";
import { type MdmTrainConfig, mdmTrainStep, type TokenBatch } from "../lib/mdm/mod.ts";
import {
  createDistillState,
  type DistillConfig,
  distillStep,
  loadDistillCheckpoint,
  saveDistillCheckpoint,
} from "../lib/distill/mod.ts";
import { Progress } from "./progress.ts";
import { pathKind } from "./files.ts";

/** Iterations between the points of a training curve. */
const CURVE_EVERY = 10;

/** A teacher transformer's size and its MDM training: iterations, batch and Adam's learning rate. */
export interface TeacherSettings {
  readonly width: number;
  readonly layers: number;
  readonly heads: number;
  readonly iterations: number;
  readonly batch: number;
  readonly lr: number;
}

/** A distillation's length, batch, and the student's and the auxiliary model's learning rates. */
export interface DistillSettings {
  readonly iterations: number;
  readonly batch: number;
  readonly studentLr: number;
  readonly auxLr: number;
}

/** A point of a training curve. */
export interface CurvePoint {
  readonly iteration: number;
  readonly [metric: string]: number;
}

/** Settings of {@linkcode trainTeacher}. */
export interface TeacherTraining {
  readonly iterations: number;
  readonly lr: number;
  readonly warmupSteps: number;
  /** The MDM loss's settings (schedule, masking, label drop, smoothing). */
  readonly config: MdmTrainConfig;
  /** Draws the next batch of clean tokens and labels; the loop disposes it. */
  readonly nextBatch: () => TokenBatch;
}

/**
 * Trains a new teacher MDM with Adam, logging the loss every {@link CURVE_EVERY} iterations.
 *
 * @param config The teacher's architecture.
 * @param training Iterations, learning rate, warm-up, loss settings and the batch source.
 * @param options The generator of initial weights, masks and dropout, and a curve to fill, if any.
 * @returns The trained teacher.
 */
export async function trainTeacher(
  config: TransformerConfig,
  training: TeacherTraining,
  options: { readonly rng: Rng; readonly curve?: CurvePoint[] },
): Promise<Transformer> {
  const { iterations, lr, warmupSteps, nextBatch } = training;
  const { rng, curve } = options;
  const teacher = new Transformer(config, { rng: rng.fork("init") });
  const adam = new Adam(teacher.trainableVariables(), { lr, warmupSteps });
  const progress = new Progress("teacher", iterations);
  // One step in flight: step i + 1 is queued before step i's report is awaited, so that on a GPU
  // the read-back overlaps the next step's work. The updates are those of awaiting every step.
  await withOneInFlight(
    iterations,
    () => {
      const batch = nextBatch();
      const report = mdmTrainStep(teacher, batch, { config: training.config, optimizer: adam, rng });
      tf.dispose([batch.tokens, batch.labels]);
      return report;
    },
    ({ loss }, i) => {
      progress.tick(i + 1, { loss });
      if ((i + 1) % CURVE_EVERY === 0) curve?.push({ iteration: i + 1, loss });
    },
  );
  adam.dispose();
  return teacher;
}

/** Iterations between the saved states of a resumable distillation. */
const SAVE_EVERY = 100;

/**
 * Distils the teacher and returns the student's EMA, logging the aux loss and ½Σg²/B every
 * {@link CURVE_EVERY} iterations. With `checkpoint`, the run's whole state is saved there every
 * {@link SAVE_EVERY} iterations and at the end, and a run that finds the file goes on from it
 * (its curve then starts at the resumed iteration).
 *
 * @param teacher The teacher; borrowed.
 * @param config The distillation settings.
 * @param options Iterations, seed, the progress label, a curve to fill and a state file, if any.
 * @returns The EMA student; the caller disposes it.
 */
export async function distillStudent(
  teacher: Transformer,
  config: DistillConfig,
  options: {
    readonly iterations: number;
    readonly seed: number;
    readonly label: string;
    readonly curve?: CurvePoint[];
    readonly checkpoint?: string;
  },
): Promise<Transformer> {
  const { iterations, label, curve, checkpoint } = options;
  const resumable = checkpoint !== undefined && await pathKind(checkpoint) === "file";
  const state = resumable
    ? await loadDistillCheckpoint(checkpoint, teacher, config)
    : createDistillState(teacher, config, options.seed);
  const progress = new Progress(label, iterations, { from: state.iteration });
  for (let i = state.iteration + 1; i <= iterations; i++) {
    const report = await distillStep(state);
    progress.tick(i, { aux_loss: report.auxLoss, g2: report.gSquared });
    if (i % CURVE_EVERY === 0) {
      curve?.push({ iteration: i, aux_loss: report.auxLoss, g_squared: report.gSquared });
    }
    if (checkpoint !== undefined && (i % SAVE_EVERY === 0 || i === iterations)) {
      await saveDistillCheckpoint(checkpoint, state);
    }
  }
  const student = state.emaStudent();
  state.dispose();
  return student;
}
