/**
 * Checking and reading the feature and probability matrices the metrics take.
 *
 * @module
 */
import type * as tf from "../backend/tf.ts";
import { checkDtype, errorMessage } from "../validate/mod.ts";

/**
 * Checks that a tensor is float32 `[N, D]` with at least `minRows` rows.
 *
 * @throws {TypeError} If the tensor is not float32 of rank 2.
 * @throws {RangeError} If it has fewer than `minRows` rows.
 */
export function checkMatrix(action: string, field: string, tensor: tf.Tensor, minRows: number): void {
  if (tensor.rank !== 2) throw new TypeError(errorMessage(action, field, "of shape [N, D]", tensor.shape));
  checkDtype(action, field, tensor.dtype, "float32");
  if (tensor.shape[0] < minRows) {
    throw new RangeError(errorMessage(action, `${field}.shape[0]`, `at least ${minRows}`, tensor.shape[0]));
  }
}

/** Throws a `TypeError` unless the `[M, D]` tensor `field` has the width D of `[N, D]` `like`. */
export function checkSameWidth(action: string, like: [string, tf.Tensor], field: [string, tf.Tensor]): void {
  const [[likeName, a], [name, b]] = [like, field];
  if (a.shape[1] !== b.shape[1]) {
    throw new TypeError(errorMessage(action, name, `of width ${a.shape[1]} like '${likeName}'`, b.shape));
  }
}

/**
 * Reads a `[N, D]` tensor back as float32 values, checking that each is finite (a NaN feature
 * would otherwise turn into a plausible-looking score).
 *
 * @throws {RangeError} Naming the first non-finite value and its position.
 */
export async function readFinite(action: string, field: string, tensor: tf.Tensor): Promise<Float32Array> {
  // The cpu backend may hold an Int32Array under float32; the metrics want floats.
  const values = Float32Array.from(await tensor.data());
  const bad = values.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) {
    const width = tensor.shape[1] ?? 1;
    const at = `${values[bad]} at [${Math.floor(bad / width)}, ${bad % width}]`;
    throw new RangeError(errorMessage(action, field, "finite", at));
  }
  return values;
}
