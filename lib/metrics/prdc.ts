/**
 * Precision, recall, density and coverage of generated samples against real ones, from
 * k-nearest-neighbour balls in feature space (Naeem et al. 2020, "Reliable fidelity and
 * diversity metrics for generative models"; reference code `prdc/prdc.py` of
 * clovaai/generative-evaluation-prdc).
 *
 * @module
 */
import * as tf from "../backend/tf.ts";
import { matMul } from "../backend/ops.ts";
import { checkInteger } from "../validate/mod.ts";
import { checkMatrix, checkSameWidth, readFinite } from "./_features.ts";

/** Options of {@linkcode precisionRecallDensityCoverage}. */
export interface PrdcOptions {
  /** k: each point's ball reaches its k-th nearest neighbour in its own set. @default {3} */
  readonly k?: number;
  /** Rows of distances computed at once; bounds memory at `chunk` × max(N, M) floats. @default {1000} */
  readonly chunk?: number;
}

/** The four numbers of {@linkcode precisionRecallDensityCoverage}. */
export interface Prdc {
  /** The fraction of fake samples inside some real ball: fidelity. */
  readonly precision: number;
  /** The fraction of real samples inside some fake ball: diversity. */
  readonly recall: number;
  /** Real balls containing a fake sample, counted per fake sample, divided by k and averaged (≈ 1 when fake ~ real). */
  readonly density: number;
  /** The fraction of real balls that contain a fake sample. */
  readonly coverage: number;
}

/** Squared Euclidean distances ‖a_i − b_j‖², float32 `[n, m]`, from `bT` = bᵀ `[D, m]` and ‖b_j‖² `[m]`. */
function squaredDistances(a: tf.Tensor, bT: tf.Tensor, bNorms: tf.Tensor): tf.Tensor {
  const aNorms = tf.sum(tf.square(a), 1, true);
  // The expansion can round a tiny distance below 0.
  return tf.relu(tf.add(tf.sub(aNorms, tf.mul(matMul(a, bT), 2)), bNorms));
}

/**
 * d < r element-wise, with r broadcast along rows or columns. Written as d − r < 0 (the same test:
 * IEEE subtraction is 0 only for equal operands) because wasm compares broadcast tensors on a
 * slow generic path, about 20× slower than a broadcast subtraction and a comparison with a scalar.
 */
function isBelow(d: tf.Tensor, r: tf.Tensor): tf.Tensor {
  return tf.less(tf.sub(d, r), 0);
}

/** Rows `[start, start + size)` of a `[N, D]` tensor and the number of rows taken. */
function rowChunks(n: number, chunk: number): [number, number][] {
  return Array.from({ length: Math.ceil(n / chunk) }, (_, i) => [i * chunk, Math.min(chunk, n - i * chunk)]);
}

/** Squared distance from each row to its k-th nearest other row (the row itself comes first), `[N]`. */
async function kthNeighbourRadii(x: tf.Tensor2D, k: number, chunk: number): Promise<Float32Array> {
  const [bT, bNorms] = tf.tidy(() => [tf.transpose(x), tf.sum(tf.square(x), 1)]);
  const radii = new Float32Array(x.shape[0]);
  for (const [start, size] of rowChunks(x.shape[0], chunk)) {
    const kth = tf.tidy(() => {
      const d = squaredDistances(tf.slice(x, [start, 0], [size, -1]), bT, bNorms);
      const nearest = tf.topk(tf.neg(d), k + 1).values; // the k + 1 smallest, self included
      return tf.neg(tf.slice(nearest, [0, k], [size, 1]));
    });
    radii.set(await kth.data(), start);
    kth.dispose();
  }
  tf.dispose([bT, bNorms]);
  return radii;
}

/**
 * The counts behind the four metrics, from the real × fake squared distances in row chunks:
 * for each fake j, the number of real balls holding it; the number of real samples inside some
 * fake ball; and the number of real balls holding some fake sample.
 */
