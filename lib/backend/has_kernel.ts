/**
 * Whether the active backend has a kernel: the test each op with a WebGPU kernel of dimo's
 * makes before choosing it over its tfjs-op reference.
 *
 * @module
 */
import * as tf from "./tf.ts";

/**
 * Whether `kernelName` is registered for the active backend.
 *
 * @param kernelName The kernel, e.g. `"Add"` or `"DimoTiledMatMul"`.
 * @returns Whether the active backend runs that kernel.
 *
 * @example tfjs's cpu backend has `Add` but none of dimo's WebGPU kernels
 * ```ts
 * import assert from "node:assert";
 * import { useBackend } from "@dimo/dimo";
 * import { hasKernel, TILED_MATMUL } from "@dimo/dimo/backend";
 * await useBackend("cpu");
 * assert.equal(hasKernel("Add"), true);
 * assert.equal(hasKernel(TILED_MATMUL), false);
 * ```
 */
export function hasKernel(kernelName: string): boolean {
  return tf.getKernel(kernelName, tf.getBackend()) !== undefined;
}
