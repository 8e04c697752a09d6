/**
 * Test helpers: the backend a test suite runs on and a tensor-leak check.
 *
 * @module
 */
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
