/**
 * Reading safetensors bytes, strictly: everything the reference implementation rejects is
 * rejected, plus repeated keys, unknown entry fields and BOOL bytes other than 0 and 1.
 *
 * @module
 */
import { errorMessage } from "../validate/mod.ts";
import {
  CODECS,
  DTYPES,
  isDtype,
  isIndexList,
  LENGTH_BYTES,
  METADATA_KEY,
  product,
  swapToHostOrder,
} from "./_codecs.ts";
import { scanHeaderKeys } from "./_header_keys.ts";
import {
  type DecodedSafetensors,
  MAX_HEADER_BYTES,
  type SafetensorsDtype,
  SafetensorsError,
  type SafetensorsTensor,
} from "./safetensors.ts";

/** One tensor's header entry; `at` is where its key starts in the file. */
interface Entry {
  name: string;
  dtype: SafetensorsDtype;
  shape: number[];
  begin: number;
  end: number;
  at: number;
}

const ENTRY_FIELDS = ["dtype", "shape", "data_offsets"];

/**
 * Reads the tensors and metadata of a safetensors file.
 *
 * Each tensor's values are copied out of `bytes` into a fresh, aligned array and decoded as
 * little-endian whatever the host's byte order; F16 and BF16 are widened to float32.
 *
 * @param bytes The whole file.
 * @returns The tensors by name and the `__metadata__` strings.
 * @throws {TypeError} If `bytes` is not a `Uint8Array`.
 * @throws {SafetensorsError} If the file is malformed: shorter than 8 bytes, a header length
 * beyond {@linkcode MAX_HEADER_BYTES} ("oversized") or beyond the file ("truncated"), a header
 * that is not a UTF-8 JSON object or repeats a key, an unknown dtype ("mistyped"), a bad shape or
 * `data_offsets` (a number in them written otherwise than as decimal digits, `2.0` say,
 * included), a byte length that does not match shape and dtype ("size mismatch"), a tensor past
 * the end of the file ("truncated"), overlapping tensors, bytes that belong to no tensor ("hole",
 * "trailing bytes"), metadata that is not strings, or a BOOL byte other than 0 or 1.
 *
 * @example Round-trip a tensor
 * ```ts
 * import assert from "node:assert";
 * import { decodeSafetensors, encodeSafetensors } from "@dimo/dimo";
 * const bytes = encodeSafetensors(
 *   { w: { dtype: "F32", shape: [2], data: new Float32Array([0.5, -2]) } },
 *   { format: "pt" },
 * );
 * const { tensors, metadata } = decodeSafetensors(bytes);
 * assert.deepEqual(tensors.w, { dtype: "F32", shape: [2], data: new Float32Array([0.5, -2]) });
 * assert.deepEqual(metadata, { format: "pt" });
 * ```
 */
export function decodeSafetensors(bytes: Uint8Array): DecodedSafetensors {
  if (!(bytes instanceof Uint8Array)) {
    throw new TypeError(errorMessage("decode safetensors", "bytes", "a Uint8Array", String(bytes)));
  }
  const { entries, metadata, dataStart } = readHeader(bytes);
  checkLayout(entries, dataStart, bytes.length);
  const tensors = Object.fromEntries(
    entries.map((entry) => [entry.name, readTensor(bytes, entry, dataStart)]),
  );
  return { tensors, metadata };
}

function fail(offset: number, problem: string): never {
  throw new SafetensorsError(problem, { offset });
}

/**
 * "current value is …", shortened so a huge shape cannot flood the message; `written` is the value
 * as the header spells it, when `JSON.parse` changed it (2.0 → 2, 2^64 → 18446744073709552000).
 */
function current(value: unknown, written?: string): string {
  const text = written ?? JSON.stringify(value) ?? String(value);
  return `current value is ${text.length > 80 ? `${text.slice(0, 77)}...` : text}`;
}

/** How the header spells the values of a top-level key that hold a number no size or offset can be. */
type Written = (field?: string) => string | undefined;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Parses the length prefix and the header, checking each entry on its own. */
function readHeader(
  bytes: Uint8Array,
): { entries: Entry[]; metadata: Record<string, string>; dataStart: number } {
  if (bytes.length < LENGTH_BYTES) {
    fail(
      bytes.length,
      `the file is truncated: it must hold the 8-byte header length, current length is ${bytes.length}`,
    );
  }
  const length = new DataView(bytes.buffer, bytes.byteOffset, LENGTH_BYTES).getBigUint64(0, true);
  if (length > BigInt(MAX_HEADER_BYTES)) {
    fail(
      0,
      `the header is oversized: its length must be at most ${MAX_HEADER_BYTES} bytes, current value is ${length}`,
    );
  }
  const available = bytes.length - LENGTH_BYTES;
  if (length > BigInt(available)) {
    fail(
      bytes.length,
      `the header is truncated: the length prefix gives ${length} bytes, so the file must hold at least ${
        BigInt(LENGTH_BYTES) + length
      }, current length is ${bytes.length}`,
    );
  }
  const dataStart = LENGTH_BYTES + Number(length);
  const headerBytes = bytes.subarray(LENGTH_BYTES, dataStart);
  const header = parseJsonObject(headerBytes);
  const keys = scanHeaderKeys(headerBytes, LENGTH_BYTES);
  if (keys.repeated) {
    const { key, offset, parent } = keys.repeated;
    const within = parent === undefined ? "" : ` in '${parent}'`;
    fail(offset, `the header has a duplicate key: "${key}" appears twice${within}`);
  }
  let metadata: Record<string, string> = {};
  const entries: Entry[] = [];
  for (const [name, value] of Object.entries(header)) {
    const at = keys.offsets.get(name) ?? LENGTH_BYTES;
    const written: Written = (field) =>
      keys.notIndices.find((n) => n.parent === name && n.field === field)?.written;
    if (name === METADATA_KEY) metadata = parseMetadata(value, at, written);
    else entries.push(parseEntry(name, value, at, written));
  }
  return { entries, metadata, dataStart };
}

