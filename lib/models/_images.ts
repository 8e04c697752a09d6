/**
 * The check every classifier entry point runs on its images.
 *
 * @module
 */
import type * as tf from "../backend/tf.ts";
import { valueRange } from "../backend/check.ts";
import { checkDtype, checkShape, errorMessage } from "../validate/mod.ts";

/**
 * Checks images for a classifier: float32 `[N, S, S]`, and, unless told not to, pixels in [0, 1]
 * (bytes in 0..255 are the usual mistake).
 */
export function checkImages(
  action: string,
  images: tf.Tensor,
  imageSize: number,
  validateRange: boolean,
): void {
  checkShape(action, "images", images.shape, [-1, imageSize, imageSize]);
  checkDtype(action, "images", images.dtype, "float32");
  if (images.shape[0] === 0) throw new RangeError(errorMessage(action, "images", "at least one image", "[]"));
  const range = validateRange ? valueRange(images) : undefined;
  if (range === undefined) return;
  const [low, high] = range;
  if (!(low >= 0 && high <= 1)) {
    throw new RangeError(errorMessage(action, "images", "pixels in [0, 1]", `[${low}, ${high}]`));
  }
}