async function crossCounts(
  real: tf.Tensor2D,
  fake: tf.Tensor2D,
  realRadii: Float32Array,
  fakeRadii: Float32Array,
  chunk: number,
): Promise<{ ballsPerFake: Float64Array; recalled: number; covered: number }> {
  const m = fake.shape[0];
  const ballsPerFake = new Float64Array(m);
  let [recalled, covered] = [0, 0];
  const [fakeT, fakeNorms, s] = tf.tidy(() => [
    tf.transpose(fake),
    tf.sum(tf.square(fake), 1),
    tf.tensor2d(fakeRadii, [1, m]),
  ]);
  try {
    for (const [start, size] of rowChunks(real.shape[0], chunk)) {
      const [inBalls, inFakeBall, coversFake] = tf.tidy(() => {
        const d = squaredDistances(tf.slice(real, [start, 0], [size, -1]), fakeT, fakeNorms);
        const r = tf.tensor2d(realRadii.subarray(start, start + size), [size, 1]);
        return [
          tf.sum(tf.cast(isBelow(d, r), "float32"), 0),
          tf.sum(tf.cast(tf.any(isBelow(d, s), 1), "float32")),
          tf.sum(tf.cast(isBelow(tf.min(d, 1, true), r), "float32")),
        ];
      });
      const perFake = await inBalls.data();
      for (let j = 0; j < m; j++) ballsPerFake[j] += perFake[j];
      recalled += (await inFakeBall.data())[0];
      covered += (await coversFake.data())[0];
      tf.dispose([inBalls, inFakeBall, coversFake]);
    }
  } finally {
    tf.dispose([fakeT, fakeNorms, s]);
  }
  return { ballsPerFake, recalled, covered };
}

/**
 * Precision, recall, density and coverage with k-NN balls: real sample i owns the ball of radius
 * r_i, the distance to its k-th nearest real neighbour; fake sample j the ball of radius s_j within
 * the fake set. With d_ij = ‖real_i − fake_j‖ and strict `<`, as the reference code:
 *
 * - precision = (1/M) Σ_j 1[∃ i: d_ij < r_i]
 * - recall = (1/N) Σ_i 1[∃ j: d_ij < s_j]
 * - density = (1/kM) Σ_j Σ_i 1[d_ij < r_i]
 * - coverage = (1/N) Σ_i 1[min_j d_ij < r_i]
 *
 * Distances are float32 from ‖a‖² + ‖b‖² − 2a·b, computed in row chunks of the whole matrix
 * after centring both sets on the real mean (which keeps that expansion accurate), so N × M is
 * never held at once. Duplicate points make radii 0, and strict `<` then counts nothing inside
 * them (the reference behaves the same).
 *
 * @param real Real features, float32 `[N, D]`, N ≥ k + 1, all finite.
 * @param fake Generated features, float32 `[M, D]`, M ≥ k + 1, all finite.
 * @param options k and the chunk size.
 * @returns The four metrics.
 * @throws {TypeError} If a tensor is not float32 of rank 2 or the widths differ.
 * @throws {RangeError} If k or chunk is not a positive integer, a set has at most k rows, or a value is not finite.
 *
 * @example Identical sets
 * ```ts
 * import assert from "node:assert";
 * import { precisionRecallDensityCoverage, tf, useBackend } from "@dimo/dimo";
 * await useBackend("cpu");
 * const real = tf.tensor2d([[0, 0], [1, 0], [0, 2], [3, 3], [5, 1]]);
 * const prdc = await precisionRecallDensityCoverage(real, real, { k: 2 });
 * assert.deepEqual(prdc, { precision: 1, recall: 1, density: 1, coverage: 1 });
 * ```
 */
export async function precisionRecallDensityCoverage(
  real: tf.Tensor2D,
  fake: tf.Tensor2D,
  options: PrdcOptions = {},
): Promise<Prdc> {
  const { k = 3, chunk = 1000 } = options;
  const action = "compute precision, recall, density and coverage";
  checkInteger(action, "k", k, 1);
  checkInteger(action, "chunk", chunk, 1);
  checkMatrix(action, "real", real, k + 1);
  checkMatrix(action, "fake", fake, k + 1);
  checkSameWidth(action, ["real", real], ["fake", fake]);
  await readFinite(action, "real", real);
  await readFinite(action, "fake", fake);
  const [n, m] = [real.shape[0], fake.shape[0]];
  const [realC, fakeC] = tf.tidy(() => {
    const centre = tf.mean(real, 0);
    return [tf.sub(real, centre) as tf.Tensor2D, tf.sub(fake, centre) as tf.Tensor2D];
  });
  try {
    const realRadii = await kthNeighbourRadii(realC, k, chunk);
    const fakeRadii = await kthNeighbourRadii(fakeC, k, chunk);
    const { ballsPerFake, recalled, covered } = await crossCounts(realC, fakeC, realRadii, fakeRadii, chunk);
    return {
      precision: ballsPerFake.filter((c) => c > 0).length / m,
      recall: recalled / n,
      density: ballsPerFake.reduce((a, b) => a + b, 0) / (k * m),
      coverage: covered / n,
    };
  } finally {
    tf.dispose([realC, fakeC]);
  }
}
