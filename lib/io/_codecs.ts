/**
 * How each safetensors dtype maps to a typed array and back to bytes.
 *
 * safetensors stores every element little-endian. Typed arrays use the host's byte order, so the
 * bytes pass through {@linkcode swapToHostOrder} (a no-op on little-endian hosts, which is nearly
 * all of them) on the way in and out.
 *
 * @module
 */
import { bf16ToF32, f16ToF32, f32ToBf16, f32ToF16 } from "./_half.ts";
import type { SafetensorsArrays, SafetensorsDtype } from "./safetensors.ts";

/** The bytes of the header length that opens a file. */
export const LENGTH_BYTES = 8;

/** The header key of the string metadata, never a tensor's name. */
export const METADATA_KEY = "__metadata__";

/** Converts between one dtype's array and its host-order bytes. */
export interface Codec<A> {
  /** Bytes per element in the file. */
  readonly size: number;
  /** The array class that holds the values in memory. */
  readonly array: abstract new (length: number) => A;
  /** Values from host-order bytes that own a whole, fresh buffer. */
  fromBytes(buffer: ArrayBuffer): A;
  /** Host-order bytes of the values (possibly a view on them). */
  toBytes(values: A): Uint8Array;
}

interface ArrayClass<A> {
  readonly BYTES_PER_ELEMENT: number;
  new (length: number): A;
  new (buffer: ArrayBuffer): A;
}

type View = { buffer: ArrayBufferLike; byteOffset: number; byteLength: number };

function bytesOf(values: View): Uint8Array {
  return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
}

/** A dtype stored exactly as its typed array holds it. */
function plain<A extends View>(array: ArrayClass<A>): Codec<A> {
  return { size: array.BYTES_PER_ELEMENT, array, fromBytes: (buffer) => new array(buffer), toBytes: bytesOf };
}

/** A 16-bit float dtype, held in memory as float32. */
function half(
  decode: (bits: Uint16Array) => Float32Array,
  encode: (values: Float32Array) => Uint16Array,
): Codec<Float32Array> {
  return {
    size: 2,
    array: Float32Array,
    fromBytes: (buffer) => decode(new Uint16Array(buffer)),
    toBytes: (values) => bytesOf(encode(values)),
  };
}

/** Every supported dtype, in the order the format's reference implementation lists them. */
export const CODECS: { readonly [D in SafetensorsDtype]: Codec<SafetensorsArrays[D]> } = {
  BOOL: plain(Uint8Array),
  U8: plain(Uint8Array),
  I8: plain(Int8Array),
  I16: plain(Int16Array),
  U16: plain(Uint16Array),
  F16: half(f16ToF32, f32ToF16),
  BF16: half(bf16ToF32, f32ToBf16),
  I32: plain(Int32Array),
  U32: plain(Uint32Array),
  F32: plain(Float32Array),
  F64: plain(Float64Array),
  I64: plain(BigInt64Array),
  U64: plain(BigUint64Array),
};

/** The dtype names, for messages and checks. */
export const DTYPES = Object.keys(CODECS) as SafetensorsDtype[];

/** Whether `name` is a supported dtype. */
export function isDtype(name: unknown): name is SafetensorsDtype {
  return typeof name === "string" && Object.hasOwn(CODECS, name);
}

const HOST_IS_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * Converts little-endian elements of `size` bytes to host order in place, or back: the same
 * swap both ways, and nothing to do on a little-endian host.
 */
export function swapToHostOrder(bytes: Uint8Array, size: number): void {
  if (!HOST_IS_LITTLE_ENDIAN) reverseElements(bytes, size);
}

/** Reverses the bytes of each `size`-byte element in place (exported for its test). */
export function reverseElements(bytes: Uint8Array, size: number): void {
  for (let start = 0; size > 1 && start < bytes.length; start += size) {
    bytes.subarray(start, start + size).reverse();
  }
}

/** Whether `value` is an array of non-negative safe integers. */
export function isIndexList(value: unknown): value is number[] {
  return Array.isArray(value) && value.every((d) => Number.isSafeInteger(d) && d >= 0);
}

/** The number of elements of a shape (1 for a scalar). */
export function product(shape: readonly number[]): number {
  return shape.reduce((n, d) => n * d, 1);
}

/** A value's class name, for messages that must not print a whole array. */
export function className(value: unknown): string {
  return (value as { constructor?: { name?: string } })?.constructor?.name ?? String(value);
}
