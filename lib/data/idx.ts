/**
 * The idx format of MNIST and Fashion-MNIST: a big-endian header (two zero bytes, a type byte,
 * the rank, then one 32-bit size per dimension) followed by the values, row-major.
 *
 * @module
 */
import { DatasetFileError } from "./file_error.ts";

/** An idx array of unsigned bytes. */
export interface IdxArray {
  /** The dimensions from the header (`[60000, 28, 28]` for MNIST's training images). */
  readonly shape: readonly number[];
  /** The values, row-major; a view into the decoded bytes. */
  readonly data: Uint8Array;
}

/** Options of {@linkcode decodeIdx}. */
export interface DecodeIdxOptions {
  /** The file the bytes came from, named in errors. @default {undefined} */
  readonly path?: string;
}

/** The type byte of unsigned 8-bit values, the only type MNIST-style files use. */
const UNSIGNED_BYTE = 0x08;

/**
 * Decodes an idx file of unsigned bytes (type `0x08`), checking the header against the length.
 *
 * @param bytes The whole file.
 * @param options The `path` to name in errors.
 * @returns The shape and a view of the values (no copy).
 * @throws {DatasetFileError} If the magic number, type or rank is wrong, or the file is
 * truncated or longer than its header says; the message names the file and the byte.
 *
 * @example A 2×3 array
 * ```ts
 * import assert from "node:assert";
 * import { decodeIdx, DatasetFileError } from "@dimo/dimo";
 * const bytes = new Uint8Array([0, 0, 8, 2, 0, 0, 0, 2, 0, 0, 0, 3, 1, 2, 3, 4, 5, 6]);
 * const { shape, data } = decodeIdx(bytes);
 * assert.deepEqual(shape, [2, 3]);
 * assert.deepEqual(Array.from(data), [1, 2, 3, 4, 5, 6]);
 * assert.throws(() => decodeIdx(bytes.subarray(0, 15)), DatasetFileError);
 * ```
 */
export function decodeIdx(bytes: Uint8Array, options: DecodeIdxOptions = {}): IdxArray {
  const fail = (offset: number, problem: string) =>
    new DatasetFileError(problem, { path: options.path, offset });
  if (bytes.length < 4) {
    throw fail(0, `the file is truncated: an idx header needs 4 bytes, found ${bytes.length}`);
  }
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    throw fail(0, `the magic number must start with two zero bytes: found ${bytes[0]}, ${bytes[1]}`);
  }
  if (bytes[2] !== UNSIGNED_BYTE) {
    throw fail(2, `the type must be 0x08 (unsigned byte): found 0x${bytes[2].toString(16).padStart(2, "0")}`);
  }
  const rank = bytes[3];
  if (rank === 0) throw fail(3, "the rank must be at least 1: found 0");
  const headerBytes = 4 + 4 * rank;
  if (bytes.length < headerBytes) {
    throw fail(bytes.length, `the file is truncated: a rank-${rank} header needs ${headerBytes} bytes`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const shape = Array.from({ length: rank }, (_, i) => view.getUint32(4 + 4 * i));
  const size = shape.reduce((a, b) => a * b, 1);
  const found = bytes.length - headerBytes;
  if (found !== size) {
    const problem = found < size ? "the file is truncated" : "the file is longer than its header says";
    throw fail(
      Math.min(bytes.length, headerBytes + size),
      `${problem}: shape [${shape.join(", ")}] needs ${size} bytes of data, found ${found}`,
    );
  }
  return { shape, data: bytes.subarray(headerBytes) };
}
