/**
 * Training a {@linkcode PatchTokenizer}: k-means over image patches (Lloyd's algorithm), the
 * simplest vector quantiser, standing in for the VQGAN encoder of MaskGIT's ImageNet models.
 *
 * @module
 */
import * as tf from "../backend/tf.ts";
import type { Rng } from "../rng/mod.ts";
import { checkDtype, checkInteger, checkOneOf, errorMessage } from "../validate/mod.ts";
import { codebookTerms, nearestCodesWithDistances } from "./_patches.ts";
import { PatchTokenizer, type TokenizerImages } from "./patch_tokenizer.ts";
import { kMeansPlusPlus, orderByMeanIntensity, randomCenters, samplePatchVectors } from "./_kmeans_steps.ts";

/** How the k-means centres start. */
export type KMeansInit = "kmeans++" | "random";

/** One Lloyd iteration of {@linkcode trainKMeansTokenizer}. */
export interface KMeansIterationReport {
  /** 1-based iteration number. */
  readonly iteration: number;
  /** Mean squared distance of a patch to its nearest centre, before this iteration's update. */
  readonly inertia: number;
  /** Patches whose nearest centre changed since the last iteration (all of them at the first). */
  readonly changed: number;
  /** Empty clusters moved onto the worst-fitted patches. */
  readonly reseeded: number;
}

/** Options of {@linkcode trainKMeansTokenizer}. */
export interface KMeansTokenizerOptions {
  /** Draws the patch sample and the initial centres. */
  readonly rng: Rng;
  /** K, the number of codes. @default {512} */
  readonly codebookSize?: number;
  /** Patch side p in pixels; it must divide the image sides. @default {4} */
  readonly patch?: number;
  /** Most Lloyd iterations; training stops early once no assignment changes. @default {15} */
  readonly iterations?: number;
  /** Patches drawn without replacement to fit on (all patches when there are fewer). @default {200000} */
  readonly samplePatches?: number;
  /** Centre initialisation: k-means++ (D² sampling) or K distinct sampled patches. @default {"kmeans++"} */
  readonly init?: KMeansInit;
  /** Called after each iteration, for progress and convergence logs. @default {undefined} */
  readonly onIteration?: (report: KMeansIterationReport) => void;
}

/** Patches assigned per tf call: 8192 × 512 distances are 16 MB. */
const ASSIGN_BATCH = 8192;

/**
 * Trains a patch tokenizer by k-means on a sample of the images' patches.
 *
 * Each Lloyd iteration assigns every sampled patch to its nearest centre with tf ops in batches
 * (‖x‖² − 2x·c + ‖c‖² through `matMul`), then moves each centre to the mean of its patches
 * (summed in float64). A centre left without patches is moved onto the patch farthest from its
 * centre, so all K codes stay in use. The codes are finally ordered by mean intensity (token 0 is
 * the darkest, the background of MNIST), which makes the token ids independent of the random
 * initialisation order. Colour images `[N, H, W, C]` give a tokenizer of C channels, whose codes
 * are ordered by their mean over all channels.
 *
 * @param images float32 `[N, H, W]` (one channel) or `[N, H, W, C]`, values in [0, 1], H and W
 *   multiples of `patch`.
 * @param options The `rng`, codebook size, patch side, iterations, sample size and initialisation.
 * @returns The trained tokenizer; the caller disposes it.
 * @throws {TypeError} If `images` is not float32 `[N, H, W]` or `[N, H, W, C]` with N ≥ 1.
 * @throws {RangeError} If an option is out of range, or there are fewer patches than codes.
 *
 * @example Two clusters of 1×1 patches
 * ```ts
 * import assert from "node:assert";
 * import { createRng, tf, trainKMeansTokenizer, useBackend } from "@dimo/dimo";
 * await useBackend("cpu");
 * const images = tf.tensor3d([[[0, 0.1, 0.9, 1]], [[0.05, 1, 0.95, 0]]]);
 * const tokenizer = await trainKMeansTokenizer(images, { codebookSize: 2, patch: 1, rng: createRng(0) });
 * const codes = Array.from(await tokenizer.codebook.data());
 * assert.ok(Math.abs(codes[0] - 0.0375) < 1e-6 && Math.abs(codes[1] - 0.9625) < 1e-6);
 * images.dispose();
 * tokenizer.dispose();
 * ```
 *
 * @example Two colours of 1×1 RGB patches
 * ```ts
 * import assert from "node:assert";
 * import { createRng, tf, trainKMeansTokenizer, useBackend } from "@dimo/dimo";
 * await useBackend("cpu");
 * const images = tf.tensor4d([[[[1, 0, 0], [0.9, 0, 0.1], [0, 0, 0.5], [0.1, 0, 0.4]]]]);
 * const tokenizer = await trainKMeansTokenizer(images, { codebookSize: 2, patch: 1, rng: createRng(0) });
 * assert.equal(tokenizer.config.channels, 3);
 * // The dark blue code (mean 1/6) comes before the red one (mean 1/3).
 * const codes = Array.from(await tokenizer.codebook.data());
 * assert.deepEqual(codes.map((v) => Math.round(v * 100) / 100), [0.05, 0, 0.45, 0.95, 0, 0.05]);
 * images.dispose();
 * tokenizer.dispose();
 * ```
 */
