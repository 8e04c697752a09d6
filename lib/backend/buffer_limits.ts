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

/** What a WebGPU device holds through tfjs: every buffer its pool has made, in bytes. */
export interface DeviceMemory {
  /** The bytes of every buffer the pool has made (it never frees them): the high-water mark. */
  readonly allocatedBytes: number;
}

/**
 * The active backend's device memory: tfjs-webgpu's buffer pool, none elsewhere.
 *
 * @returns The bytes its pool holds, or undefined when the backend is not webgpu.
 *
 * @example No device memory on the cpu backend
 * ```ts
 * import assert from "node:assert";
 * import { useBackend } from "@dimo/dimo";
 * import { activeDeviceMemory } from "@dimo/dimo/backend";
 * await useBackend("cpu");
 * assert.equal(activeDeviceMemory(), undefined);
 * ```
 */
export function activeDeviceMemory(): DeviceMemory | undefined {
  if (tf.getBackend() !== "webgpu") return undefined;
  const memory = tf.memory() as tf.MemoryInfo & { numBytesAllocatedInGPU?: number };
  return { allocatedBytes: memory.numBytesAllocatedInGPU ?? NaN };
}

/**
 * The error to throw for one that `work` raised. When a WebGPU device cannot make a buffer
 * (out of memory), Deno's WebGPU reports nothing until a later read-back meets the invalid
 * buffer; that error becomes one naming the work, what the buffer pool held and what to change.
 * Any other error is returned as it is.
 *
 * @param error What the work threw.
 * @param work The work, for the message ("the Di[M]O iteration at batch 64").
 * @param remedy What to change, for the message.
 * @param device The device's memory; nothing is rewritten when undefined.
 * @returns The error to throw.
 *
 * @example A read-back of an invalid buffer
 * ```ts
 * import assert from "node:assert";
 * import { explainDeviceMemoryError } from "@dimo/dimo/backend";
 * const error = new Error("Buffer with '' label is invalid");
 * const explained = explainDeviceMemoryError(error, "one step", "use a smaller batch", { allocatedBytes: 8e10 });
 * assert.match(String(explained), /Cannot run one step .* out of memory .* 80\.0 GB.*use a smaller batch/);
 * assert.equal(explainDeviceMemoryError(error, "one step", "-", undefined), error);
 * ```
 */
export function explainDeviceMemoryError(
  error: unknown,
  work: string,
  remedy: string,
  device: DeviceMemory | undefined = activeDeviceMemory(),
): unknown {
  if (device === undefined || !(error instanceof Error) || !INVALID_BUFFER.test(error.message)) return error;
  const held = (device.allocatedBytes / 1e9).toFixed(1);
  return new RangeError(
    `Cannot run ${work} as the WebGPU device could not make a buffer, most likely out of memory ` +
      `(tfjs's buffer pool held ${held} GB): ${remedy}`,
    { cause: error },
  );
}

/** How Deno's WebGPU reports a buffer it could not make, when something reads it. */
const INVALID_BUFFER = /Buffer with '.*' label is invalid/;
