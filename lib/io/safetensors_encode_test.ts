import assert from "node:assert/strict";
import { decodeSafetensors, encodeSafetensors, type SafetensorsTensor } from "./mod.ts";

/** One tensor of each dtype with edge values, plus empty tensors and scalars. */
const EVERY_DTYPE: Record<string, SafetensorsTensor> = {
  bool: { dtype: "BOOL", shape: [2, 2], data: new Uint8Array([1, 0, 0, 1]) },
  u8: { dtype: "U8", shape: [3], data: new Uint8Array([0, 128, 255]) },
  i8: { dtype: "I8", shape: [3], data: new Int8Array([-128, 0, 127]) },
  i16: { dtype: "I16", shape: [3], data: new Int16Array([-32768, 1, 32767]) },
  u16: { dtype: "U16", shape: [2], data: new Uint16Array([0, 65535]) },
  f16: { dtype: "F16", shape: [5], data: new Float32Array([1, -65504, 2 ** -24, -0, Infinity]) },
  bf16: { dtype: "BF16", shape: [4], data: new Float32Array([1.5, -(2 ** 100), 2 ** -126, NaN]) },
  i32: { dtype: "I32", shape: [3], data: new Int32Array([-(2 ** 31), -1, 2 ** 31 - 1]) },
  u32: { dtype: "U32", shape: [2], data: new Uint32Array([0, 2 ** 32 - 1]) },
  f32: { dtype: "F32", shape: [2, 3], data: new Float32Array([0.1, -0, NaN, -Infinity, 3.4e38, 1e-45]) },
  f64: { dtype: "F64", shape: [3], data: new Float64Array([Math.PI, -Number.MAX_VALUE, Number.MIN_VALUE]) },
  i64: { dtype: "I64", shape: [3], data: new BigInt64Array([-(2n ** 63n), 0n, 2n ** 63n - 1n]) },
  u64: { dtype: "U64", shape: [1], data: new BigUint64Array([2n ** 64n - 1n]) },
  scalar: { dtype: "F32", shape: [], data: new Float32Array([2.5]) },
  scalarI64: { dtype: "I64", shape: [], data: new BigInt64Array([-7n]) },
  empty: { dtype: "F32", shape: [0], data: new Float32Array() },
  emptyMatrix: { dtype: "I16", shape: [3, 0], data: new Int16Array() },
};

function header(
  bytes: Uint8Array,
): { length: number; json: Record<string, { data_offsets: number[]; dtype: string }> } {
  const length = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  return { length, json: JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + length))) };
}

Deno.test("encodeSafetensors() and decodeSafetensors() round-trip every dtype, empty tensors and scalars", () => {
  const bytes = encodeSafetensors(EVERY_DTYPE, { format: "pt", "ü": "ẞ" });
  const { tensors, metadata } = decodeSafetensors(bytes);
  assert.deepEqual(tensors, EVERY_DTYPE); // deepStrictEqual tells -0 from 0 and matches NaN
  assert.deepEqual(metadata, { format: "pt", "ü": "ẞ" });
});

Deno.test("encodeSafetensors() writes the layout of the format byte for byte", () => {
  const bytes = encodeSafetensors({
    b: { dtype: "I32", shape: [1], data: new Int32Array([7]) },
    a: { dtype: "F64", shape: [], data: new Float64Array([1.5]) },
  });
  // Larger elements first, the header padded with spaces to a multiple of 8, then the data.
  const json =
    `{"a":{"dtype":"F64","shape":[],"data_offsets":[0,8]},"b":{"dtype":"I32","shape":[1],"data_offsets":[8,12]}}`;
  const padded = json + " ".repeat(Math.ceil(json.length / 8) * 8 - json.length);
  const expected = [
    ...[padded.length, 0, 0, 0, 0, 0, 0, 0],
    ...new TextEncoder().encode(padded),
    ...[0, 0, 0, 0, 0, 0, 0xf8, 0x3f], // F64 1.5, little-endian
    ...[7, 0, 0, 0], // I32 7
  ];
  assert.deepEqual(Array.from(bytes), expected);
});

