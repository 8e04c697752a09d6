/**
 * Threefry-2x32 with 20 rounds (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3",
 * SC 2011): a counter-based generator, the one JAX uses. Each output block is a pure function of a
 * 64-bit key and a 64-bit counter, so any element of a random tensor can be computed on its own,
 * in any order, on the CPU or in a GPU shader, with the same bits. The JavaScript function and the
 * WGSL source below are the same algorithm; `dropout_test.ts` checks them against the published
 * known-answer vectors and against each other.
 *
 * @module
 */

/** Rotation distances of Threefry-2x32, applied in turn, one per round. */
const ROTATIONS = [13, 15, 26, 6, 17, 29, 16, 24] as const;

/** The key-schedule parity constant of Threefish. */
const PARITY = 0x1bd11bda;

/**
 * One Threefry-2x32-20 block.
 *
 * @param key0 The key's first 32-bit word.
 * @param key1 The key's second 32-bit word.
 * @param counter0 The counter's first 32-bit word.
 * @param counter1 The counter's second 32-bit word.
 * @returns The two 32-bit output words, as unsigned integers.
 *
 * @example The first known-answer vector of the Random123 distribution
 * ```ts
 * import assert from "node:assert";
 * import { threefry2x32 } from "./threefry.ts";
 * assert.deepEqual(threefry2x32(0, 0, 0, 0), [0x6b200159, 0x99ba4efe]);
 * ```
 */
export function threefry2x32(
  key0: number,
  key1: number,
  counter0: number,
  counter1: number,
): [number, number] {
  const out = new Uint32Array(2);
  threefry2x32Blocks(key0, key1, counter0, counter1, out);
  return [out[0], out[1]];
}

/**
 * Fills `out` with consecutive blocks: words `2j` and `2j + 1` are the block at counter
 * `(counter0 + j, counter1)`. Nothing is allocated per block.
 *
 * @param key0 The key's first 32-bit word.
 * @param key1 The key's second 32-bit word.
 * @param counter0 The first block's counter, first word.
 * @param counter1 The counter's second word, the same for every block.
 * @param out Where the words go; its length must be even.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { threefry2x32, threefry2x32Blocks } from "./threefry.ts";
 * const out = new Uint32Array(4);
 * threefry2x32Blocks(1, 2, 10, 0, out);
 * assert.deepEqual([...out.slice(2)], threefry2x32(1, 2, 11, 0));
 * ```
 */
export function threefry2x32Blocks(
  key0: number,
  key1: number,
  counter0: number,
  counter1: number,
  out: Uint32Array,
): void {
  const k0 = key0 | 0, k1 = key1 | 0, k2 = (PARITY ^ key0 ^ key1) | 0;
  for (let j = 0; j < out.length; j += 2) {
    let x0 = (counter0 + j / 2 + k0) | 0;
    let x1 = (counter1 + k1) | 0;
    // Twenty rounds, rotating by ROTATIONS[round % 8], written out: three times faster than a loop.
    x0 = (x0 + x1) | 0, x1 = ((x1 << 13) | (x1 >>> 19)) ^ x0;
    x0 = (x0 + x1) | 0, x1 = ((x1 << 15) | (x1 >>> 17)) ^ x0;
    x0 = (x0 + x1) | 0, x1 = ((x1 << 26) | (x1 >>> 6)) ^ x0;
    x0 = (x0 + x1) | 0, x1 = ((x1 << 6) | (x1 >>> 26)) ^ x0;
    x0 = (x0 + k1) | 0, x1 = (x1 + k2 + 1) | 0; // key injection 1
    x0 = (x0 + x1) | 0, x1 = ((x1 << 17) | (x1 >>> 15)) ^ x0;
    x0 = (x0 + x1) | 0, x1 = ((x1 << 29) | (x1 >>> 3)) ^ x0;
    x0 = (x0 + x1) | 0, x1 = ((x1 << 16) | (x1 >>> 16)) ^ x0;
    x0 = (x0 + x1) | 0, x1 = ((x1 << 24) | (x1 >>> 8)) ^ x0;
    x0 = (x0 + k2) | 0, x1 = (x1 + k0 + 2) | 0; // key injection 2
    x0 = (x0 + x1) | 0, x1 = ((x1 << 13) | (x1 >>> 19)) ^ x0;
    x0 = (x0 + x1) | 0, x1 = ((x1 << 15) | (x1 >>> 17)) ^ x0;
    x0 = (x0 + x1) | 0, x1 = ((x1 << 26) | (x1 >>> 6)) ^ x0;
    x0 = (x0 + x1) | 0, x1 = ((x1 << 6) | (x1 >>> 26)) ^ x0;
    x0 = (x0 + k0) | 0, x1 = (x1 + k1 + 3) | 0; // key injection 3
    x0 = (x0 + x1) | 0, x1 = ((x1 << 17) | (x1 >>> 15)) ^ x0;
    x0 = (x0 + x1) | 0, x1 = ((x1 << 29) | (x1 >>> 3)) ^ x0;
    x0 = (x0 + x1) | 0, x1 = ((x1 << 16) | (x1 >>> 16)) ^ x0;
    x0 = (x0 + x1) | 0, x1 = ((x1 << 24) | (x1 >>> 8)) ^ x0;
    x0 = (x0 + k1) | 0, x1 = (x1 + k2 + 4) | 0; // key injection 4
    x0 = (x0 + x1) | 0, x1 = ((x1 << 13) | (x1 >>> 19)) ^ x0;
    x0 = (x0 + x1) | 0, x1 = ((x1 << 15) | (x1 >>> 17)) ^ x0;
    x0 = (x0 + x1) | 0, x1 = ((x1 << 26) | (x1 >>> 6)) ^ x0;
    x0 = (x0 + x1) | 0, x1 = ((x1 << 6) | (x1 >>> 26)) ^ x0;
    x0 = (x0 + k2) | 0, x1 = (x1 + k0 + 5) | 0; // key injection 5
    out[j] = x0;
    out[j + 1] = x1;
  }
}

/**
 * The same block as WGSL: `fn threefry2x32(key: vec2<u32>, counter: vec2<u32>) -> vec2<u32>`, to
 * paste into a shader.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { THREEFRY_WGSL } from "./threefry.ts";
 * assert.match(THREEFRY_WGSL, /fn threefry2x32/);
 * ```
 */
export const THREEFRY_WGSL = `
fn threefryRound(x: vec2<u32>, r: u32) -> vec2<u32> {
  let x0 = x.x + x.y;
  return vec2<u32>(x0, ((x.y << r) | (x.y >> (32u - r))) ^ x0);
}

fn threefry2x32(key: vec2<u32>, counter: vec2<u32>) -> vec2<u32> {
  var keys = array<u32, 3>(key.x, key.y, ${PARITY}u ^ key.x ^ key.y);
  var x = counter + key;
  for (var s = 1u; s <= 5u; s++) {
    let odd = (s & 1u) == 1u;
    x = threefryRound(x, select(${ROTATIONS[4]}u, ${ROTATIONS[0]}u, odd));
    x = threefryRound(x, select(${ROTATIONS[5]}u, ${ROTATIONS[1]}u, odd));
    x = threefryRound(x, select(${ROTATIONS[6]}u, ${ROTATIONS[2]}u, odd));
    x = threefryRound(x, select(${ROTATIONS[7]}u, ${ROTATIONS[3]}u, odd));
    x = x + vec2<u32>(keys[s % 3u], keys[(s + 1u) % 3u] + s);
  }
  return x;
}
`;
