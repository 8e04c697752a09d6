/**
 * Seeded randomness for every draw in dimo: masks, `x_init`, embedding noise, Gumbel noise and
 * token sampling all take an explicit {@linkcode Rng}, so one seed reproduces a whole run.
 *
 * The generator is sfc32 (Chris Doty-Humphrey's Small Fast Counting generator, 128-bit state),
 * seeded through splitmix32. Streams fork by name: `rng.fork("aux")` depends only on the parent's
 * seed and the name, never on how many numbers the parent has drawn, so adding a draw in one part
 * of an iteration does not shift the others. The state is four 32-bit integers and serialises to
 * JSON for exact resume.
 *
 * tfjs random ops (`tf.randomUniform`, `tf.randomNormal`) take `rng.seed()`, a fresh nonzero
 * integer per call; they draw on the CPU with a seeded generator, so results do not depend on the
 * backend. dimo's device-side draws (`dropout`, `standardNormal`) take `rng.drawKey()`.
 *
 * @example Two generators with one seed agree
 * ```ts
 * import assert from "node:assert";
 * import { createRng } from "@dimo/dimo";
 * const a = createRng(7), b = createRng(7);
 * assert.equal(a.next(), b.next());
 * assert.equal(a.fork("aux").int(100), b.fork("aux").int(100));
 * ```
 *
 * @module
 */

import { checkInteger, errorMessage } from "../validate/mod.ts";

/** The serialisable state of an {@linkcode Rng}: its fork key and its sfc32 state. */
export interface RngState {
  /** The 32-bit key forks are derived from (fixed at creation). */
  readonly key: number;
  /** The four 32-bit words of the sfc32 state. */
  readonly words: readonly [number, number, number, number];
}

/** A seeded random number generator with named, independent forks. */
export interface Rng {
  /** Returns a float in `[0, 1)` with 32 random bits. */
  next(): number;
  /** Returns an integer in `[0, n)`; `n` must be a positive integer below 2^32. */
  int(n: number): number;
  /** Returns a fresh seed in `[1, 2^31 - 1]` for a tfjs random op. */
  seed(): number;
  /** Returns a fresh 64-bit key, two unsigned 32-bit words, for `dropout` or `standardNormal`. */
  drawKey(): [number, number];
  /** Returns an independent stream determined by this generator's key and `name` only. */
  fork(name: string): Rng;
  /** Returns a copy of the state, for checkpoints. */
  state(): RngState;
}

/** splitmix32 step: a well-mixed 32-bit output from a 32-bit input. */
function mix32(x: number): number {
  x = (x + 0x9e3779b9) | 0;
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  return (x ^ (x >>> 16)) >>> 0;
}

/** FNV-1a hash of a string, mixed with a key. */
function hashName(key: number, name: string): number {
  let h = 0x811c9dc5 ^ key;
  for (let i = 0; i < name.length; i++) {
    h = Math.imul(h ^ name.charCodeAt(i), 0x01000193);
  }
  return mix32(h >>> 0);
}

class Sfc32 implements Rng {
  #key: number;
  #a: number;
  #b: number;
  #c: number;
  #d: number;

