/**
 * Writing safetensors bytes.
 *
 * @module
 */
import { errorMessage } from "../validate/mod.ts";
import {
  className,
  CODECS,
  DTYPES,
  isDtype,
  isIndexList,
  LENGTH_BYTES,
  METADATA_KEY,
  product,
  swapToHostOrder,
} from "./_codecs.ts";
import { MAX_HEADER_BYTES, type SafetensorsTensor } from "./safetensors.ts";

/**
 * Writes tensors and string metadata as safetensors bytes.
 *
 * The output is deterministic and aligned as the reference implementation lays it out: tensors
 * ordered by element size (largest first), then by name; the header padded with spaces to a
 * multiple of 8 bytes, so every tensor starts at a multiple of its element size in the file.
 *
 * @param tensors The tensors by name; each `data` must be the array class of its dtype
 * ({@linkcode SafetensorsArrays}) with `product(shape)` elements.
 * @param metadata Strings stored under `__metadata__` (omitted when not given).
 * @returns The file's bytes.
 * @throws {TypeError} If a dtype is unknown, a shape is not a list of non-negative integers, a
 * `data` is of the wrong class or length, or a metadata value is not a string.
 * @throws {RangeError} If a tensor is named `__metadata__`, a BOOL holds a byte other than 0 or 1,
 * or the header would exceed {@linkcode MAX_HEADER_BYTES}.
 *
 * @example Encode a scalar and read its header length
 * ```ts
 * import assert from "node:assert";
 * import { encodeSafetensors } from "@dimo/dimo";
 * const bytes = encodeSafetensors({ step: { dtype: "I32", shape: [], data: new Int32Array([7]) } });
 * const headerLength = Number(new DataView(bytes.buffer).getBigUint64(0, true));
 * assert.equal(headerLength % 8, 0);
 * assert.equal(bytes.length, 8 + headerLength + 4);
 * ```
 */
export function encodeSafetensors(
  tensors: Record<string, SafetensorsTensor>,
  metadata?: Record<string, string>,
): Uint8Array {
  const entries = Object.entries(tensors).map(([name, tensor]) => {
    checkTensor(name, tensor);
    return { name, tensor, size: CODECS[tensor.dtype].size, bytes: toBytes(tensor) };
  });
  entries.sort((a, b) => b.size - a.size || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));

  // Built by hand, not from an object, to keep this order (objects put numeric keys first).
  const fields = metadata === undefined ? [] : [`${JSON.stringify(METADATA_KEY)}:${metadataJson(metadata)}`];
  let end = 0;
  for (const { name, tensor, bytes } of entries) {
    const info = { dtype: tensor.dtype, shape: tensor.shape, data_offsets: [end, end + bytes.length] };
    fields.push(`${JSON.stringify(name)}:${JSON.stringify(info)}`);
    end += bytes.length;
  }
  const json = new TextEncoder().encode(`{${fields.join(",")}}`);
  const headerLength = Math.ceil(json.length / 8) * 8;
  if (headerLength > MAX_HEADER_BYTES) {
    throw new RangeError(
      errorMessage("encode safetensors", "header", `at most ${MAX_HEADER_BYTES} bytes`, headerLength),
    );
  }

  const dataStart = LENGTH_BYTES + headerLength;
  const out = new Uint8Array(dataStart + end);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerLength), true);
  out.set(json, LENGTH_BYTES);
  out.fill(0x20, LENGTH_BYTES + json.length, dataStart);
  let offset = dataStart;
  for (const { size, bytes } of entries) {
    out.set(bytes, offset);
    swapToHostOrder(out.subarray(offset, offset + bytes.length), size);
    offset += bytes.length;
  }
  return out;
}

/** Throws unless `tensor` is well-formed for `encodeSafetensors`. */
function checkTensor(name: string, tensor: SafetensorsTensor): void {
  const action = "encode safetensors";
  if (name === METADATA_KEY) {
    throw new RangeError(errorMessage(action, "tensor name", `other than "${METADATA_KEY}"`, name));
  }
  const { dtype, shape, data } = tensor ?? {};
  if (!isDtype(dtype)) {
    throw new TypeError(errorMessage(action, `${name}.dtype`, `one of ${DTYPES.join(", ")}`, dtype));
  }
  if (!isIndexList(shape)) {
    throw new TypeError(errorMessage(action, `${name}.shape`, "an array of non-negative integers", shape));
  }
  const { array } = CODECS[dtype];
  if (!(data instanceof array)) {
    throw new TypeError(
      errorMessage(action, `${name}.data`, `a ${array.name} for ${dtype}`, className(data)),
    );
  }
  if (data.length !== product(shape)) {
    const rule = `${product(shape)} values long for shape ${JSON.stringify(shape)}`;
    throw new TypeError(errorMessage(action, `${name}.data`, rule, data.length));
  }
  const notBool = dtype === "BOOL" ? data.findIndex((v) => v > 1) : -1;
  if (notBool >= 0) {
    throw new RangeError(errorMessage(action, `${name}.data[${notBool}]`, "0 or 1", data[notBool]));
  }
}

/** The file bytes of a checked tensor, in host order. */
function toBytes(tensor: SafetensorsTensor): Uint8Array {
  // The union pairs each dtype with its array; TypeScript cannot follow that through CODECS.
  const codec = CODECS[tensor.dtype] as { toBytes(values: typeof tensor.data): Uint8Array };
  return codec.toBytes(tensor.data);
}

/** The `__metadata__` object as JSON with sorted keys, after checking it holds strings only. */
function metadataJson(metadata: Record<string, string>): string {
  const action = "encode safetensors";
  if (typeof metadata !== "object" || metadata === null || Array.isArray(metadata)) {
    throw new TypeError(errorMessage(action, "metadata", "an object of strings", className(metadata)));
  }
  const keys = Object.keys(metadata).sort();
  for (const key of keys) {
    if (typeof metadata[key] !== "string") {
      throw new TypeError(errorMessage(action, `metadata.${key}`, "a string", metadata[key]));
    }
  }
  return `{${keys.map((key) => `${JSON.stringify(key)}:${JSON.stringify(metadata[key])}`).join(",")}}`;
}
