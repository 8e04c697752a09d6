import assert from "node:assert/strict";
import { decodeIdx } from "./idx.ts";
import { DatasetFileError } from "./file_error.ts";

/** An idx file of unsigned bytes with the given shape and values 0, 1, 2, … */
function idxBytes(shape: number[]): Uint8Array {
  const size = shape.reduce((a, b) => a * b, 1);
  const bytes = new Uint8Array(4 + 4 * shape.length + size);
  const view = new DataView(bytes.buffer);
  bytes.set([0, 0, 8, shape.length]);
  shape.forEach((d, i) => view.setUint32(4 + 4 * i, d));
  for (let i = 0; i < size; i++) bytes[4 + 4 * shape.length + i] = i % 256;
  return bytes;
}

/** Asserts that decoding fails at `offset` with a message matching `pattern` that names the file. */
function assertFails(bytes: Uint8Array, offset: number, pattern: RegExp): void {
  assert.throws(
    () => decodeIdx(bytes, { path: "x.idx" }),
    (error) => {
      assert.ok(error instanceof DatasetFileError);
      assert.equal(error.offset, offset);
      assert.equal(error.path, "x.idx");
      assert.match(error.message, /^Cannot read data file "x\.idx" at byte \d+ as /);
      assert.match(error.message, pattern);
      return true;
    },
  );
}

Deno.test("decodeIdx() reads the shape big-endian and returns the values without a copy", () => {
  const bytes = idxBytes([3, 2, 300]);
  const { shape, data } = decodeIdx(bytes);
  assert.deepEqual(shape, [3, 2, 300]);
  assert.equal(data.length, 1800);
  assert.equal(data[299], 299 % 256);
  assert.equal(data.buffer, bytes.buffer);
});

Deno.test("decodeIdx() reads a rank-1 label file", () => {
  assert.deepEqual(decodeIdx(idxBytes([4])).shape, [4]);
});

Deno.test("decodeIdx() rejects a bad magic number, type or rank", () => {
  const bad = (i: number, v: number) => idxBytes([2, 2]).map((b, j) => (j === i ? v : b));
  assertFails(bad(0, 1), 0, /two zero bytes: found 1, 0/);
  assertFails(bad(2, 0x0d), 2, /type must be 0x08 \(unsigned byte\): found 0x0d/);
  assertFails(bad(3, 0), 3, /rank must be at least 1/);
});

Deno.test("decodeIdx() names truncation in the header and in the data, and trailing bytes", () => {
  const bytes = idxBytes([2, 3]);
  assertFails(bytes.subarray(0, 3), 0, /truncated: an idx header needs 4 bytes, found 3/);
  assertFails(bytes.subarray(0, 9), 9, /truncated: a rank-2 header needs 12 bytes/);
  assertFails(bytes.subarray(0, 15), 15, /truncated: shape \[2, 3\] needs 6 bytes of data, found 3/);
  const longer = new Uint8Array(bytes.length + 2);
  longer.set(bytes);
  assertFails(longer, 18, /longer than its header says: shape \[2, 3\] needs 6 bytes of data, found 8/);
});

Deno.test("decodeIdx() without a path says 'decode data'", () => {
  assert.throws(() => decodeIdx(new Uint8Array(2)), /^DatasetFileError: Cannot decode data at byte 0 as /);
});
