/**
 * The paper's image metrics for a class-conditional generator, on the features and posteriors
 * of a trained classifier: FID against held-out real images, IS, precision, recall, density and
 * coverage (k = 3), and the class accuracy of the samples.
 *
 * @module
 */
import * as tf from "../backend/tf.ts";
import type { Classifier } from "../models/classifier.ts";
import {
  classAccuracy,
  type FeatureStatistics,
  featureStatistics,
  frechetDistance,
  inceptionScore,
  precisionRecallDensityCoverage,
} from "../metrics/mod.ts";
import type { Rng } from "../rng/mod.ts";

/** The metrics of one set of generated images. */
export interface ImageMetrics {
  /** Fréchet distance between the classifier features of the samples and of the real images. */
  readonly fid: number;
  /** Inception Score from the classifier's posteriors (mean over 10 splits of shuffled rows). */
  readonly inception_score: number;
  /** Fidelity: the fraction of samples inside some real image's k-NN ball. */
  readonly precision: number;
  /** Diversity: the fraction of real images inside some sample's k-NN ball. */
  readonly recall: number;
  /** Real balls containing each sample, divided by k and averaged. */
  readonly density: number;
  /** The fraction of real balls containing at least one sample. */
  readonly coverage: number;
  /** The fraction of samples the classifier assigns to the class they were generated for. */
  readonly class_accuracy: number;
}

/**
 * Scores generated images against a fixed set of real images, whose features are computed once.
 *
 * @example Real images scored against themselves
 * ```ts
 * import assert from "node:assert";
 * import { Classifier, createRng, ImageEvaluator, tf, useBackend } from "@dimo/dimo";
 * await useBackend("cpu");
 * const classifier = new Classifier({ imageSize: 8, numClasses: 2, channels: [2, 2], featureWidth: 4 }, { rng: createRng(0) });
 * const real = tf.randomUniform([12, 8, 8], 0, 1, "float32", 1) as tf.Tensor3D;
 * const evaluator = await ImageEvaluator.create(classifier, real, { rng: createRng(2) });
 * const labels = tf.tensor1d(Array(12).fill(0), "int32");
 * const metrics = await evaluator.evaluate(real, labels);
 * assert.ok(Math.abs(metrics.fid) < 1e-3 && metrics.precision === 1 && metrics.coverage === 1);
 * evaluator.dispose();
 * classifier.dispose();
 * ```
 */
export class ImageEvaluator {
  readonly #classifier: Classifier;
  readonly #realFeatures: tf.Tensor2D;
  readonly #realStatistics: FeatureStatistics;
  readonly #rng: Rng;

  private constructor(
    classifier: Classifier,
    features: tf.Tensor2D,
    statistics: FeatureStatistics,
    rng: Rng,
  ) {
    [this.#classifier, this.#realFeatures, this.#realStatistics, this.#rng] = [
      classifier,
      features,
      statistics,
      rng,
    ];
  }

  /**
   * Computes the real images' features and their statistics.
   *
   * @param classifier The feature network; borrowed.
   * @param real Held-out real images, float32 `[N, S, S]` in [0, 1].
   * @param options The `rng` that shuffles rows before the IS splits.
   * @returns The evaluator; call `dispose()` when done.
   */
  static async create(
    classifier: Classifier,
    real: tf.Tensor3D,
    options: { rng: Rng },
  ): Promise<ImageEvaluator> {
    const { logits, features } = classifier.apply(real);
    logits.dispose();
    const statistics = await featureStatistics(features);
    return new ImageEvaluator(classifier, features, statistics, options.rng);
  }

  /**
   * Scores images generated for the given classes.
   *
   * @param images Samples, float32 `[M, S, S]` in [0, 1].
   * @param labels The class each was generated for, int32 `[M]`.
   * @returns The {@linkcode ImageMetrics}.
   */
  async evaluate(images: tf.Tensor3D, labels: tf.Tensor1D): Promise<ImageMetrics> {
    const { logits, features } = this.#classifier.apply(images);
    const [probs, predicted] = tf.tidy(
      () => [tf.softmax(logits) as tf.Tensor2D, tf.cast(tf.argMax(logits, 1), "int32")],
    );
    try {
      const fid = frechetDistance(this.#realStatistics, await featureStatistics(features));
      const is = await inceptionScore(probs, { rng: this.#rng });
      const prdc = await precisionRecallDensityCoverage(this.#realFeatures, features, { k: 3 });
      const accuracy = await classAccuracy(labels, predicted as tf.Tensor1D);
      return { fid, inception_score: is.mean, ...prdc, class_accuracy: accuracy };
    } finally {
      tf.dispose([logits, features, probs, predicted]);
    }
  }

  /** Frees the real features. */
  dispose(): void {
    this.#realFeatures.dispose();
  }
}
