/**
 * A faster `BatchMatMul` for tfjs-backend-wasm: batched products (attention's `[B, H, T, d]`
 * products) as one XNNPACK product per batch element instead of tfjs-wasm's scalar loop.
 *
 * tfjs-wasm sends a product to XNNPACK only when both operands have a batch of 1 and neither is
 * transposed; any other product runs a plain C++ loop at 1–2 GFLOP/s. This kernel registers each
 * batch element's matrices as tensor views over the operands' memory (no copy) and hands them to
 * the same wasm entry point one at a time, so that each goes through XNNPACK. Products with a
 * transpose flag, or with outer dimensions that broadcast other than all-against-one, go to the
 * stock kernel unchanged.
 *
 * It reads three internals of tfjs-backend-wasm 4.22 (`dataIdMap`, `dataIdNextNumber`, and the
 * module's `registerTensor`/`disposeData`); {@linkcode installWasmBatchMatMul} leaves the stock
 * kernel in place when they are missing.
 *
 * @module
 */
import type * as tf from "./tf.ts";
import { replaceKernel } from "./_kernels.ts";

/** The parts of tfjs-backend-wasm's `BackendWasm` this kernel uses. */
interface WasmBackendInternals {
  /** The next tensor id; the kernel takes ids from it for its views. */
  dataIdNextNumber: number;
  readonly dataIdMap: { get(dataId: object): { readonly memoryOffset: number } | undefined };
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  readonly wasm: {
    cwrap(name: string, returns: null, args: string[]): BatchMatMulEntry;
    readonly tfjs: {
      registerTensor(id: number, size: number, memoryOffset: number): void;
      disposeData(id: number): void;
    };
  };
}

/** The wasm module's `BatchMatMul(aId, aShape, aRank, bId, bShape, bRank, transA, transB, outId)`. */
type BatchMatMulEntry = (
  aId: number,
  aShape: Uint8Array,
  aRank: number,
  bId: number,
  bShape: Uint8Array,
  bRank: number,
  transposeA: boolean,
  transposeB: boolean,
  outId: number,
) => void;

const FLOAT_BYTES = 4;

/** One entry point per backend instance (a backend that is removed and started again gets a new one). */
const entries = new WeakMap<object, BatchMatMulEntry>();

function hasInternals(backend: unknown): backend is WasmBackendInternals {
  const b = backend as Partial<WasmBackendInternals>;
  return typeof b.dataIdNextNumber === "number" && typeof b.dataIdMap?.get === "function" &&
    typeof b.makeOutput === "function" && typeof b.wasm?.cwrap === "function" &&
    typeof b.wasm.tfjs?.registerTensor === "function" && typeof b.wasm.tfjs?.disposeData === "function";
}

function entryOf(backend: WasmBackendInternals): BatchMatMulEntry {
  let entry = entries.get(backend);
  if (entry === undefined) {
    entry = backend.wasm.cwrap("BatchMatMul", null, [
      "number",
      "array",
      "number",
      "number",
      "array",
      "number",
      "number",
      "number",
      "number",
    ]);
    entries.set(backend, entry);
  }
  return entry;
}

const shapeBytes = (shape: readonly number[]) => new Uint8Array(new Int32Array(shape).buffer);
const product = (dims: readonly number[]) => dims.reduce((p, d) => p * d, 1);
const sameDims = (a: readonly number[], b: readonly number[]) =>
  a.length === b.length && a.every((d, i) => d === b[i]);

/**
 * The outer (batch) shape of the product when this kernel can run it: both operands' outer
 * dimensions equal, or one side's all 1. `undefined` sends the product to the stock kernel.
 */
function batchShape(a: readonly number[], b: readonly number[]): number[] | undefined {
  const outerA = a.slice(0, -2), outerB = b.slice(0, -2);
  if (sameDims(outerA, outerB)) return outerA;
  if (product(outerB) === 1 && outerA.length >= outerB.length) return outerA;
  if (product(outerA) === 1 && outerB.length >= outerA.length) return outerB;
  return undefined;
}

/**
 * Runs `a · b` (`[..., m, k] · [..., k, n]`) one batch element at a time through the module's
 * XNNPACK path, writing straight into the output's memory.
 */
function viewedBatchMatMul(
  backend: WasmBackendInternals,
  a: tf.TensorInfo,
  b: tf.TensorInfo,
  outer: number[],
): tf.TensorInfo {
  const [m, k] = a.shape.slice(-2), n = b.shape[b.shape.length - 1];
  const batches = product(outer);
  const out = backend.makeOutput([...outer, m, n], "float32");
  const offsets = [a, b, out].map((t) => backend.dataIdMap.get(t.dataId)!.memoryOffset);
  const strides = [
    product(a.shape.slice(0, -2)) === 1 ? 0 : m * k,
    product(b.shape.slice(0, -2)) === 1 ? 0 : k * n,
    m * n,
  ];
  const sizes = [m * k, k * n, m * n];
  const [aShape, bShape] = [shapeBytes([1, m, k]), shapeBytes([1, k, n])];
  const entry = entryOf(backend);
  const { tfjs } = backend.wasm;
  for (let i = 0; i < batches; i++) {
    const ids = offsets.map((offset, j) => {
      const id = backend.dataIdNextNumber++;
      tfjs.registerTensor(id, sizes[j], offset + FLOAT_BYTES * i * strides[j]);
      return id;
    });
    try {
      entry(ids[0], aShape, 3, ids[1], bShape, 3, false, false, ids[2]);
    } finally {
      // Forgets the views (and the XNNPACK operator cached for `b`); the memory stays the operands'.
      ids.forEach((id) => tfjs.disposeData(id));
    }
  }
  return out;
}

/**
 * Replaces the wasm backend's `BatchMatMul` kernel by one that runs batched products through
 * XNNPACK (see the module documentation); other products go to the stock kernel. Call it once the
 * wasm backend runs; later calls return the first answer.
 *
 * @returns Whether the kernel is in place (`false`: tfjs-backend-wasm lacks an internal it needs,
 *   and the stock kernel stays).
 *
 * @example Batched products on wasm keep their shape
 * ```ts
 * import assert from "node:assert";
 * import { tf, useBackend } from "@dimo/dimo";
 * await useBackend("wasm", { threads: 1 });
 * const scores = tf.matMul(tf.ones([2, 3, 4]), tf.ones([2, 4, 5]));
 * assert.deepEqual(scores.shape, [2, 3, 5]);
 * ```
 */
export function installWasmBatchMatMul(): boolean {
  return replaceKernel("BatchMatMul", "wasm", (stock, wasm) => {
    if (!hasInternals(wasm)) return undefined;
    return (args) => {
      const { inputs: { a, b }, backend, attrs } = args as unknown as {
        inputs: { a: tf.TensorInfo; b: tf.TensorInfo };
        backend: WasmBackendInternals;
        attrs: { transposeA: boolean; transposeB: boolean };
      };
      const plain = !attrs.transposeA && !attrs.transposeB && a.dtype === "float32" &&
        b.dtype === "float32" && a.shape.at(-1) === b.shape.at(-2);
      const outer = plain ? batchShape(a.shape, b.shape) : undefined;
      if (outer === undefined || product(outer) === 1) return stock.kernelFunc(args);
      return viewedBatchMatMul(backend, a, b, outer);
    };
  });
}
