/**
 * Contrastive training of a {@linkcode DualEncoder} with the project's Adam: symmetric InfoNCE
 * over each batch, with whatever negatives the batch source adds.
 *
 * @module
 */
import * as tf from "../backend/tf.ts";
import { withOneInFlight } from "../backend/mod.ts";
import { Adam } from "../optim/mod.ts";
import { type CurvePoint, Progress, type ProgressReporter, throwIfStopRequested } from "../progress/mod.ts";
import type { Rng } from "../rng/mod.ts";
import { checkInRange, checkInteger } from "../validate/mod.ts";
import {
  type ContrastiveBatch,
  DualEncoder,
  type DualEncoderOverrides,
  resolveDualEncoderConfig,
} from "./dual_encoder.ts";

/** Options of {@linkcode trainDualEncoder}. */
export interface TrainDualEncoderOptions {
  /** Draws the initial weights (its fork `"init"`). */
  readonly rng: Rng;
  /** Adam steps. */
  readonly iterations: number;
  /**
   * Draws the batch of an iteration (from 0), or a promise of it; the loop disposes its tensors.
   * Updates are applied in iteration order whenever the batches are ready.
   */
  readonly nextBatch: (iteration: number) => ContrastiveBatch | Promise<ContrastiveBatch>;
  /** Adam's peak learning rate. @default {2e-3} */
  readonly lr?: number;
  /** Weight of the loss's ranking term (see `ContrastiveLossOptions`). @default {0} */
  readonly rankingWeight?: number;
  /** Iterations of linear warm-up to `lr`. @default {20} */
  readonly warmupSteps?: number;
  /** The encoder's shape. @default {DEFAULT_DUAL_ENCODER_CONFIG} */
  readonly config?: DualEncoderOverrides;
  /** Log the loss every this many iterations. @default {10} */
  readonly curveEvery?: number;
  /** The progress line's label. @default {"dual encoder"} */
  readonly label?: string;
  /** Where progress goes. @default {stderrProgress} */
  readonly progress?: ProgressReporter;
  /**
   * Stops the training before its next iteration when aborted; the promise rejects with the
   * signal's reason and nothing is kept (a dual encoder trains in minutes).
   */
  readonly signal?: AbortSignal;
}

/** A trained dual encoder and its loss curve. */
export interface TrainedDualEncoder {
  /** The trained encoder; the caller disposes it. */
  readonly encoder: DualEncoder;
  /** The contrastive loss (`loss`) every `curveEvery` iterations. */
  readonly curve: CurvePoint[];
}

/**
 * Trains a new {@linkcode DualEncoder} with Adam on {@linkcode DualEncoder.contrastiveLoss}. One
 * step is in flight (as the teacher's loop), which gives the same updates as awaiting each.
 *
 * @param options The generator, iteration count, batch source, optimiser and model settings.
 * @returns The encoder and its loss curve.
 * @throws {RangeError} If `iterations` is not an integer ≥ 0, `curveEvery` not one ≥ 1, `lr` not
 *   positive, or the configuration is invalid.
 *
 * @example Learn to tell a bright image's prompt from a dark one's
 * ```ts
 * import assert from "node:assert";
 * import { createRng, silentProgress, tf, trainDualEncoder, useBackend } from "@dimo/dimo";
 * await useBackend("cpu");
 * const nextBatch = () => ({
 *   images: tf.concat([tf.fill([1, 32, 32, 3], 0.9), tf.fill([1, 32, 32, 3], 0.1)]) as tf.Tensor4D,
 *   prompts: tf.tensor2d([[2, 3, 0, 0, 0, 0, 0, 0, 0, 0], [2, 4, 0, 0, 0, 0, 0, 0, 0, 0]], [2, 10], "int32"),
 * });
 * const config = { channels: [2, 2] as [number, number], featureWidth: 8, embedWidth: 8, text: { width: 8, layers: 1 } };
 * const { encoder, curve } = await trainDualEncoder({
 *   rng: createRng(0), iterations: 30, nextBatch, config, curveEvery: 10, progress: silentProgress,
 * });
 * assert.ok(curve[2]!.loss < curve[0]!.loss);
 * encoder.dispose();
 * ```
 */
export async function trainDualEncoder(options: TrainDualEncoderOptions): Promise<TrainedDualEncoder> {
  const {
    rng,
    iterations,
    nextBatch,
    lr = 2e-3,
    rankingWeight = 0,
    warmupSteps = 20,
    curveEvery = 10,
    label = "dual encoder",
    progress: reporter,
    signal,
  } = options;
  const action = "train the dual encoder";
  checkInteger(action, "iterations", iterations, 0);
  checkInteger(action, "curveEvery", curveEvery, 1);
  checkInRange(action, "lr", lr, Number.MIN_VALUE, Infinity);
  const encoder = new DualEncoder(resolveDualEncoderConfig(options.config), { rng: rng.fork("init") });
  const adam = new Adam(encoder.trainableVariables(), { lr, warmupSteps });
  const progress = new Progress(label, iterations, { unit: "iterations", reporter });
  const curve: CurvePoint[] = [];
  // Each update is queued once its batch is ready and the previous update is queued, not done.
  let queued: Promise<unknown> = Promise.resolve();
  const queue = (batch: ContrastiveBatch) => {
    try {
      return { report: adam.step(() => encoder.contrastiveLoss(batch, { rankingWeight })) };
    } finally {
      tf.dispose(Object.values(batch));
    }
  };
  try {
    await withOneInFlight(
      iterations,
      (iteration) => {
        const previous = queued;
        const update = throwIfStopRequested(signal)
          .then(() => Promise.all([nextBatch(iteration), previous]))
          .then(([batch]) => queue(batch));
        queued = update.catch(() => {});
        return update.then(({ report }) => report);
      },
      ({ loss }, i) => {
        progress.tick(i + 1, { loss });
        if ((i + 1) % curveEvery === 0) curve.push({ iteration: i + 1, loss });
      },
    );
  } catch (error) {
    encoder.dispose();
    throw error;
  } finally {
    adam.dispose();
  }
  return { encoder, curve };
}
