/**
 * Host-to-device uploads through `GPUQueue.writeBuffer`.
 *
 * tfjs-webgpu uploads a tensor made from host values (a `tf.mul(x, 0.5)` scalar, a batch of ids)
 * through a new `MAP_WRITE` staging buffer: `createBuffer({ mappedAtCreation })`, `getMappedRange`,
 * a copy and `unmap`. On an NVIDIA GPU through Deno's WebGPU, `getMappedRange` on such a buffer
 * took most of a Di[M]O iteration's host time (docs/performance.md); `writeBuffer` hands the same
 * bytes to the queue with one call and no mapping. The queue runs the write before the next
 * submitted commands and after the earlier ones, and the destination comes from tfjs's pool of
 * free buffers, which no unsubmitted command uses, so every dispatch sees what it saw before.
 *
 * @module
 */
import * as tf from "./tf.ts";

interface TensorData {
  dtype: string;
  values: ArrayLike<number> | null;
  resource: unknown;
}

interface UploadingBackend {
  tensorMap: { get(dataId: object): TensorData };
  bufferManager: { acquireBuffer(size: number, usage: number): GPUBuffer };
  queue: GPUQueue;
  uploadToGPU(dataId: object): void;
}

const patched = new WeakSet<object>();
/** The dtypes whose host values are written as 4-byte words. */
const WRITTEN = new Set(["float32", "int32", "bool"]);

/**
 * Makes the active WebGPU backend upload float32, int32 and bool host values with
 * `queue.writeBuffer` (other dtypes keep tfjs's path). Idempotent; a no-op on other backends.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { tf, useBackend } from "@dimo/dimo";
 * import { uploadWithWriteBuffer } from "@dimo/dimo/backend";
 * await useBackend("cpu");
 * uploadWithWriteBuffer(); // nothing to change on the cpu backend
 * assert.deepEqual([...await tf.add(tf.tensor1d([1, 2]), 1).data()], [2, 3]);
 * ```
 */
export function uploadWithWriteBuffer(): void {
  if (tf.getBackend() !== "webgpu") return;
  const proto = Object.getPrototypeOf(tf.backend()) as UploadingBackend;
  if (patched.has(proto) || typeof proto.uploadToGPU !== "function") return;
  patched.add(proto);
  const upload = proto.uploadToGPU;
  proto.uploadToGPU = function (this: UploadingBackend, dataId: object): void {
    const data = this.tensorMap.get(dataId);
    const { dtype, values } = data;
    if (data.resource != null || values == null || !WRITTEN.has(dtype)) {
      return upload.call(this, dataId);
    }
    // tfjs-webgpu keeps bool as int32 on the device.
    const bytes = dtype === "float32"
      ? (values instanceof Float32Array ? values : Float32Array.from(values))
      : (values instanceof Int32Array ? values : Int32Array.from(values));
    const usage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;
    const buffer = this.bufferManager.acquireBuffer(bytes.byteLength, usage);
    // tfjs's own typed array: never a view of shared memory.
    if (bytes.byteLength > 0) this.queue.writeBuffer(buffer, 0, bytes as Float32Array<ArrayBuffer>);
    data.values = null;
    data.resource = buffer;
  };
}
