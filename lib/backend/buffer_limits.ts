/**
 * The largest buffer a WebGPU device lets one kernel bind, checked before a tensor of a given shape
 * is made, so that a tensor too large for it fails with an error naming it instead of an invalid
 * buffer that only a later read-back reports.
 *
 * @module
 */
import * as tf from "./tf.ts";

/** The limits of a device that bound one tensor's buffer, in bytes. */
export interface BufferLimits {
  /** The most bytes one binding of a storage buffer may span. */
  readonly maxStorageBufferBindingSize: number;
  /** The most bytes one buffer may hold. */
  readonly maxBufferSize: number;
}

/**
 * The active backend's buffer limits: those of its device on webgpu, none elsewhere.
 *
 * @returns The limits, or undefined when the backend is not webgpu.
 *
 * @example No limits on the cpu backend
 * ```ts
 * import assert from "node:assert";
 * import { useBackend } from "@dimo/dimo";
 * import { activeBufferLimits } from "@dimo/dimo/backend";
 * await useBackend("cpu");
 * assert.equal(activeBufferLimits(), undefined);
 * ```
 */
export function activeBufferLimits(): BufferLimits | undefined {
  if (tf.getBackend() !== "webgpu") return undefined;
  return (tf.backend() as unknown as { device?: { limits: BufferLimits } }).device?.limits;
}

/**
 * Checks that a float32 (or int32) tensor of `shape` fits one buffer under `limits`.
 *
 * @param operation What makes the tensor, for the message ("attention scores").
 * @param shape Its shape.
 * @param limits The limits; nothing is checked when undefined.
 * @throws {RangeError} Naming the operation, the shape, its bytes and the limit it passes.
 *
 * @example A tensor past a 1 KiB binding
 * ```ts
 * import assert from "node:assert";
 * import { checkBufferFits } from "@dimo/dimo/backend";
 * const limits = { maxStorageBufferBindingSize: 1024, maxBufferSize: 4096 };
 * checkBufferFits("logits", [2, 128], limits);
 * assert.throws(() => checkBufferFits("logits", [2, 129], limits), /maxStorageBufferBindingSize/);
 * ```
 */
export function checkBufferFits(
  operation: string,
  shape: readonly number[],
  limits: BufferLimits | undefined,
): void {
  if (limits === undefined) return;
  const bytes = shape.reduce((a, b) => a * b, 1) * 4;
  const limit = Math.min(limits.maxStorageBufferBindingSize, limits.maxBufferSize);
  if (bytes <= limit) return;
  const name = limits.maxStorageBufferBindingSize <= limits.maxBufferSize
    ? "maxStorageBufferBindingSize"
    : "maxBufferSize";
  throw new RangeError(
    `Cannot compute the ${operation} as its tensor must fit one WebGPU buffer (${name} ${limit} bytes): ` +
      `current shape is [${shape.join(", ")}] (${bytes} bytes); use a smaller batch`,
  );
}
