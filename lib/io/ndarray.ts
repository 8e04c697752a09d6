/**
 * Tensors to and from scijs ndarrays (the `ndarray` npm package), so results pass to the scijs
 * ecosystem (ndarray-ops, ndarray-fft, …) without copies.
 *
 * @module
 */
// @ts-types="@types/ndarray"
import ndarray from "ndarray";
import * as tf from "../backend/tf.ts";
import { checkOneOf, errorMessage } from "../validate/mod.ts";

/**
 * A scijs ndarray of numbers: `data` read at `offset + Σ index[d] · stride[d]`, as
 * `ndarray(data, shape, stride, offset)` makes it.
 *
 * @typeParam D The array that holds the elements: a typed array, a plain array, or an object with
 * `get(i)` and `set(i, v)` (dtype `"generic"`).
 */
export type NdArray<D extends ndarray.Data<number> = ndarray.Data<number>> = ndarray.NdArray<D>;

/** The typed array a tensor's values come in: float32 → Float32Array, int32 → Int32Array, bool → Uint8Array. */
export type TensorData = Float32Array | Int32Array | Uint8Array;

/** The tensor dtypes an ndarray converts to. */
export type NdarrayTensorDtype = "float32" | "int32" | "bool";

const TENSOR_DTYPES: readonly NdarrayTensorDtype[] = ["float32", "int32", "bool"];

/** The ndarray dtypes whose elements are integers, which become int32 tensors by default. */
const INTEGER_DTYPES = new Set(["int8", "int16", "int32", "uint8", "uint8_clamped", "uint16", "uint32"]);

/**
 * Wraps a tensor's values in an ndarray of the same shape, row-major (`stride` of a C array,
 * `offset` 0). The data is the typed array that `tensor.data()` returns, not copied again; its
 * dtype follows the tensor's: float32 → `"float32"`, int32 → `"int32"`, bool → `"uint8"` (0 and 1).
 *
 * On the cpu backend that typed array is the tensor's own storage for float32 and int32 tensors,
 * so writing to the ndarray would change the tensor: dispose the tensor first if you write to it.
 * The ndarray stays valid after the tensor is disposed.
 *
 * @param tensor A float32, int32 or bool tensor, any shape; not disposed.
 * @returns The ndarray over the tensor's values.
 * @throws {TypeError} If the dtype is string or complex64.
 *
 * @example A tensor's values as an ndarray
 * ```ts
 * import assert from "node:assert";
 * import { tf, toNdarray, useBackend } from "@dimo/dimo";
 * await useBackend("cpu");
 * const x = tf.tensor2d([[1, 2, 3], [4, 5, 6]]);
 * const nd = await toNdarray(x);
 * x.dispose();
 * assert.deepEqual([nd.dtype, nd.shape, nd.stride], ["float32", [2, 3], [3, 1]]);
 * assert.equal(nd.get(1, 2), 6);
 * ```
 */
export async function toNdarray(tensor: tf.Tensor): Promise<NdArray<TensorData>> {
  if (!(TENSOR_DTYPES as readonly string[]).includes(tensor.dtype)) {
    const rule = "float32, int32 or bool";
    throw new TypeError(errorMessage("convert a tensor to an ndarray", "tensor.dtype", rule, tensor.dtype));
  }
  const data = await tensor.data() as TensorData;
  return ndarray(data, [...tensor.shape]);
}

/** Options of {@linkcode fromNdarray}. */
export interface FromNdarrayOptions {
  /**
   * The tensor's dtype. Values must be integers in the int32 range for `"int32"` and 0 or 1 for
   * `"bool"` (a bool tensor round-trips through {@linkcode toNdarray} as a `"uint8"` ndarray).
   *
   * @default {"int32"} for integer ndarrays (int8 … uint32), `"float32"` for the others
   */
  readonly dtype?: NdarrayTensorDtype;
}

