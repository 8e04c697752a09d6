import assert from "node:assert/strict";
import { bf16ToF32, f16ToF32, f32ToBf16, f32ToF16 } from "./_half.ts";

const ALL_BITS = Uint16Array.from({ length: 65536 }, (_, i) => i);

function isNaNBits16(bits: number, exponentMask: number, mantissaMask: number): boolean {
  return (bits & exponentMask) === exponentMask && (bits & mantissaMask) !== 0;
}

Deno.test("f16ToF32() decodes binary16 by its definition", () => {
  const decoded = f16ToF32(
    new Uint16Array([0x3c00, 0xc000, 0x7bff, 0x0001, 0x03ff, 0x0400, 0x8000, 0x7c00, 0xfc00, 0x7e00]),
  );
  const expected = [1, -2, 65504, 2 ** -24, 1023 * 2 ** -24, 2 ** -14, -0, Infinity, -Infinity, NaN];
  assert.deepEqual(Array.from(decoded), expected);
});

Deno.test("f32ToF16() inverts f16ToF32() on every non-NaN bit pattern and keeps NaN", () => {
  const again = f32ToF16(f16ToF32(ALL_BITS));
  for (const bits of ALL_BITS) {
    if (isNaNBits16(bits, 0x7c00, 0x3ff)) assert.ok(isNaNBits16(again[bits], 0x7c00, 0x3ff), `NaN ${bits}`);
    else assert.equal(again[bits], bits, `bit pattern ${bits.toString(16)}`);
  }
});

Deno.test("f32ToF16() rounds every midpoint between neighbours to the even one", () => {
  // Midpoints of consecutive halves need 12 significant bits, so float32 holds them exactly.
  const positive = f16ToF32(ALL_BITS.subarray(0, 0x7c01)); // +0 … +Infinity
  const midpoints = new Float32Array(0x7c00);
  for (let bits = 0; bits < 0x7c00; bits++) midpoints[bits] = (positive[bits] + positive[bits + 1]) / 2;
  const rounded = f32ToF16(midpoints);
  for (let bits = 0; bits < 0x7c00; bits++) {
    assert.equal(rounded[bits], bits % 2 === 0 ? bits : bits + 1, `midpoint above ${bits.toString(16)}`);
  }
  // Just off a tie, the nearer neighbour wins.
  const nearOne = f32ToF16(new Float32Array([1 + 2 ** -11 + 2 ** -23, 1 + 2 ** -11 - 2 ** -23]));
  assert.deepEqual(Array.from(nearOne), [0x3c01, 0x3c00]);
});

Deno.test("f32ToF16() overflows to Infinity from 65520 and keeps signs", () => {
  const encoded = f32ToF16(new Float32Array([65519, 65520, -1e6, -0, -(2 ** -26), NaN]));
  assert.deepEqual(Array.from(encoded.subarray(0, 5)), [0x7bff, 0x7c00, 0xfc00, 0x8000, 0x8000]);
  assert.ok(isNaNBits16(encoded[5], 0x7c00, 0x3ff));
});

Deno.test("bf16ToF32() and f32ToBf16() round-trip every pattern and round midpoints to even", () => {
  const again = f32ToBf16(bf16ToF32(ALL_BITS));
  for (const bits of ALL_BITS) {
    if (isNaNBits16(bits, 0x7f80, 0x7f)) assert.ok(isNaNBits16(again[bits], 0x7f80, 0x7f), `NaN ${bits}`);
    else assert.equal(again[bits], bits);
  }
  // The float32 with low half 0x8000 lies exactly between two bfloat16 values.
  const midpoints = new Float32Array(0x7f80);
  const midpointBits = new Uint32Array(midpoints.buffer);
  for (let bits = 0; bits < 0x7f80; bits++) midpointBits[bits] = (bits << 16) | 0x8000;
  const rounded = f32ToBf16(midpoints);
  for (let bits = 0; bits < 0x7f80; bits++) assert.equal(rounded[bits], bits % 2 === 0 ? bits : bits + 1);
  assert.deepEqual(Array.from(bf16ToF32(new Uint16Array([0x3fc0, 0xc000]))), [1.5, -2]);
});
