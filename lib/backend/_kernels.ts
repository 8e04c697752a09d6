/**
 * Whether the active backend has a kernel: the test each op with a WebGPU kernel of dimo's makes
 * before choosing it over its tfjs-op reference.
 *
 * @module
 */
import * as tf from "./tf.ts";

/** Whether `kernelName` is registered for the active backend. */
export function hasKernel(kernelName: string): boolean {
  return tf.getKernel(kernelName, tf.getBackend()) !== undefined;
}