/**
 * Makes a tensor from an ndarray, keeping its shape and reading it in row-major order whatever its
 * strides.
 *
 * No copy is made when the ndarray is contiguous and row-major (any offset) and its data is the
 * typed array of the tensor's dtype (Float32Array for float32, Int32Array for int32, Uint8Array
 * for bool): the tensor gets that memory, or a view of it. The backend may still copy it to its
 * own memory (wasm, webgpu); the cpu backend keeps it, so do not write to the ndarray while the
 * tensor lives. Otherwise, a transposed, strided or picked view, or another element type
 * (float64, uint8, plain arrays…), is copied into a new typed array; float64 values are rounded
 * to float32.
 *
 * @param nd The ndarray; any rank, including 0 (a scalar).
 * @param options The tensor's dtype.
 * @returns A new tensor of shape `nd.shape`, owned by the caller.
 * @throws {TypeError} If `nd` is not an ndarray of numbers (bigint64 and biguint64 included).
 * @throws {RangeError} If `nd`'s shape, strides or offset do not fit its data, or a value does not
 * fit the dtype (a non-integer or out-of-range value for int32, other than 0 or 1 for bool).
 *
 * @example A transposed view becomes a row-major tensor
 * ```ts
 * import assert from "node:assert";
 * import ndarray from "ndarray";
 * import { fromNdarray, useBackend } from "@dimo/dimo";
 * await useBackend("cpu");
 * const nd = ndarray(new Float32Array([1, 2, 3, 4, 5, 6]), [2, 3]);
 * const t = fromNdarray(nd.transpose(1, 0));
 * assert.deepEqual(t.shape, [3, 2]);
 * assert.deepEqual([...await t.data()], [1, 4, 2, 5, 3, 6]);
 * t.dispose();
 * ```
 */
export function fromNdarray(nd: NdArray, options: FromNdarrayOptions = {}): tf.Tensor {
  const action = "make a tensor from an ndarray";
  checkNdarray(action, nd);
  const dtype = options.dtype ?? (INTEGER_DTYPES.has(nd.dtype) ? "int32" : "float32");
  checkOneOf(action, "options.dtype", dtype, TENSOR_DTYPES);
  const Target = dtype === "float32" ? Float32Array : dtype === "int32" ? Int32Array : Uint8Array;
  let values: TensorData;
  if (nd.data instanceof Target && isRowMajor(nd)) {
    const data = nd.data as TensorData;
    values = nd.offset === 0 && data.length === nd.size
      ? data
      : data.subarray(nd.offset, nd.offset + nd.size);
  } else {
    values = new Target(nd.size);
    const read = reader(nd);
    forEachOffset(nd, (offset, k) => values[k] = read(offset));
  }
  if (dtype !== "float32") checkValues(action, nd, values, dtype);
  return tf.tensor(values, [...nd.shape], dtype);
}

/**
 * The elements of an ndarray in row-major order: a view of its data when the ndarray is
 * contiguous and row-major, else a copy (in the data's typed-array class, or a plain array).
 *
 * @param nd The ndarray, any rank.
 * @returns `nd.size` numbers, element `k` at the k-th index in row-major order.
 * @throws {TypeError} If `nd` is not an ndarray of numbers.
 * @throws {RangeError} If `nd`'s shape, strides or offset do not fit its data.
 *
 * @example The row-major elements of a transposed view
 * ```ts
 * import assert from "node:assert";
 * import ndarray from "ndarray";
 * import { ndarrayValues } from "@dimo/dimo";
 * const nd = ndarray([1, 2, 3, 4], [2, 2]);
 * assert.deepEqual(Array.from(ndarrayValues(nd.transpose(1, 0))), [1, 3, 2, 4]);
 * ```
 */
export function ndarrayValues(nd: NdArray): ArrayLike<number> {
  checkNdarray("read an ndarray", nd);
  const data = nd.data;
  if (isRowMajor(nd) && (ArrayBuffer.isView(data) || Array.isArray(data))) {
    const end = nd.offset + nd.size;
    if (nd.offset === 0 && data.length === nd.size) return data as ArrayLike<number>;
    return ArrayBuffer.isView(data)
      ? (data as Float64Array).subarray(nd.offset, end)
      : data.slice(nd.offset, end);
  }
  const values: number[] | Float64Array = ArrayBuffer.isView(data)
    ? new (data.constructor as Float64ArrayConstructor)(nd.size)
    : new Array<number>(nd.size);
  const read = reader(nd);
  forEachOffset(nd, (offset, k) => values[k] = read(offset));
  return values;
}

/**
 * Whether `value` is an ndarray: an object with array-like or generic `data`, and `shape`,
 * `stride` and `offset`. A tensor is not (it has `strides`, no `stride`).
 *
 * @param value Anything.
 * @returns Whether `value` has the fields of an ndarray.
 *
 * @example An ndarray, not a plain array
 * ```ts
 * import assert from "node:assert";
 * import ndarray from "ndarray";
 * import { isNdarray } from "@dimo/dimo";
 * assert.equal(isNdarray(ndarray([1, 2], [2])), true);
 * assert.equal(isNdarray([1, 2]), false);
 * ```
 */
