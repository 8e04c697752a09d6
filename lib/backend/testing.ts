/**
 * Test helpers: the backend a test suite runs on and a tensor-leak check.
 *
 * @module
 */
import assert from "node:assert/strict";
import * as tf from "./tf.ts";
import { type BackendInfo, chooseBackendName, chooseThreads, useBackend } from "./select.ts";

/**
 * Initialises the backend named by `DIMO_BACKEND` (default `wasm`, the fastest CPU backend)
 * for a test file, with `DIMO_THREADS` wasm threads (default 1: test tensors are small, and a
 * thread pool costs start-up time in every test file).
 *
 * @returns The initialised backend.
 *
 * @example
 * ```ts
 * import { useTestBackend } from "./testing.ts";
 * await useTestBackend();
 * ```
 */
export async function useTestBackend(): Promise<BackendInfo> {
  const name = chooseBackendName();
  return await useBackend(name === "auto" ? "wasm" : name, { threads: chooseThreads() ?? 1 });
}

/**
 * Runs `fn` and fails if it leaves more tensors alive than it started with.
 *
 * @typeParam T What `fn` returns; it must not be or hold a tensor.
 * @param fn The code under test.
 * @returns What `fn` returned.
 * @throws {Error} If the tensor count grew.
 *
 * @example
 * ```ts
 * import { tf, useBackend } from "@dimo/dimo";
 * import { withoutLeaks } from "./testing.ts";
 * await useBackend("cpu");
 * await withoutLeaks(() => tf.tidy(() => tf.add(1, 2)).dispose());
 * ```
 */
export async function withoutLeaks<T>(fn: () => T | Promise<T>): Promise<T> {
  const before = tf.memory().numTensors;
  const result = await fn();
  const after = tf.memory().numTensors;
  if (after !== before) throw new Error(`Tensor leak: ${before} tensors before, ${after} after`);
  return result;
}

/**
 * The largest `|got − want| / (1 + |want|)` over two tensors of the same shape: an error that
 * is absolute near 0 and relative elsewhere, for comparing a kernel with its reference.
 *
 * @param got The values under test.
 * @param want The reference values.
 * @returns The largest error.
 * @throws {AssertionError} If the shapes differ.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { tf, useBackend } from "@dimo/dimo";
 * import { maxRelativeError } from "./testing.ts";
 * await useBackend("cpu");
 * assert.equal(await maxRelativeError(tf.tensor1d([1, 3]), tf.tensor1d([1, 1])), 1);
 * ```
 */
export async function maxRelativeError(got: tf.Tensor, want: tf.Tensor): Promise<number> {
  assert.deepEqual(got.shape, want.shape);
  const [g, w] = [await got.data(), await want.data()];
  let worst = 0;
  w.forEach((v, i) => worst = Math.max(worst, Math.abs(g[i] - v) / (1 + Math.abs(v))));
  return worst;
}
