/**
 * 16-bit floats (IEEE binary16 "F16" and bfloat16 "BF16") to and from float32, bit-exact:
 * encoding rounds to nearest with ties to even, as numpy and PyTorch do, so a file written
 * here matches one written there.
 *
 * @module
 */

/** Decodes binary16 bit patterns. */
export function f16ToF32(bits: Uint16Array): Float32Array {
  const out = new Float32Array(bits.length);
  for (let i = 0; i < bits.length; i++) {
    const h = bits[i];
    const sign = h & 0x8000 ? -1 : 1;
    const exponent = (h >>> 10) & 0x1f;
    const mantissa = h & 0x3ff;
    if (exponent === 0) out[i] = sign * mantissa * 2 ** -24; // zero or subnormal
    else if (exponent === 0x1f) out[i] = mantissa ? NaN : sign * Infinity;
    else out[i] = sign * (0x400 + mantissa) * 2 ** (exponent - 25);
  }
  return out;
}

/** Encodes float32 values as binary16 bit patterns (ties to even; beyond ±65504 rounds to ±Infinity). */
export function f32ToF16(values: Float32Array): Uint16Array {
  const floatBits = new Uint32Array(values.buffer, values.byteOffset, values.length);
  const out = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const sign = (floatBits[i] >>> 16) & 0x8000;
    const abs = floatBits[i] & 0x7fffffff;
    if (abs >= 0x7f800000) out[i] = sign | (abs > 0x7f800000 ? 0x7e00 : 0x7c00); // NaN stays NaN
    else if (abs >= 0x477ff000) out[i] = sign | 0x7c00; // at least 65520: rounds up to Infinity
    else if (abs < 0x38800000) out[i] = sign | roundHalfEven(Math.abs(values[i]) * 2 ** 24); // subnormal
    else {
      // Normal: rebias the exponent (127 → 15) and round away 13 mantissa bits; a carry out of
      // the mantissa correctly bumps the exponent.
      const odd = (abs >>> 13) & 1;
      out[i] = sign | ((abs - ((127 - 15) << 23) + 0xfff + odd) >>> 13);
    }
  }
  return out;
}

/** Decodes bfloat16 bit patterns: they are the upper halves of float32 ones. */
export function bf16ToF32(bits: Uint16Array): Float32Array {
  const out = new Float32Array(bits.length);
  const outBits = new Uint32Array(out.buffer);
  for (let i = 0; i < bits.length; i++) outBits[i] = bits[i] << 16;
  return out;
}

/** Encodes float32 values as bfloat16 bit patterns (ties to even; NaN stays a quiet NaN). */
export function f32ToBf16(values: Float32Array): Uint16Array {
  const floatBits = new Uint32Array(values.buffer, values.byteOffset, values.length);
  const out = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const bits = floatBits[i];
    if ((bits & 0x7fffffff) > 0x7f800000) out[i] = (bits >>> 16) | 0x0040;
    else out[i] = (bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16;
  }
  return out;
}

/** Rounds to the nearest integer, ties to even (`Math.round` sends ties up). */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}
