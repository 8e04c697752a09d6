import assert from "node:assert/strict";
import { decodeSafetensors, SafetensorsError } from "./mod.ts";

/** A file from a header text and data bytes, laid out by the format's definition. */
function file(header: string, data: ArrayLike<number> = []): Uint8Array {
  const json = new TextEncoder().encode(header);
  const bytes = new Uint8Array(8 + json.length + data.length);
  new DataView(bytes.buffer).setBigUint64(0, BigInt(json.length), true);
  bytes.set(json, 8);
  bytes.set(Array.from(data), 8 + json.length);
  return bytes;
}

/** The byte offset in `file(header)` of the last occurrence of `"key"` in the header. */
function keyOffset(header: string, key: string): number {
  return 8 + new TextEncoder().encode(header.slice(0, header.lastIndexOf(`"${key}"`))).length;
}

function rejects(bytes: Uint8Array, message: RegExp, offset: number): void {
  assert.throws(() => decodeSafetensors(bytes), (error: unknown) => {
    assert.ok(error instanceof SafetensorsError && error instanceof SyntaxError, String(error));
    assert.match(error.message, message);
    assert.match(error.message, /^Cannot decode safetensors at byte \d+ as /);
    assert.equal(error.offset, offset, error.message);
    return true;
  });
}

const f32 = (size: number, name = "w", begin = 0) =>
  `"${name}":{"dtype":"F32","shape":[${size}],"data_offsets":[${begin},${begin + 4 * size}]}`;

Deno.test("decodeSafetensors() reads a fixture built by hand from the format spec", () => {
  // 5 spaces of padding make the data start at byte 8 + 257, an odd offset: decoding must copy.
  const header = `{"__metadata__":{"format":"pt"},` +
    `"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},` +
    `"b":{"dtype":"I64","shape":[],"data_offsets":[8,16]},` +
    `"c":{"dtype":"F16","shape":[1,3],"data_offsets":[16,22]},` +
    `"d":{"dtype":"BF16","shape":[1],"data_offsets":[22,24]},` +
    `"e":{"dtype":"BOOL","shape":[2],"data_offsets":[24,26]}}     `;
  const data = [
    ...[0x00, 0x00, 0x80, 0x3f, 0x00, 0x00, 0x20, 0xc0], // F32 1, -2.5 (little-endian)
    ...[0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff], // I64 -2
    ...[0x00, 0x3c, 0xff, 0x7b, 0x01, 0x00], // F16 1, 65504, 2^-24
    ...[0xc0, 0x3f], // BF16 1.5
    ...[0x01, 0x00], // BOOL true, false
  ];
  const bytes = file(header, data);
  const { tensors, metadata } = decodeSafetensors(bytes);
  assert.deepEqual(metadata, { format: "pt" });
  assert.deepEqual(tensors, {
    a: { dtype: "F32", shape: [2], data: new Float32Array([1, -2.5]) },
    b: { dtype: "I64", shape: [], data: new BigInt64Array([-2n]) },
    c: { dtype: "F16", shape: [1, 3], data: new Float32Array([1, 65504, 2 ** -24]) },
    d: { dtype: "BF16", shape: [1], data: new Float32Array([1.5]) },
    e: { dtype: "BOOL", shape: [2], data: new Uint8Array([1, 0]) },
  });
  for (const { data } of Object.values(tensors)) assert.equal(data.byteOffset % data.BYTES_PER_ELEMENT, 0);
  // The same file as a view into a larger buffer reads the same.
  const shifted = new Uint8Array(bytes.length + 3);
  shifted.set(bytes, 3);
  assert.deepEqual(decodeSafetensors(shifted.subarray(3)), { tensors, metadata });
});

Deno.test("decodeSafetensors() accepts an empty file, zero-size tensors and no metadata", () => {
  assert.deepEqual(decodeSafetensors(file("{}")), { tensors: {}, metadata: {} });
  const header = `{"z":{"dtype":"F32","shape":[0,3],"data_offsets":[0,0]},${f32(1, "a")},` +
    `"y":{"dtype":"I32","shape":[2,0],"data_offsets":[4,4]}}`;
  const { tensors } = decodeSafetensors(file(header, [0, 0, 0, 0]));
  assert.deepEqual(tensors.z, { dtype: "F32", shape: [0, 3], data: new Float32Array() });
  assert.deepEqual(tensors.y.shape, [2, 0]);
});