export function isNdarray(value: unknown): value is NdArray {
  if (typeof value !== "object" || value === null) return false;
  const { shape, stride, offset, data } = value as Partial<NdArray>;
  const hasData = typeof data === "object" && data !== null &&
    (Array.isArray(data) || (ArrayBuffer.isView(data) && !(data instanceof DataView)) ||
      typeof (data as { get?: unknown }).get === "function");
  return hasData && Array.isArray(shape) && Array.isArray(stride) && typeof offset === "number";
}

/** Throws unless `nd` is an ndarray of numbers whose every index falls inside its data. */
function checkNdarray(action: string, nd: NdArray): void {
  if (!isNdarray(nd)) {
    throw new TypeError(errorMessage(action, "nd", "an ndarray (data, shape, stride, offset)", typeof nd));
  }
  const { shape, stride, offset, data } = nd;
  const dtype: string = nd.dtype; // the types allow no bigint data, which JavaScript callers may pass
  if (dtype === "bigint64" || dtype === "biguint64") {
    throw new TypeError(errorMessage(action, "nd.dtype", "a dtype of numbers", nd.dtype));
  }
  if (!shape.every((n) => Number.isInteger(n) && n >= 0)) {
    throw new RangeError(errorMessage(action, "nd.shape", "non-negative integers", shape));
  }
  if (stride.length !== shape.length || !stride.every(Number.isInteger)) {
    throw new RangeError(errorMessage(action, "nd.stride", `${shape.length} integers`, stride));
  }
  if (shape.includes(0)) return;
  let low = offset, high = offset;
  shape.forEach((n, d) => stride[d] > 0 ? (high += (n - 1) * stride[d]) : (low += (n - 1) * stride[d]));
  if (!Number.isInteger(offset) || low < 0 || high >= data.length) {
    const rule = `within its data of length ${data.length}`;
    throw new RangeError(errorMessage(action, "nd offset and strides", rule, [low, high]));
  }
}

/** Whether element k of row-major order is `data[offset + k]` (dimensions of size 1 have any stride). */
function isRowMajor(nd: NdArray): boolean {
  let step = 1;
  for (let d = nd.shape.length - 1; d >= 0; d--) {
    if (nd.shape[d] === 0) return true;
    if (nd.shape[d] !== 1 && nd.stride[d] !== step) return false;
    step *= nd.shape[d];
  }
  return true;
}

/** Reads `data[i]`, through `get(i)` for `"generic"` data. */
function reader(nd: NdArray): (i: number) => number {
  const data = nd.data;
  if (ArrayBuffer.isView(data) || Array.isArray(data)) return (i) => (data as ArrayLike<number>)[i];
  return (i) => (data as ndarray.GenericArray<number>).get(i);
}

/** Calls `visit(offset, k)` for the k-th element in row-major order, at `data[offset]`. */
function forEachOffset(nd: NdArray, visit: (offset: number, k: number) => void): void {
  const { shape, stride, size } = nd;
  const index = shape.map(() => 0);
  let offset = nd.offset;
  for (let k = 0; k < size; k++) {
    visit(offset, k);
    for (let d = shape.length - 1; d >= 0; d--) {
      index[d]++;
      offset += stride[d];
      if (index[d] < shape[d]) break;
      offset -= stride[d] * shape[d];
      index[d] = 0;
    }
  }
}

/** Throws a RangeError naming the first source value that the int32 or bool copy changed. */
function checkValues(action: string, nd: NdArray, values: TensorData, dtype: "int32" | "bool"): void {
  const read = reader(nd);
  let k = 0;
  let bad: number | undefined;
  forEachOffset(nd, (offset) => {
    const v = read(offset);
    if (bad === undefined && (v !== values[k] || (dtype === "bool" && v !== 0 && v !== 1))) bad = v;
    k++;
  });
  if (bad !== undefined) {
    const rule = dtype === "int32"
      ? "integers in the int32 range for an int32 tensor"
      : "0 or 1 for a bool tensor";
    throw new RangeError(errorMessage(action, "nd values", rule, bad));
  }
}
