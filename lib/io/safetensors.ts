/**
 * The safetensors file format, read and written with typed arrays only (no tfjs).
 *
 * A file is an 8-byte little-endian unsigned length `N`, then `N` bytes of UTF-8 JSON (padded with
 * trailing spaces), then the data buffer. The JSON maps each tensor name to
 * `{ "dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end] }`, offsets relative to the
 * buffer's start, plus an optional `"__metadata__"` object of strings. Elements are little-endian
 * and row-major, and the tensors tile the buffer exactly: no gaps, no overlaps, no trailing bytes.
 *
 * @module
 */
/** How each safetensors dtype is held in memory (F16 and BF16 widen to float32, BOOL is 0/1 bytes). */
export interface SafetensorsArrays {
  /** Booleans, one byte each, 0 or 1. */
  BOOL: Uint8Array;
  /** Unsigned 8-bit integers. */
  U8: Uint8Array;
  /** Signed 8-bit integers. */
  I8: Int8Array;
  /** Signed 16-bit integers. */
  I16: Int16Array;
  /** Unsigned 16-bit integers. */
  U16: Uint16Array;
  /** IEEE half precision, widened to float32 in memory and rounded (ties to even) on write. */
  F16: Float32Array;
  /** bfloat16, widened to float32 in memory and rounded (ties to even) on write. */
  BF16: Float32Array;
  /** Signed 32-bit integers. */
  I32: Int32Array;
  /** Unsigned 32-bit integers. */
  U32: Uint32Array;
  /** IEEE single precision. */
  F32: Float32Array;
  /** IEEE double precision. */
  F64: Float64Array;
  /** Signed 64-bit integers. */
  I64: BigInt64Array;
  /** Unsigned 64-bit integers. */
  U64: BigUint64Array;
}

/** A dtype name as the file spells it. */
export type SafetensorsDtype = keyof SafetensorsArrays;

/** One tensor: its dtype, its shape (`[]` for a scalar) and its row-major values. */
export type SafetensorsTensor = {
  [D in SafetensorsDtype]: { dtype: D; shape: number[]; data: SafetensorsArrays[D] };
}[SafetensorsDtype];

/** The contents of a safetensors file. */
export interface DecodedSafetensors {
  /** The tensors by name. */
  tensors: Record<string, SafetensorsTensor>;
  /** The `__metadata__` strings (`{}` when the file has none). */
  metadata: Record<string, string>;
}

/** Options of {@linkcode SafetensorsError}. */
export interface SafetensorsErrorOptions extends ErrorOptions {
  /** Byte offset in the file where the problem is. */
  offset: number;
  /** The file, when it was read from one. */
  path?: string;
}

/**
 * A malformed safetensors file: the message names the problem and the tensor, `offset` the byte.
 *
 * @example Find where a file goes wrong
 * ```ts
 * import assert from "node:assert";
 * import { decodeSafetensors, SafetensorsError } from "@dimo/dimo";
 * const bytes = new Uint8Array(16); // header length 0: not even "{}"
 * assert.throws(() => decodeSafetensors(bytes), (error) => error instanceof SafetensorsError && error.offset === 8);
 * ```
 */
export class SafetensorsError extends SyntaxError {
  /** Byte offset in the file where the problem is. */
  readonly offset: number;
  /** What is wrong, without the file and offset. */
  readonly problem: string;
  /** The file, when it was read from one. */
  readonly path?: string;

  /**
   * Builds the error.
   *
   * @param problem What is wrong ("tensor 'w' is truncated: …").
   * @param options The byte `offset`, and the `path` of the file if there is one.
   */
  constructor(problem: string, options: SafetensorsErrorOptions) {
    const action = options.path === undefined
      ? "decode safetensors"
      : `load safetensors file "${options.path}"`;
    super(`Cannot ${action} at byte ${options.offset} as ${problem}`, options);
    this.name = "SafetensorsError";
    this.offset = options.offset;
    this.problem = problem;
    if (options.path !== undefined) this.path = options.path;
  }
}

/** The largest header accepted, in bytes: the reference implementation's limit. */
export const MAX_HEADER_BYTES = 100_000_000;