Deno.test("decodeSafetensors() rejects a file too short, a header oversized or truncated", () => {
  rejects(new Uint8Array(5), /the file is truncated: .*current length is 5/, 5);
  const beyond = file("{}");
  new DataView(beyond.buffer).setBigUint64(0, 11n, true);
  rejects(
    beyond,
    /the header is truncated: the length prefix gives 11 bytes, so the file must hold at least 19, current length is 10$/,
    10,
  );
  const huge = file("{}");
  new DataView(huge.buffer).setBigUint64(0, 2n ** 64n - 1n, true);
  rejects(huge, /the header is oversized: its length must be at most 100000000 bytes/, 0);
});

Deno.test("decodeSafetensors() rejects a header that is not a UTF-8 JSON object", () => {
  const latin1 = file("{}");
  latin1[9] = 0xff;
  rejects(latin1, /the header is not valid UTF-8/, 8);
  rejects(file(`{"w":`), /the header is not valid JSON/, 8);
  rejects(file("\ufeff{}"), /the header is not valid JSON/, 8);
  rejects(file("[]"), /the header must be a JSON object: current value is \[\]/, 8);
  rejects(file("null"), /must be a JSON object/, 8);
});

Deno.test("decodeSafetensors() rejects a malformed tensor entry, naming the tensor", () => {
  const cases: [string, RegExp][] = [
    [`{"w":3}`, /tensor 'w' must be an object of dtype, shape and data_offsets: current value is 3/],
    [
      `{"w":{"dtype":"F33","shape":[1],"data_offsets":[0,4]}}`,
      /tensor 'w' is mistyped: .*current value is "F33"/,
    ],
    [`{"w":{"dtype":"f32","shape":[1],"data_offsets":[0,4]}}`, /tensor 'w' is mistyped/],
    [
      `{"w":{"dtype":"F32","shape":[1,-1],"data_offsets":[0,4]}}`,
      /tensor 'w' has an invalid shape: .*\[1,-1\]/,
    ],
    [`{"w":{"dtype":"F32","shape":[1.5],"data_offsets":[0,4]}}`, /tensor 'w' has an invalid shape/],
    [`{"w":{"dtype":"F32","shape":"1","data_offsets":[0,4]}}`, /tensor 'w' has an invalid shape/],
    [`{"w":{"dtype":"F32","data_offsets":[0,4]}}`, /tensor 'w' has an invalid shape: .*undefined/],
    [
      `{"w":{"dtype":"F32","shape":[1],"data_offsets":[4,0]}}`,
      /tensor 'w' has invalid data_offsets: .*\[4,0\]/,
    ],
    [`{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4,4]}}`, /tensor 'w' has invalid data_offsets/],
    [`{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,"4"]}}`, /tensor 'w' has invalid data_offsets/],
    [
      `{"w":{"dtype":"F32","shape":[2,2],"data_offsets":[0,4]}}`,
      /tensor 'w' has a size mismatch: .*needs 16 bytes/,
    ],
    [
      `{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4],"extra":1}}`,
      /tensor 'w' has an unknown field: .*"extra"/,
    ],
  ];
  for (const [header, message] of cases) rejects(file(header, [0, 0, 0, 0]), message, keyOffset(header, "w"));
});

Deno.test("decodeSafetensors() quotes numbers as the header writes them and refuses 2.0 as a size", () => {
  const entry = (shape: string, offsets = "[0,8]") =>
    `{"w":{"dtype":"F32","shape":${shape},"data_offsets":${offsets}}}`;
  const cases: [string, RegExp][] = [
    [entry("[2.0]"), /tensor 'w' has an invalid shape: .*current value is \[2\.0\]$/],
    [entry("[ 1, 2e0 ]"), /tensor 'w' has an invalid shape: .*current value is \[ 1, 2e0 \]$/],
    [entry("[2]", "[0, 8.0]"), /tensor 'w' has invalid data_offsets: .*current value is \[0, 8\.0\]$/],
    [
      entry("[18446744073709551616]"),
      /tensor 'w' has an invalid shape: .*current value is \[18446744073709551616\]$/,
    ],
    [
      entry("[2]", "[0,18446744073709551616]"),
      /tensor 'w' has invalid data_offsets: .*current value is \[0,18446744073709551616\]$/,
    ],
    [entry("[9007199254740993]"), /current value is \[9007199254740993\]$/],
    [entry("[-0]"), /tensor 'w' has an invalid shape: .*current value is \[-0\]$/],
    [`{"w":2.0}`, /tensor 'w' must be an object .*current value is 2\.0$/],
    [
      `{"w":{"dtype":1E1,"shape":[2],"data_offsets":[0,8]}}`,
      /tensor 'w' is mistyped: .*current value is 1E1$/,
    ],
  ];
  for (const [header, message] of cases) {
    rejects(file(header, new Uint8Array(8)), message, keyOffset(header, "w"));
  }
  // The same digits written plainly are a valid file.
  assert.deepEqual(decodeSafetensors(file(entry("[2]"), new Uint8Array(8))).tensors.w.shape, [2]);
  const huge = `{"__metadata__":{"step":18446744073709551616}}`;
  rejects(file(huge), /the value of "step" is 18446744073709551616$/, 8 + 1);
});

