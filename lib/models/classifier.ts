/**
 * A small CNN classifier of grey images, the feature network of the image metrics: its
 * penultimate layer gives the features of FID and precision/recall/density/coverage, its softmax
 * the class posteriors of the Inception Score, its argmax the class accuracy.
 *
 * @module
 */
import * as tf from "../backend/tf.ts";
import { oneHot } from "../backend/ops.ts";
import type { Rng } from "../rng/mod.ts";
import { checkDtype, checkInteger, checkShape, errorMessage } from "../validate/mod.ts";
import { conv2dSame, maxPool2 } from "./_conv.ts";
import { checkImages } from "./_images.ts";
import { linear } from "./layers.ts";
import { type FanInSpec, heLayer, heWeights } from "./_he_init.ts";
import { ParameterStore } from "./_params.ts";

/** The shape of a {@linkcode Classifier}. */
export interface ClassifierConfig {
  /** S: images are S × S grey; a multiple of 4 (two 2× poolings). @default {28} (MNIST) */
  readonly imageSize: number;
  /** C: the number of classes. @default {10} */
  readonly numClasses: number;
  /** Output channels of the two 3 × 3 convolutions. @default {[32, 64]} */
  readonly channels: readonly [number, number];
  /** D: the width of the penultimate (feature) layer. @default {128} */
  readonly featureWidth: number;
}

/** The defaults of {@linkcode ClassifierConfig}: an MNIST-sized network. */
export const DEFAULT_CLASSIFIER_CONFIG: ClassifierConfig = Object.freeze({
  imageSize: 28,
  numClasses: 10,
  channels: Object.freeze([32, 64]) as readonly [number, number],
  featureWidth: 128,
});

/**
 * Checks a partial {@linkcode ClassifierConfig} and fills defaults.
 *
 * @param config Fields to override.
 * @returns The complete, frozen configuration.
 * @throws {RangeError} If a size is not a positive integer or `imageSize` is not a multiple of 4.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { resolveClassifierConfig } from "@dimo/dimo";
 * assert.equal(resolveClassifierConfig({ numClasses: 3 }).featureWidth, 128);
 * assert.throws(() => resolveClassifierConfig({ imageSize: 30 }), /'imageSize'/);
 * ```
 */
export function resolveClassifierConfig(config: Partial<ClassifierConfig> = {}): ClassifierConfig {
  const c = { ...DEFAULT_CLASSIFIER_CONFIG, ...config };
  const action = "configure the classifier";
  checkInteger(action, "imageSize", c.imageSize, 4);
  if (c.imageSize % 4 !== 0) {
    throw new RangeError(errorMessage(action, "imageSize", "a multiple of 4", c.imageSize));
  }
  checkInteger(action, "numClasses", c.numClasses, 2);
  if (!Array.isArray(c.channels) || c.channels.length !== 2) {
    throw new TypeError(errorMessage(action, "channels", "two channel counts", c.channels));
  }
  c.channels.forEach((n, i) => checkInteger(action, `channels[${i}]`, n, 1));
  checkInteger(action, "featureWidth", c.featureWidth, 1);
  return Object.freeze({ ...c, channels: Object.freeze([...c.channels]) as readonly [number, number] });
}

function classifierSpecs(config: ClassifierConfig): FanInSpec[] {
  const { imageSize, numClasses, channels: [c1, c2], featureWidth } = config;
  const flat = (imageSize / 4) ** 2 * c2;
  return [
    ...heLayer("conv1", [3, 3, 1, c1], 9),
    ...heLayer("conv2", [3, 3, c1, c2], 9 * c1),
    ...heLayer("fc", [flat, featureWidth], flat),
    ...heLayer("head", [featureWidth, numClasses], featureWidth),
  ];
}

/** Logits and features of a batch of images. */
export interface ClassifierOutput {
  /** Class logits, float32 `[N, C]`. */
  readonly logits: tf.Tensor2D;
  /** Penultimate-layer activations (after the ReLU), float32 `[N, D]`. */
  readonly features: tf.Tensor2D;
}

/** Options of {@linkcode Classifier.apply}. */
export interface ClassifierApplyOptions {
  /** Images per forward pass, bounding memory. @default {500} */
  readonly batch?: number;
  /**
   * Whether to check that pixels lie in [0, 1] (reads two numbers back; skipped on webgpu,
   * which cannot read back synchronously).
   * @default {true}
   */
  readonly validateRange?: boolean;
}

/** Where a {@linkcode Classifier}'s weights come from: a seeded initialiser or given tensors. */
export type ClassifierSource =
  | { readonly rng: Rng }
  | { readonly weights: Readonly<Record<string, tf.Tensor>> };

/**
 * A small CNN for S × S grey images: 3 × 3 convolution (32 channels by default) → ReLU → 2 × 2
 * max pool → 3 × 3 convolution (64) → ReLU → max pool → dense (128) → ReLU, the features →
 * dense, the logits. It plays the part Inception-v3 plays for ImageNet metrics. Convolutions
 * have "same" zero padding.
 *
 * The model owns its `tf.Variable`s (`conv1.weight` `[3, 3, 1, 32]`, …, `head.bias`); dense
 * weights are stored `[in, out]`.
 *
 * @example Logits and features of two images
 * ```ts
 * import assert from "node:assert";
 * import { Classifier, createRng, resolveClassifierConfig, tf, useBackend } from "@dimo/dimo";
 * await useBackend("cpu");
 * const config = resolveClassifierConfig({ imageSize: 8, channels: [2, 4], featureWidth: 6 });
 * const classifier = new Classifier(config, { rng: createRng(0) });
 * const { logits, features } = classifier.apply(tf.zeros([2, 8, 8]) as tf.Tensor3D);
 * assert.deepEqual([logits.shape, features.shape], [[2, 10], [2, 6]]);
 * classifier.dispose();
 * ```
 */