  constructor(state: RngState) {
    this.#key = state.key >>> 0;
    [this.#a, this.#b, this.#c, this.#d] = state.words.map((w) => w >>> 0);
  }

  static fromKey(key: number): Sfc32 {
    const k = key >>> 0;
    const rng = new Sfc32({
      key: k,
      words: [mix32(k), mix32(k ^ 0x1), mix32(k ^ 0x2), 1],
    });
    for (let i = 0; i < 12; i++) rng.#u32(); // decorrelate nearby keys
    return rng;
  }

  #u32(): number {
    const t = (((this.#a + this.#b) | 0) + this.#d) | 0;
    this.#d = (this.#d + 1) | 0;
    this.#a = this.#b ^ (this.#b >>> 9);
    this.#b = (this.#c + (this.#c << 3)) | 0;
    this.#c = (this.#c << 21) | (this.#c >>> 11);
    this.#c = (this.#c + t) | 0;
    return t >>> 0;
  }

  next(): number {
    return this.#u32() / 4294967296;
  }

  int(n: number): number {
    checkInteger("draw an integer", "n", n, 1, 4294967295);
    // Rejection sampling keeps the draw exactly uniform.
    const limit = 4294967296 - (4294967296 % n);
    let x = this.#u32();
    while (x >= limit) x = this.#u32();
    return x % n;
  }

  seed(): number {
    return (this.#u32() % 2147483646) + 1;
  }

  drawKey(): [number, number] {
    return [this.#u32(), this.#u32()];
  }

  fork(name: string): Rng {
    return Sfc32.fromKey(hashName(this.#key, name));
  }

  state(): RngState {
    return { key: this.#key, words: [this.#a >>> 0, this.#b >>> 0, this.#c >>> 0, this.#d >>> 0] };
  }
}

/**
 * Creates a generator from an integer seed.
 *
 * @param seed Any safe integer; equal seeds give equal streams.
 * @returns A new {@linkcode Rng}.
 * @throws {RangeError} If `seed` is not a safe integer.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { createRng } from "@dimo/dimo";
 * const rng = createRng(3407);
 * const u = rng.next();
 * assert.ok(u >= 0 && u < 1);
 * ```
 */
export function createRng(seed: number): Rng {
  checkInteger(
    "create a generator",
    "seed",
    seed,
    Number.MIN_SAFE_INTEGER,
    Number.MAX_SAFE_INTEGER,
  );
  const lo = seed >>> 0;
  const hi = Math.floor(seed / 4294967296) >>> 0;
  return Sfc32.fromKey(mix32(lo ^ mix32(hi)));
}

/**
 * Recreates a generator from a saved {@linkcode RngState}; it continues exactly where the
 * saved one stopped.
 *
 * @param state A state from {@linkcode Rng.state}, possibly through JSON.
 * @returns A generator that continues the saved stream.
 * @throws {TypeError} If the state is not four 32-bit words and a key.
 *
 * @example Resume a stream
 * ```ts
 * import assert from "node:assert";
 * import { createRng, restoreRng } from "@dimo/dimo";
 * const rng = createRng(1);
 * rng.next();
 * const copy = restoreRng(JSON.parse(JSON.stringify(rng.state())));
 * assert.equal(copy.next(), rng.next());
 * ```
 */
export function restoreRng(state: RngState): Rng {
  const isWord = (w: unknown) => Number.isInteger(w) && (w as number) >= 0 && (w as number) < 4294967296;
  if (
    !isWord(state?.key) || !Array.isArray(state?.words) ||
    state.words.length !== 4 || !state.words.every(isWord)
  ) {
    throw new TypeError(
      errorMessage(
        "restore a generator",
        "state",
        "{ key, words: [4 x uint32] }",
        state,
      ),
    );
  }
  return new Sfc32(state);
}

/**
 * Shuffles in place with Fisher–Yates (from the last item down, each swapped with a uniform draw
 * at or below it), so a seed gives the same order everywhere.
 *
 * @param items An array or typed array, reordered in place.
 * @param rng The generator of the swaps.
 * @returns `items`.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { createRng, shuffle } from "@dimo/dimo";
 * const order = shuffle([0, 1, 2, 3, 4], createRng(3));
 * assert.deepEqual([...order].sort(), [0, 1, 2, 3, 4]);
 * assert.deepEqual(shuffle([0, 1, 2, 3, 4], createRng(3)), order);
 * ```
 */
export function shuffle<A extends { length: number; [index: number]: unknown }>(items: A, rng: Rng): A {
  for (let i = items.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [items[i], items[j]] = [items[j], items[i]];
  }
  return items;
}