Deno.test("encodeSafetensors() is deterministic and aligns every tensor to its element size", () => {
  const reversed = Object.fromEntries(Object.entries(EVERY_DTYPE).reverse());
  const bytes = encodeSafetensors(EVERY_DTYPE, { b: "2", a: "1" });
  assert.deepEqual(encodeSafetensors(reversed, { a: "1", b: "2" }), bytes);
  const { length, json } = header(bytes);
  assert.equal(length % 8, 0);
  const { __metadata__, ...entries } = json;
  assert.deepEqual(__metadata__, { a: "1", b: "2" });
  for (const [name, { dtype, data_offsets: [begin] }] of Object.entries(entries)) {
    const size = { BOOL: 1, U8: 1, I8: 1, I16: 2, U16: 2, F16: 2, BF16: 2 }[dtype] ??
      (dtype.endsWith("64") ? 8 : 4);
    assert.equal((8 + length + begin) % size, 0, `${name} at ${begin}`);
  }
  assert.deepEqual(Object.keys(header(encodeSafetensors({})).json), []);
});

Deno.test("encodeSafetensors() rounds F16 and BF16 to nearest even", () => {
  const bytes = encodeSafetensors({
    h: { dtype: "F16", shape: [3], data: new Float32Array([1 + 2 ** -11, 1 + 3 * 2 ** -11, 65520]) },
    b: { dtype: "BF16", shape: [2], data: new Float32Array([1 + 2 ** -8, 1 + 3 * 2 ** -8]) },
  });
  const { tensors } = decodeSafetensors(bytes);
  assert.deepEqual(tensors.h.data, new Float32Array([1, 1 + 2 ** -9, Infinity]));
  assert.deepEqual(tensors.b.data, new Float32Array([1, 1 + 2 ** -6]));
});

Deno.test("encodeSafetensors() rejects malformed tensors and metadata, naming the field", () => {
  const bad = (tensor: unknown) => ({ w: tensor as SafetensorsTensor });
  assert.throws(
    () => encodeSafetensors(bad({ dtype: "F8", shape: [1], data: new Float32Array(1) })),
    new TypeError(
      `Cannot encode safetensors as 'w.dtype' must be one of BOOL, U8, I8, I16, U16, F16, BF16, I32, U32, F32, F64, I64, U64: current value is "F8"`,
    ),
  );
  assert.throws(
    () => encodeSafetensors(bad({ dtype: "F32", shape: [-1], data: new Float32Array(1) })),
    /'w.shape' must be an array of non-negative integers: current value is \[-1\]/,
  );
  assert.throws(
    () => encodeSafetensors(bad({ dtype: "F32", shape: [2], data: new Float64Array(2) })),
    /'w.data' must be a Float32Array for F32: current value is "Float64Array"/,
  );
  assert.throws(
    () => encodeSafetensors(bad({ dtype: "I32", shape: [2, 2], data: new Int32Array(3) })),
    /'w.data' must be 4 values long for shape \[2,2\]: current value is 3/,
  );
  assert.throws(
    () => encodeSafetensors(bad({ dtype: "BOOL", shape: [2], data: new Uint8Array([1, 2]) })),
    new RangeError("Cannot encode safetensors as 'w.data[1]' must be 0 or 1: current value is 2"),
  );
  assert.throws(
    () => encodeSafetensors({ __metadata__: { dtype: "U8", shape: [], data: new Uint8Array(1) } }),
    RangeError,
  );
  assert.throws(
    () => encodeSafetensors({}, { step: 3 } as unknown as Record<string, string>),
    new TypeError("Cannot encode safetensors as 'metadata.step' must be a string: current value is 3"),
  );
});