Deno.test("decodeSafetensors() rejects tensors that do not tile the data exactly", () => {
  const zeros = (n: number) => new Uint8Array(n);
  // Truncated: the tensor needs 16 bytes, the file ends after 8 of them.
  const truncated = file(`{${f32(4)}}`, zeros(8));
  rejects(
    truncated,
    /tensor 'w' is truncated: data_offsets \[0, 16\] end past the 8 data bytes/,
    truncated.length,
  );
  const dataStart = (header: string) => 8 + header.length;

  const overlap = `{${f32(2, "a")},${f32(2, "b", 4)}}`;
  rejects(file(overlap, zeros(12)), /tensors 'a' and 'b' overlap/, dataStart(overlap) + 4);
  const inside = `{${f32(2, "a")},${f32(0, "b", 4)}}`;
  rejects(file(inside, zeros(8)), /tensors 'a' and 'b' overlap/, dataStart(inside) + 4);
  const hole = `{${f32(1, "a")},${f32(1, "b", 8)}}`;
  rejects(
    file(hole, zeros(12)),
    /the data has a hole before tensor 'b': bytes \[4, 8\)/,
    dataStart(hole) + 4,
  );
  const leading = `{${f32(1, "a", 4)}}`;
  rejects(file(leading, zeros(8)), /the data has a hole before tensor 'a'/, dataStart(leading));
  const trailing = `{${f32(1, "a")}}`;
  rejects(file(trailing, zeros(6)), /the data has trailing bytes: bytes \[4, 6\)/, dataStart(trailing) + 4);
});

Deno.test("decodeSafetensors() rejects duplicate keys, bad metadata and non-0/1 BOOL bytes", () => {
  const twice = `{${f32(1, "w")},${f32(1, "\\u0077", 4)}}`; // "\u0077" is "w" too
  rejects(
    file(twice, new Uint8Array(8)),
    /the header has a duplicate key: "w" appears twice/,
    keyOffset(twice, "\\u0077"),
  );
  const nested = `{"w":{"dtype":"F32","dtype":"F32","shape":[1],"data_offsets":[0,4]}}`;
  rejects(file(nested, new Uint8Array(4)), /"dtype" appears twice in 'w'/, keyOffset(nested, "dtype"));

  const numbers = `{"__metadata__":{"step":"1","lr":0.1}}`;
  rejects(file(numbers), /the __metadata__ must map strings to strings: the value of "lr" is 0.1/, 8 + 1);
  rejects(file(`{"__metadata__":["a"]}`), /the __metadata__ must be an object of strings/, 8 + 1);

  const bool = `{"m":{"dtype":"BOOL","shape":[3],"data_offsets":[0,3]}}`;
  rejects(
    file(bool, [1, 0, 2]),
    /tensor 'm' is mistyped: its BOOL bytes must be 0 or 1, current value is 2/,
    8 + bool.length + 2,
  );
});

Deno.test("decodeSafetensors() locates keys by byte after multi-byte and escaped strings", () => {
  // Braces, commas and quotes inside strings, and a 2-byte "ü", must not confuse the key scan.
  const header =
    `{"__metadata__":{"note":"{\\"a\\": [1, 2]},"},"ü":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},` +
    `"w":{"dtype":"X","shape":[1],"data_offsets":[4,8]}}`;
  rejects(file(header, new Uint8Array(8)), /tensor 'w' is mistyped/, keyOffset(header, "w"));
  assert.equal(keyOffset(header, "w"), 8 + header.indexOf(`"w"`) + 1); // one extra byte for ü
});

Deno.test("decodeSafetensors() rejects something other than bytes with a TypeError", () => {
  assert.throws(() => decodeSafetensors([1, 2, 3] as unknown as Uint8Array), TypeError);
});