function parseJsonObject(headerBytes: Uint8Array): Record<string, unknown> {
  let text: string;
  try {
    // A byte-order mark is kept, and so rejected by JSON.parse, as the reference does.
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(headerBytes);
  } catch {
    fail(LENGTH_BYTES, "the header is not valid UTF-8");
  }
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (error) {
    fail(LENGTH_BYTES, `the header is not valid JSON: ${(error as Error).message}`);
  }
  if (!isObject(header)) fail(LENGTH_BYTES, `the header must be a JSON object: ${current(header)}`);
  return header;
}

function parseMetadata(value: unknown, at: number, written: Written): Record<string, string> {
  if (!isObject(value)) {
    fail(at, `the __metadata__ must be an object of strings: ${current(value, written())}`);
  }
  return Object.fromEntries(
    Object.entries(value).map(([key, text]) => {
      if (typeof text !== "string") {
        fail(
          at,
          `the __metadata__ must map strings to strings: the value of "${key}" is ${
            written(key) ?? JSON.stringify(text)
          }`,
        );
      }
      return [key, text];
    }),
  );
}

function parseEntry(name: string, info: unknown, at: number, written: Written): Entry {
  const tensor = `tensor '${name}'`;
  if (!isObject(info)) {
    fail(at, `${tensor} must be an object of dtype, shape and data_offsets: ${current(info, written())}`);
  }
  const extra = Object.keys(info).find((field) => !ENTRY_FIELDS.includes(field));
  if (extra !== undefined) fail(at, `${tensor} has an unknown field: current value is "${extra}"`);
  const { dtype, shape, data_offsets: offsets } = info;
  if (!isDtype(dtype)) {
    fail(
      at,
      `${tensor} is mistyped: its dtype must be one of ${DTYPES.join(", ")}, ${
        current(dtype, written("dtype"))
      }`,
    );
  }
  // A number written otherwise than as digits (2.0, 1e0) is refused even where JSON.parse makes it an index.
  const shapeText = written("shape");
  if (shapeText !== undefined || !isIndexList(shape)) {
    fail(
      at,
      `${tensor} has an invalid shape: it must be an array of non-negative integers, ${
        current(shape, shapeText)
      }`,
    );
  }
  const offsetsText = written("data_offsets");
  if (offsetsText !== undefined || !isIndexList(offsets) || offsets.length !== 2 || offsets[0] > offsets[1]) {
    fail(
      at,
      `${tensor} has invalid data_offsets: they must be two integers [begin, end] with begin <= end, ${
        current(offsets, offsetsText)
      }`,
    );
  }
  const [begin, end] = offsets;
  const needed = product(shape) * CODECS[dtype].size;
  if (end - begin !== needed) {
    const layout = `shape ${JSON.stringify(shape)} of ${dtype} needs ${needed} bytes`;
    fail(
      at,
      `${tensor} has a size mismatch: ${layout}, data_offsets ${JSON.stringify(offsets)} hold ${end - begin}`,
    );
  }
  return { name, dtype, shape, begin, end, at };
}

/** Checks that the tensors lie inside the data buffer and tile it exactly. */
function checkLayout(entries: Entry[], dataStart: number, fileLength: number): void {
  const dataLength = fileLength - dataStart;
  for (const { name, begin, end } of entries) {
    if (end > dataLength) {
      fail(
        fileLength,
        `tensor '${name}' is truncated: data_offsets [${begin}, ${end}] end past the ${dataLength} data bytes`,
      );
    }
  }
  entries.sort((a, b) => a.begin - b.begin || a.end - b.end || (a.name < b.name ? -1 : 1));
  let cursor = 0;
  let previous: Entry | undefined;
  for (const entry of entries) {
    const { name, begin, end } = entry;
    if (previous && begin < cursor) {
      fail(
        dataStart + begin,
        `tensors '${previous.name}' and '${name}' overlap: data_offsets [${previous.begin}, ${previous.end}] and [${begin}, ${end}]`,
      );
    }
    if (begin > cursor) {
      fail(
        dataStart + cursor,
        `the data has a hole before tensor '${name}': bytes [${cursor}, ${begin}) belong to no tensor`,
      );
    }
    cursor = end;
    previous = entry;
  }
  if (cursor < dataLength) {
    fail(
      dataStart + cursor,
      `the data has trailing bytes: bytes [${cursor}, ${dataLength}) follow the last tensor`,
    );
  }
}

/** Copies one tensor's bytes into a fresh, aligned buffer and decodes them. */
function readTensor(
  bytes: Uint8Array,
  { name, dtype, shape, begin, end }: Entry,
  dataStart: number,
): SafetensorsTensor {
  const codec = CODECS[dtype];
  const copy = bytes.slice(dataStart + begin, dataStart + end);
  swapToHostOrder(copy, codec.size);
  const notBool = dtype === "BOOL" ? copy.findIndex((byte) => byte > 1) : -1;
  if (notBool >= 0) {
    fail(
      dataStart + begin + notBool,
      `tensor '${name}' is mistyped: its BOOL bytes must be 0 or 1, current value is ${copy[notBool]}`,
    );
  }
  // The union pairs each dtype with its array; TypeScript cannot follow that through CODECS.
  return { dtype, shape, data: codec.fromBytes(copy.buffer) } as SafetensorsTensor;
}
