/**
 * The wasm backend's heap is one 32-bit WebAssembly memory: tensors past 4 GiB in all abort the
 * module ("Aborted()") with no word of why. Work that knows its size checks it first.
 *
 * @module
 */
import * as tf from "./tf.ts";

/** The most bytes a 32-bit WebAssembly memory, and so tfjs-wasm's heap, can hold. */
export const WASM_HEAP_BYTES = 2 ** 32;

/**
 * On the wasm backend, checks that `bytes` of tensors can fit its heap at all; elsewhere nothing.
 *
 * @param work What needs them, for the message ("start a distillation run").
 * @param bytes The bytes of tensors the work holds at once, at least.
 * @throws {RangeError} Naming the work, its bytes and the limit, when wasm cannot hold them.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { useBackend } from "@dimo/dimo";
 * import { checkWasmHeapFits } from "@dimo/dimo/backend";
 * await useBackend("wasm", { threads: 1 });
 * checkWasmHeapFits("hold a small model", 1e6);
 * assert.throws(() => checkWasmHeapFits("hold 5.5 GB", 5.5e9), /wasm backend .* 5\.5 GB .* 4\.3 GB/);
 * ```
 */
export function checkWasmHeapFits(work: string, bytes: number): void {
  if (tf.getBackend() !== "wasm" || bytes <= WASM_HEAP_BYTES) return;
  const gb = (n: number) => (n / 1e9).toFixed(1);
  throw new RangeError(
    `Cannot ${work} on the wasm backend as its tensors take ${gb(bytes)} GB and wasm's heap holds at most ` +
      `${gb(WASM_HEAP_BYTES)} GB (one 32-bit memory): use --backend webgpu, or a smaller network`,
  );
}