export class Classifier {
  /** The resolved configuration. */
  readonly config: ClassifierConfig;
  readonly #params: ParameterStore;

  /**
   * Creates the model's variables.
   *
   * @param config A configuration from {@linkcode resolveClassifierConfig}.
   * @param source `{ rng }` for He-normal weights and zero biases, or `{ weights }` to copy named
   * tensors.
   * @throws {TypeError} If given weights miss a name, have an extra one, or a wrong shape.
   */
  constructor(config: ClassifierConfig, source: ClassifierSource) {
    this.config = config;
    const specs = classifierSpecs(config);
    const weights = "rng" in source ? heWeights(specs, source.rng) : source.weights;
    try {
      this.#params = ParameterStore.fromWeights(specs, weights);
    } finally {
      if ("rng" in source) tf.dispose(Object.values(weights));
    }
  }

  /**
   * Classifies images, in batches.
   *
   * @param images Grey images, float32 `[N, S, S]`, pixels in [0, 1].
   * @param options Batch size and the pixel-range check.
   * @returns Logits float32 `[N, C]` and features float32 `[N, D]`; the caller disposes them.
   * @throws {TypeError} If `images` is not float32 `[N, S, S]`.
   * @throws {RangeError} If a pixel lies outside [0, 1], or `batch` is not a positive integer.
   */
  apply(images: tf.Tensor3D, options: ClassifierApplyOptions = {}): ClassifierOutput {
    const { batch = 500, validateRange = true } = options;
    const action = "apply the classifier";
    checkInteger(action, "batch", batch, 1);
    checkImages(action, images, this.config.imageSize, validateRange);
    const [logits, features] = tf.tidy(() => {
      const parts: [tf.Tensor, tf.Tensor][] = [];
      for (let start = 0; start < images.shape[0]; start += batch) {
        const size = Math.min(batch, images.shape[0] - start);
        parts.push(tf.tidy(() => {
          const { logits, features } = this.#forward(tf.slice(images, [start, 0, 0], [size, -1, -1]));
          return [logits, features];
        }));
      }
      return [tf.concat(parts.map((p) => p[0])), tf.concat(parts.map((p) => p[1]))];
    });
    return { logits: logits as tf.Tensor2D, features: features as tf.Tensor2D };
  }

  #forward(images: tf.Tensor): ClassifierOutput {
    const p = (name: string) => this.#params.get(name);
    const { imageSize: s } = this.config;
    const block = (x: tf.Tensor4D, name: string) =>
      maxPool2(tf.relu(tf.add(conv2dSame(x, p(`${name}.weight`) as tf.Tensor4D), p(`${name}.bias`))));
    const x = tf.reshape(images, [-1, s, s, 1]) as tf.Tensor4D;
    const h = block(block(x, "conv1"), "conv2");
    const flat = tf.reshape(h, [h.shape[0], -1]);
    const features = tf.relu(linear(flat, p("fc.weight"), p("fc.bias"))) as tf.Tensor2D;
    const logits = linear(features, p("head.weight"), p("head.bias")) as tf.Tensor2D;
    return { logits, features };
  }

  /**
   * The mean softmax cross-entropy of a batch, for training.
   *
   * @param images Grey images, float32 `[B, S, S]` (not checked).
   * @param labels Class ids, int32 `[B]` (not checked).
   * @returns A float32 scalar.
   */
  loss(images: tf.Tensor3D, labels: tf.Tensor1D): tf.Scalar {
    return tf.tidy(() => {
      const { logits } = this.#forward(images);
      const logProbs = tf.logSoftmax(logits);
      return tf.neg(tf.mean(tf.sum(tf.mul(oneHot(labels, this.config.numClasses), logProbs), 1)));
    });
  }

  /**
   * The fraction of images whose argmax class is their label.
   *
   * @param images Grey images, float32 `[N, S, S]`, pixels in [0, 1].
   * @param labels Class ids, int32 `[N]`.
   * @param options Batch size.
   * @returns The accuracy in [0, 1].
   * @throws {TypeError} If a shape or dtype is wrong.
   */
  async accuracy(
    images: tf.Tensor3D,
    labels: tf.Tensor1D,
    options: { readonly batch?: number } = {},
  ): Promise<number> {
    checkShape("measure accuracy", "labels", labels.shape, [images.shape[0]]);
    checkDtype("measure accuracy", "labels", labels.dtype, "int32");
    const { logits, features } = this.apply(images, options);
    const correct = tf.tidy(() => tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), labels), "float32")));
    const [count] = await correct.data();
    tf.dispose([logits, features, correct]);
    return count / images.shape[0];
  }

  /**
   * The variables an optimiser updates.
   *
   * @returns Every trainable variable, in parameter order.
   */
  trainableVariables(): tf.Variable[] {
    return this.#params.trainable();
  }

  /**
   * Every parameter by name, for checkpoints. The variables are the model's own: do not dispose
   * them.
   *
   * @returns The variables keyed by name.
   */
  namedWeights(): Record<string, tf.Variable> {
    return this.#params.named();
  }

  /** Disposes the model's variables. */
  dispose(): void {
    this.#params.dispose();
  }
}
