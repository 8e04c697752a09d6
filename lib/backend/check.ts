/**
 * Checks on tensor values (as opposed to shapes): they read a tensor back, so call them at API
 * boundaries, not in inner loops.
 *
 * @module
 */
import * as tf from "./tf.ts";
import { errorMessage } from "../validate/mod.ts";

/**
 * Backends whose tensors cannot be read synchronously: tfjs-webgpu's `dataSync` draws through a
 * canvas, which Deno does not have.
 */
const ASYNC_READ_ONLY = new Set(["webgpu"]);

/**
 * The smallest and largest value of a non-empty tensor, read back synchronously; `undefined` on
 * a backend that can only read back asynchronously (webgpu), where value checks are skipped.
 *
 * @param t Any non-empty tensor.
 * @returns `[min, max]`, or `undefined` where a synchronous read is impossible.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { tf, useBackend } from "@dimo/dimo";
 * import { valueRange } from "@dimo/dimo/backend";
 * await useBackend("cpu");
 * assert.deepEqual(valueRange(tf.tensor1d([3, -1, 2])), [-1, 3]);
 * ```
 */
export function valueRange(t: tf.Tensor): [number, number] | undefined {
  if (ASYNC_READ_ONLY.has(tf.getBackend())) return undefined;
  const [low, high] = tf.tidy(() => tf.stack([tf.min(t), tf.max(t)]).dataSync());
  return [low, high];
}

/**
 * Throws a `RangeError` unless every id in `ids` lies in `[0, high)`, naming the first offending
 * value. Reads two numbers back from the backend; on a backend that can only read back
 * asynchronously (webgpu) it checks nothing, and out-of-range ids give gather's undefined rows.
 *
 * @param action What the caller is doing, for the message.
 * @param field The argument's name.
 * @param ids Token or class ids, int32, any shape.
 * @param high One past the largest allowed id.
 * @throws {RangeError} If an id is negative or ≥ `high`.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { tf, useBackend } from "@dimo/dimo";
 * import { checkIds } from "@dimo/dimo/backend";
 * await useBackend("cpu");
 * checkIds("embed", "tokens", tf.tensor1d([0, 4], "int32"), 5);
 * assert.throws(() => checkIds("embed", "tokens", tf.tensor1d([0, 5], "int32"), 5), RangeError);
 * ```
 */
export function checkIds(action: string, field: string, ids: tf.Tensor, high: number): void {
  const range = ids.size === 0 ? undefined : valueRange(ids);
  if (range === undefined) return;
  const [low, top] = range;
  if (low < 0 || top >= high) {
    const bad = low < 0 ? low : top;
    throw new RangeError(errorMessage(action, field, `ids in [0, ${high - 1}]`, bad));
  }
}
