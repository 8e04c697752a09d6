/**
 * Uniform random subsets of positions, shared by the forward process and `x_init`.
 *
 * @module
 */
import type { Rng } from "../rng/mod.ts";

/**
 * Writes ones at `count` distinct positions of `row`, uniformly without replacement (a partial
 * Fisher–Yates shuffle drawn from `rng`): the position rule of {@linkcode maskExactCount} and of
 * the `r_init` masking of `x_init`.
 *
 * @param row A row of flags, all zero on entry; `count` of them are one on return.
 * @param count How many positions to mark, an integer in `[0, row.length]`.
 * @param rng The generator that draws the positions.
 *
 * @example Mark two of five positions
 * ```ts
 * import assert from "node:assert";
 * import { createRng, markRandomSubset } from "@dimo/dimo";
 * const row = new Uint8Array(5);
 * markRandomSubset(row, 2, createRng(0));
 * assert.equal(row.reduce((a, b) => a + b, 0), 2);
 * ```
 */
export function markRandomSubset(row: Uint8Array, count: number, rng: Rng): void {
  const order = Array.from({ length: row.length }, (_, i) => i);
  for (let k = 0; k < count; k++) {
    const j = k + rng.int(row.length - k);
    [order[k], order[j]] = [order[j], order[k]];
    row[order[k]] = 1;
  }
}
