/**
 * Training a {@linkcode Classifier} on labelled images with the project's Adam.
 *
 * @module
 */
import * as tf from "../backend/tf.ts";
import { Adam } from "../optim/adam.ts";
import { throwIfStopRequested } from "../progress/stop.ts";
import { type Rng, shuffle } from "../rng/mod.ts";
import { checkDtype, checkInRange, checkInteger, checkShape, errorMessage } from "../validate/mod.ts";
import { Classifier, type ClassifierConfig, resolveClassifierConfig } from "./classifier.ts";
import { checkImages } from "./_images.ts";

/** Options of {@linkcode trainClassifier}. */
export interface TrainClassifierOptions {
  /** Shuffles the training set each epoch and initialises the weights. */
  readonly rng: Rng;
  /** Passes over the training set. @default {2} */
  readonly epochs?: number;
  /** Images per Adam step. @default {128} */
  readonly batch?: number;
  /** Adam's learning rate. @default {1e-3} */
  readonly lr?: number;
  /** The network's shape; `numClasses` must exceed every label. @default {DEFAULT_CLASSIFIER_CONFIG} */
  readonly config?: Partial<ClassifierConfig>;
  /** Called after each epoch with its number (from 1), mean training loss and seconds. */
  readonly onEpoch?: (report: { epoch: number; loss: number; seconds: number }) => void;
  /**
   * Stops the training before its next step when aborted; the promise rejects with the signal's
   * reason and nothing is kept (a classifier trains in minutes).
   */
  readonly signal?: AbortSignal;
}

/**
 * Trains a new {@linkcode Classifier} with Adam on softmax cross-entropy, reshuffling each
 * epoch (the last batch of an epoch may be smaller).
 *
 * @param images Training images, float32 `[N, S, S]`, pixels in [0, 1].
 * @param labels Their classes, int32 `[N]`, in `[0, C)`.
 * @param options The {@linkcode Rng}, epochs, batch size, learning rate and configuration.
 * @returns The trained classifier; the caller disposes it.
 * @throws {TypeError} If a shape or dtype is wrong.
 * @throws {RangeError} If an option is out of range, a pixel is outside [0, 1] or a label outside [0, C).
 *
 * @example Learn to tell dark images from bright ones
 * ```ts
 * import assert from "node:assert";
 * import { createRng, tf, trainClassifier, useBackend } from "@dimo/dimo";
 * await useBackend("cpu");
 * const images = tf.concat([tf.fill([8, 4, 4], 0.1), tf.fill([8, 4, 4], 0.9)]) as tf.Tensor3D;
 * const labels = tf.tensor1d([...Array(8).fill(0), ...Array(8).fill(1)], "int32");
 * const config = { imageSize: 4, numClasses: 2, channels: [4, 4] as [number, number], featureWidth: 8 };
 * const classifier = await trainClassifier(images, labels, { rng: createRng(0), epochs: 10, batch: 8, lr: 0.03, config });
 * assert.equal(await classifier.accuracy(images, labels), 1);
 * classifier.dispose();
 * ```
 */
export async function trainClassifier(
  images: tf.Tensor3D,
  labels: tf.Tensor1D,
  options: TrainClassifierOptions,
): Promise<Classifier> {
  const { rng, epochs = 2, batch = 128, lr = 1e-3, onEpoch, signal } = options;
  const config = resolveClassifierConfig(options.config);
  const action = "train the classifier";
  checkInteger(action, "epochs", epochs, 1);
  checkInteger(action, "batch", batch, 1);
  checkInRange(action, "lr", lr, Number.MIN_VALUE, Infinity);
  checkImages(action, images, config.imageSize, true);
  const n = images.shape[0];
  checkShape(action, "labels", labels.shape, [n]);
  checkDtype(action, "labels", labels.dtype, "int32");
  const labelValues = await labels.data();
  const bad = labelValues.find((y) => y < 0 || y >= config.numClasses);
  if (bad !== undefined) {
    throw new RangeError(errorMessage(action, "labels", `class ids in [0, ${config.numClasses - 1}]`, bad));
  }
  const classifier = new Classifier(config, { rng: rng.fork("init") });
  const adam = new Adam(classifier.trainableVariables(), { lr });
  const shuffle = rng.fork("shuffle");
  try {
    for (let epoch = 1; epoch <= epochs; epoch++) {
      const started = performance.now();
      const order = permutation(n, shuffle);
      let lossSum = 0;
      for (let start = 0; start < n; start += batch) {
        await throwIfStopRequested(signal);
        const ids = tf.tensor1d(order.subarray(start, start + batch), "int32");
        const [x, y] = [tf.gather(images, ids) as tf.Tensor3D, tf.gather(labels, ids) as tf.Tensor1D];
        lossSum += (await adam.step(() => classifier.loss(x, y))).loss * ids.size;
        tf.dispose([ids, x, y]);
      }
      onEpoch?.({ epoch, loss: lossSum / n, seconds: (performance.now() - started) / 1000 });
    }
  } catch (error) {
    classifier.dispose();
    throw error;
  } finally {
    adam.dispose();
  }
  return classifier;
}

/** A uniformly random permutation of 0..n−1 (Fisher–Yates). */
function permutation(n: number, rng: Rng): Int32Array {
  return shuffle(Int32Array.from({ length: n }, (_, i) => i), rng);
}
