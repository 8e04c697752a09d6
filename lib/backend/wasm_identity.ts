/**
 * An `Identity` kernel for tfjs-backend-wasm that shares its input's memory, as tfjs's cpu and
 * webgpu backends do, instead of copying it.
 *
 * tfjs-core runs `Identity` whenever it saves a tensor for the backward pass (every op whose
 * gradient needs its inputs or outputs); tfjs-wasm 4.22 copies the values each time. A training
 * step of the reference transformer at batch 32 ran 448 of them, 80–90 ms of one thread. Sharing
 * is safe because no tfjs kernel writes into an existing tensor's memory: the backend counts the
 * tensors that use it (as its `Reshape` already does) and frees it with the last one.
 *
 * @module
 */
import type * as tf from "./tf.ts";
import { replaceKernel } from "./_kernels.ts";

/** The part of tfjs-backend-wasm's `BackendWasm` this kernel uses. */
interface RefCounting {
  incRef(dataId: tf.DataId): void;
}

const countsReferences = (backend: unknown): backend is RefCounting =>
  typeof (backend as Partial<RefCounting>).incRef === "function";

/**
 * Replaces the wasm backend's `Identity` kernel by one that shares the input's memory (see the
 * module documentation). Call it once the wasm backend runs; later calls return the first answer.
 *
 * @returns Whether the kernel is in place (`false`: the backend lacks reference counting, and the
 *   stock kernel stays).
 *
 * @example A clone outlives its source
 * ```ts
 * import assert from "node:assert";
 * import { tf, useBackend } from "@dimo/dimo";
 * await useBackend("wasm", { threads: 1 });
 * const x = tf.tensor1d([1, 2, 3]);
 * const y = tf.clone(x);
 * x.dispose();
 * assert.deepEqual([...await y.data()], [1, 2, 3]);
 * ```
 */
export function installWasmIdentity(): boolean {
  return replaceKernel("Identity", "wasm", (stock, wasm) => {
    if (!countsReferences(wasm)) return undefined;
    return (args) => {
      const { inputs: { x }, backend } = args as unknown as {
        inputs: { x: tf.TensorInfo };
        backend: RefCounting;
      };
      if (x.dtype === "string") return stock.kernelFunc(args);
      backend.incRef(x.dataId);
      return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
    };
  });
}
