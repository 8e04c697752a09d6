/**
 * Class accuracy of a class-conditional generator: how often the classifier sees the class that
 * was asked for. Not one of the paper's metrics; it catches a generator that ignores its label.
 *
 * @module
 */
import * as tf from "../backend/tf.ts";
import { checkDtype, checkShape, errorMessage } from "../validate/mod.ts";

/**
 * The fraction of samples whose predicted class equals the requested one.
 *
 * @param requested The labels the generator was given, int32 `[N]`.
 * @param predicted The classifier's classes for the generated images (argmax of its logits),
 * int32 `[N]`.
 * @returns The accuracy in [0, 1].
 * @throws {TypeError} If a tensor is not int32 `[N]` or the lengths differ.
 * @throws {RangeError} If N is 0.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { classAccuracy, tf, useBackend } from "@dimo/dimo";
 * await useBackend("cpu");
 * const requested = tf.tensor1d([0, 1, 2, 3], "int32");
 * const predicted = tf.tensor1d([0, 1, 2, 0], "int32");
 * assert.equal(await classAccuracy(requested, predicted), 0.75);
 * ```
 */
export async function classAccuracy(requested: tf.Tensor1D, predicted: tf.Tensor1D): Promise<number> {
  const action = "compute class accuracy";
  checkShape(action, "requested", requested.shape, [-1]);
  checkDtype(action, "requested", requested.dtype, "int32");
  checkShape(action, "predicted", predicted.shape, [requested.shape[0]]);
  checkDtype(action, "predicted", predicted.dtype, "int32");
  if (requested.size === 0) throw new RangeError(errorMessage(action, "requested", "non-empty", "[]"));
  const hits = tf.tidy(() => tf.sum(tf.cast(tf.equal(requested, predicted), "float32")));
  const [count] = await hits.data();
  hits.dispose();
  return count / requested.size;
}