export async function trainKMeansTokenizer<Images extends TokenizerImages>(
  images: Images,
  options: KMeansTokenizerOptions,
): Promise<PatchTokenizer<Images>> {
  const { rng, codebookSize, patch, iterations, samplePatches, init, onIteration } = resolveOptions(
    images,
    options,
  );
  const [, height, width, channels = 1] = images.shape;
  const dim = patch * patch * channels;
  const points = await samplePatchVectors(images, patch, samplePatches, rng);
  const centers = init === "kmeans++"
    ? kMeansPlusPlus(points, dim, codebookSize, rng)
    : randomCenters(points, dim, codebookSize, rng);
  const x = tf.tensor2d(points, [points.length / dim, dim]);
  try {
    let previous: Int32Array | undefined;
    for (let iteration = 1; iteration <= iterations; iteration++) {
      const { codes, distances } = await assign(x, centers, codebookSize);
      const changed = countChanged(previous, codes);
      const reseeded = updateCenters(points, codes, distances, centers, dim);
      const inertia = distances.reduce((a, b) => a + b, 0) / codes.length;
      onIteration?.({ iteration, inertia, changed, reseeded });
      if (changed === 0 && reseeded === 0) break;
      previous = codes;
    }
  } finally {
    x.dispose();
  }
  const codebook = tf.tensor2d(orderByMeanIntensity(centers, dim), [codebookSize, dim]);
  try {
    return new PatchTokenizer<Images>(codebook, { height, width, patch, channels });
  } finally {
    codebook.dispose();
  }
}

/** Options with their defaults filled in. */
type ResolvedOptions =
  & Required<Omit<KMeansTokenizerOptions, "onIteration">>
  & Pick<KMeansTokenizerOptions, "onIteration">;

/** Fills in the defaults and checks images and options, before any work. */
function resolveOptions(
  images: TokenizerImages,
  options: KMeansTokenizerOptions,
): ResolvedOptions {
  const {
    rng,
    codebookSize = 512,
    patch = 4,
    iterations = 15,
    samplePatches = 200_000,
    init = "kmeans++",
    onIteration,
  } = options;
  const action = "train a k-means tokenizer";
  if (images.rank !== 3 && images.rank !== 4) {
    throw new TypeError(errorMessage(action, "images", "of shape [N, H, W] or [N, H, W, C]", images.shape));
  }
  checkDtype(action, "images", images.dtype, "float32");
  const [n, height, width] = images.shape;
  if (n === 0) throw new TypeError(errorMessage(action, "images", "at least one image", images.shape));
  checkInteger(action, "patch", patch, 1);
  for (const [field, size] of [["height", height], ["width", width]] as const) {
    if (size % patch !== 0) {
      throw new RangeError(errorMessage(action, `images ${field}`, `a multiple of patch (${patch})`, size));
    }
  }
  checkInteger(action, "codebookSize", codebookSize, 1);
  checkInteger(action, "iterations", iterations, 0);
  checkInteger(action, "samplePatches", samplePatches, codebookSize);
  checkOneOf(action, "init", init, ["kmeans++", "random"] as const);
  if (typeof rng?.int !== "function") throw new TypeError(errorMessage(action, "rng", "an Rng", rng));
  const available = (n * height * width) / (patch * patch);
  if (available < codebookSize) {
    throw new RangeError(
      errorMessage(action, "codebookSize", `at most the ${available} patches`, codebookSize),
    );
  }
  return { rng, codebookSize, patch, iterations, samplePatches, init, onIteration };
}

/** How many assignments differ from the previous iteration's (all of them at the first). */
function countChanged(previous: Int32Array | undefined, codes: Int32Array): number {
  if (previous === undefined) return codes.length;
  let changed = 0;
  for (let i = 0; i < codes.length; i++) if (codes[i] !== previous[i]) changed++;
  return changed;
}

/** The nearest centre of every patch and its squared distance, in batches of tf work. */
async function assign(
  x: tf.Tensor2D,
  centers: Float32Array,
  k: number,
): Promise<{ codes: Int32Array; distances: Float64Array }> {
  const [count, dim] = x.shape;
  const codes = new Int32Array(count);
  const distances = new Float64Array(count);
  const centerTensor = tf.tensor2d(centers, [k, dim]);
  const terms = tf.tidy(() => ({ ...codebookTerms(centerTensor) }));
  try {
    for (let start = 0; start < count; start += ASSIGN_BATCH) {
      const size = Math.min(ASSIGN_BATCH, count - start);
      const result = tf.tidy(() => ({
        ...nearestCodesWithDistances(tf.slice(x, [start, 0], [size, dim]), terms),
      }));
      const [c, d] = await Promise.all([result.codes.data(), result.distances.data()]);
      tf.dispose([result.codes, result.distances]);
      codes.set(c, start);
      distances.set(d, start);
    }
  } finally {
    tf.dispose([centerTensor, terms.codebookT, terms.codeNorms]);
  }
  return { codes, distances };
}

/**
 * Moves each centre to the mean of its patches, in place; an empty cluster's centre moves onto
 * the patch with the largest distance not yet used. Returns the number of empty clusters.
 */
function updateCenters(
  points: Float32Array,
  codes: Int32Array,
  distances: Float64Array,
  centers: Float32Array,
  dim: number,
): number {
  const k = centers.length / dim;
  const sums = new Float64Array(k * dim);
  const counts = new Float64Array(k);
  codes.forEach((c, i) => {
    counts[c]++;
    for (let j = 0; j < dim; j++) sums[c * dim + j] += points[i * dim + j];
  });
  const empty = [...counts.keys()].filter((c) => counts[c] === 0);
  const worst = empty.length === 0 ? [] : [...distances.keys()].sort((a, b) => distances[b] - distances[a]);
  empty.forEach((c, r) => centers.set(points.subarray(worst[r] * dim, (worst[r] + 1) * dim), c * dim));
  for (let c = 0; c < k; c++) {
    if (counts[c] === 0) continue;
    for (let j = 0; j < dim; j++) centers[c * dim + j] = sums[c * dim + j] / counts[c];
  }
  return empty.length;
}
