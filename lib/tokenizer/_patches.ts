/**
 * Patch layout and nearest-code search shared by the tokenizer and its k-means training.
 *
 * An image `[H, W]` (one channel) or `[H, W, C]` is cut into a `(H/p) × (W/p)` grid of `p × p`
 * patches, read in raster order (row of patches by row of patches), each patch flattened
 * row-major to `p · p · C` values (row, column, channel): token i of an image is grid cell
 * (⌊i / (W/p)⌋, i mod (W/p)).
 *
 * @module
 */
import * as tf from "../backend/tf.ts";
import { matMul } from "../backend/ops.ts";

/**
 * Cuts images into patch vectors: `[N, H, W]` or `[N, H, W, C]` → `[N · (H/p) · (W/p), p² · C]`.
 * Call inside a tidy.
 */
export function toPatches(images: tf.Tensor3D | tf.Tensor4D, patch: number): tf.Tensor2D {
  const [n, height, width, channels = 1] = images.shape;
  const [rows, cols] = [height / patch, width / patch];
  // A patch row's p pixels of C channels are adjacent, so colour needs no extra axis.
  const grid = tf.reshape(images, [n, rows, patch, cols, patch * channels]);
  return tf.reshape(tf.transpose(grid, [0, 1, 3, 2, 4]), [n * rows * cols, patch * patch * channels]);
}

/**
 * Pastes patch vectors back into images: the inverse of {@linkcode toPatches}, `[N, H, W]` for one
 * channel, `[N, H, W, C]` for more. Call inside a tidy.
 */
export function fromPatches(
  patches: tf.Tensor2D,
  height: number,
  width: number,
  patch: number,
  channels: number,
): tf.Tensor3D | tf.Tensor4D {
  const [rows, cols] = [height / patch, width / patch];
  const n = patches.shape[0] / (rows * cols);
  const grid = tf.transpose(tf.reshape(patches, [n, rows, cols, patch, patch * channels]), [0, 1, 3, 2, 4]);
  if (channels === 1) return tf.reshape(grid, [n, height, width]) as tf.Tensor3D;
  return tf.reshape(grid, [n, height, width, channels]) as tf.Tensor4D;
}

/** The codebook in the form the distance needs: its transpose `[D, K]` and squared norms `[1, K]`. */
export interface CodebookTerms {
  readonly codebookT: tf.Tensor2D;
  readonly codeNorms: tf.Tensor2D;
}

/** Computes {@linkcode CodebookTerms} of a codebook `[K, D]`. Call inside a tidy. */
export function codebookTerms(codebook: tf.Tensor2D): CodebookTerms {
  return {
    codebookT: tf.transpose(codebook),
    codeNorms: tf.reshape(tf.sum(tf.square(codebook), 1), [1, codebook.shape[0]]),
  };
}

/**
 * ‖c‖² − 2 x·c for every patch x `[B, D]` and code c: the squared distance less ‖x‖², which is the
 * same for every code of a row and so does not change which code is nearest. Call inside a tidy.
 */
export function shiftedDistances(patches: tf.Tensor2D, terms: CodebookTerms): tf.Tensor2D {
  return tf.sub(terms.codeNorms, tf.mul(matMul(patches, terms.codebookT), 2)) as tf.Tensor2D;
}

/** The nearest code of each patch, int32 `[B]`. Call inside a tidy. */
export function nearestCodes(patches: tf.Tensor2D, terms: CodebookTerms): tf.Tensor1D {
  return tf.argMin(shiftedDistances(patches, terms), 1);
}

/** The nearest code of each patch and its squared distance (float32 `[B]`, ≥ 0). Call inside a tidy. */
export function nearestCodesWithDistances(
  patches: tf.Tensor2D,
  terms: CodebookTerms,
): { codes: tf.Tensor1D; distances: tf.Tensor1D } {
  const shifted = shiftedDistances(patches, terms);
  const patchNorms = tf.sum(tf.square(patches), 1);
  // Float32 cancellation can leave a tiny negative distance for a patch equal to its code.
  const distances = tf.relu(tf.add(tf.min(shifted, 1), patchNorms)) as tf.Tensor1D;
  return { codes: tf.argMin(shifted, 1), distances };
}
