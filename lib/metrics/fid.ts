/**
 * The Fréchet distance between Gaussians fitted to two sets of features (FID when the features
 * are a classifier's penultimate activations; Heusel et al. 2017).
 *
 * @module
 */
import type * as tf from "../backend/tf.ts";
import { errorMessage } from "../validate/mod.ts";
import { checkMatrix, checkSameWidth, readFinite } from "./_features.ts";
import { traceSqrtProduct } from "./_linalg.ts";

/** The mean and covariance of a set of features, in float64. */
export interface FeatureStatistics {
  /** N: the number of feature vectors. */
  readonly count: number;
  /** D: their width. */
  readonly width: number;
  /** μ, `[D]`. */
  readonly mean: Float64Array;
  /** Σ, `[D, D]` row-major: the unbiased (N − 1) covariance, as `numpy.cov`. */
  readonly covariance: Float64Array;
}

/**
 * Fits a Gaussian to features: mean and unbiased covariance, accumulated in float64 from the
 * float32 values. Compute the reference set's statistics once and reuse them.
 *
 * @param features float32 `[N, D]`, N ≥ 2, all finite.
 * @returns μ and Σ.
 * @throws {TypeError} If `features` is not float32 `[N, D]`.
 * @throws {RangeError} If N < 2 or a value is not finite.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { featureStatistics, tf, useBackend } from "@dimo/dimo";
 * await useBackend("cpu");
 * const stats = await featureStatistics(tf.tensor2d([[0, 1], [2, 1]]));
 * assert.deepEqual(Array.from(stats.mean), [1, 1]);
 * assert.deepEqual(Array.from(stats.covariance), [2, 0, 0, 0]);
 * ```
 */
export async function featureStatistics(features: tf.Tensor2D): Promise<FeatureStatistics> {
  const action = "fit feature statistics";
  checkMatrix(action, "features", features, 2);
  return statistics(await readFinite(action, "features", features), features.shape[1]);
}

/** Mean and unbiased covariance of `values` read as rows of `width`, in float64. */
function statistics(values: Float32Array, width: number): FeatureStatistics {
  const count = values.length / width;
  const mean = new Float64Array(width);
  for (let n = 0; n < count; n++) {
    for (let i = 0; i < width; i++) mean[i] += values[n * width + i];
  }
  mean.forEach((v, i) => (mean[i] = v / count));
  const covariance = new Float64Array(width * width);
  const centred = new Float64Array(width);
  for (let n = 0; n < count; n++) {
    for (let i = 0; i < width; i++) centred[i] = values[n * width + i] - mean[i];
    for (let i = 0; i < width; i++) {
      const ci = centred[i];
      const row = i * width;
      for (let j = i; j < width; j++) covariance[row + j] += ci * centred[j];
    }
  }
  for (let i = 0; i < width; i++) {
    for (let j = i; j < width; j++) {
      covariance[i * width + j] /= count - 1;
      covariance[j * width + i] = covariance[i * width + j];
    }
  }
  return { count, width, mean, covariance };
}

/**
 * The squared Fréchet (2-Wasserstein) distance between N(μ1, Σ1) and N(μ2, Σ2):
 * ‖μ1 − μ2‖² + tr(Σ1 + Σ2 − 2 (Σ1 Σ2)^{1/2}). The matrix square root's trace comes from two
 * symmetric eigendecompositions (ml-matrix) of Σ1 and √Σ1 Σ2 √Σ1, which has the eigenvalues of
 * Σ1 Σ2; this is the number `scipy.linalg.sqrtm` gives pytorch-fid, without its complex parts.
 *
 * @param a Statistics of one set, from {@linkcode featureStatistics} or known in closed form.
 * @param b Statistics of the other set, of the same width.
 * @returns The distance, ≥ 0 up to rounding.
 * @throws {TypeError} If the widths or array lengths disagree.
 * @throws {RangeError} If a value is not finite or a covariance is not positive semi-definite.
 *
 * @example Two Gaussians with commuting covariances
 * ```ts
 * import assert from "node:assert";
 * import { frechetDistance } from "@dimo/dimo";
 * const a = { count: 0, width: 2, mean: new Float64Array([0, 0]), covariance: new Float64Array([1, 0, 0, 1]) };
 * const b = { count: 0, width: 2, mean: new Float64Array([3, 0]), covariance: new Float64Array([4, 0, 0, 1]) };
 * // 9 + (1 + 4 − 2·2) + (1 + 1 − 2·1)
 * assert.ok(Math.abs(frechetDistance(a, b) - 10) < 1e-9);
 * ```
 */
export function frechetDistance(a: FeatureStatistics, b: FeatureStatistics): number {
  const action = "compute the Fréchet distance";
  for (const [field, stats] of [["a", a], ["b", b]] as const) {
    if (stats.mean.length !== stats.width || stats.covariance.length !== stats.width ** 2) {
      const rule = `a mean of length width and a width × width covariance`;
      throw new TypeError(
        errorMessage(action, field, rule, [stats.width, stats.mean.length, stats.covariance.length]),
      );
    }
    if (![...stats.mean, ...stats.covariance].every(Number.isFinite)) {
      throw new RangeError(errorMessage(action, field, "finite", "a non-finite mean or covariance"));
    }
  }
  if (a.width !== b.width) {
    throw new TypeError(errorMessage(action, "b.width", `${a.width} like 'a'`, b.width));
  }
  const d = a.width;
  let meanTerm = 0;
  let traces = 0;
  for (let i = 0; i < d; i++) {
    meanTerm += (a.mean[i] - b.mean[i]) ** 2;
    traces += a.covariance[i * d + i] + b.covariance[i * d + i];
  }
  const sigma1 = { size: d, values: a.covariance };
  const sigma2 = { size: d, values: b.covariance };
  return meanTerm + traces - 2 * traceSqrtProduct(sigma1, sigma2);
}

/**
 * FID: the Fréchet distance between Gaussians fitted to two feature sets, e.g. a classifier's
 * penultimate features of 10,000 generated and 10,000 test images. Symmetric in its arguments.
 *
 * @param featuresA float32 `[N, D]`, N ≥ 2, all finite.
 * @param featuresB float32 `[M, D]`, M ≥ 2, all finite.
 * @returns The distance (0 for identical sets, up to rounding).
 * @throws {TypeError} If a tensor is not float32 of rank 2 or the widths differ.
 * @throws {RangeError} If a set has fewer than 2 rows or a non-finite value.
 *
 * @example A shifted copy is as far as the shift
 * ```ts
 * import assert from "node:assert";
 * import { fid, tf, useBackend } from "@dimo/dimo";
 * await useBackend("cpu");
 * const a = tf.tensor2d([[0, 0], [1, 0], [0, 1], [1, 1]]);
 * const b = tf.add(a, tf.tensor1d([3, 4])) as tf.Tensor2D;
 * assert.ok(Math.abs((await fid(a, b)) - 25) < 1e-6);
 * ```
 */
export async function fid(featuresA: tf.Tensor2D, featuresB: tf.Tensor2D): Promise<number> {
  const action = "compute FID";
  checkMatrix(action, "featuresA", featuresA, 2);
  checkMatrix(action, "featuresB", featuresB, 2);
  checkSameWidth(action, ["featuresA", featuresA], ["featuresB", featuresB]);
  const width = featuresA.shape[1];
  const a = statistics(await readFinite(action, "featuresA", featuresA), width);
  const b = statistics(await readFinite(action, "featuresB", featuresB), width);
  return frechetDistance(a, b);
}
