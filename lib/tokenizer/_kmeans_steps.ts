/**
 * The plain-JS steps of k-means around the tf assignment: sampling patches, seeding centres and
 * ordering the final codes.
 *
 * @module
 */
import type * as tf from "../backend/tf.ts";
import type { Rng } from "../rng/mod.ts";

/**
 * Draws `sample` distinct patches of the images uniformly (all of them, in order, when there are
 * no more than `sample`), each flattened row-major (row, column, channel).
 *
 * @returns float32 `sample · p² · C` values.
 */
export async function samplePatchVectors(
  images: tf.Tensor3D | tf.Tensor4D,
  patch: number,
  sample: number,
  rng: Rng,
): Promise<Float32Array> {
  const [n, height, width, channels = 1] = images.shape;
  const [rows, cols, dim, rowLength] = [
    height / patch,
    width / patch,
    patch * patch * channels,
    patch * channels,
  ];
  const total = n * rows * cols;
  const pixels = await images.data();
  // A partial Fisher–Yates shuffle of the patch indices draws without replacement.
  const order = Int32Array.from({ length: total }, (_, i) => i);
  const count = Math.min(sample, total);
  if (count < total) {
    for (let i = 0; i < count; i++) {
      const j = i + rng.int(total - i);
      [order[i], order[j]] = [order[j], order[i]];
    }
  }
  const points = new Float32Array(count * dim);
  for (let s = 0; s < count; s++) {
    const index = order[s];
    const image = Math.floor(index / (rows * cols));
    const row = Math.floor(index / cols) % rows;
    const col = index % cols;
    for (let y = 0; y < patch; y++) {
      const from = ((image * height + row * patch + y) * width + col * patch) * channels;
      points.set(pixels.subarray(from, from + rowLength), s * dim + y * rowLength);
    }
  }
  return points;
}

/** Squared Euclidean distance between point `i` and centre `c`. */
function squaredDistance(
  points: Float32Array,
  i: number,
  centers: Float32Array,
  c: number,
  dim: number,
): number {
  let d = 0;
  for (let j = 0; j < dim; j++) {
    const diff = points[i * dim + j] - centers[c * dim + j];
    d += diff * diff;
  }
  return d;
}

/**
 * k-means++ seeding (Arthur & Vassilvitskii, 2007): the first centre is a uniform patch, each
 * next one a patch drawn with probability ∝ its squared distance to the nearest centre so far
 * (uniformly once every patch coincides with a centre).
 *
 * @returns float32 `k · dim` centres.
 */
export function kMeansPlusPlus(points: Float32Array, dim: number, k: number, rng: Rng): Float32Array {
  const count = points.length / dim;
  const centers = new Float32Array(k * dim);
  const nearest = new Float64Array(count).fill(Infinity);
  let total = Infinity;
  for (let c = 0; c < k; c++) {
    const chosen = total > 0 && total < Infinity ? drawProportional(nearest, total, rng) : rng.int(count);
    centers.set(points.subarray(chosen * dim, (chosen + 1) * dim), c * dim);
    total = 0;
    for (let i = 0; i < count; i++) {
      nearest[i] = Math.min(nearest[i], squaredDistance(points, i, centers, c, dim));
      total += nearest[i];
    }
  }
  return centers;
}

/** Draws an index with probability `weights[i] / total`. */
function drawProportional(weights: Float64Array, total: number, rng: Rng): number {
  let u = rng.next() * total;
  for (let i = 0; i < weights.length; i++) {
    u -= weights[i];
    if (u < 0) return i;
  }
  // Rounding can leave u ≥ 0 after the last weight: take the last index with weight.
  return weights.findLastIndex((w) => w > 0);
}

/** k distinct patches drawn uniformly as the initial centres. */
export function randomCenters(points: Float32Array, dim: number, k: number, rng: Rng): Float32Array {
  const count = points.length / dim;
  const order = Int32Array.from({ length: count }, (_, i) => i);
  const centers = new Float32Array(k * dim);
  for (let c = 0; c < k; c++) {
    const j = c + rng.int(count - c);
    [order[c], order[j]] = [order[j], order[c]];
    centers.set(points.subarray(order[c] * dim, (order[c] + 1) * dim), c * dim);
  }
  return centers;
}

/** The centres sorted by mean value, darkest first (stable, so equal means keep their order). */
export function orderByMeanIntensity(centers: Float32Array, dim: number): Float32Array {
  const k = centers.length / dim;
  const mean = (c: number) => centers.subarray(c * dim, (c + 1) * dim).reduce((a, b) => a + b, 0) / dim;
  const means = Array.from({ length: k }, (_, c) => mean(c));
  const order = [...means.keys()].sort((a, b) => means[a] - means[b]);
  const sorted = new Float32Array(centers.length);
  order.forEach((c, r) => sorted.set(centers.subarray(c * dim, (c + 1) * dim), r * dim));
  return sorted;
}
