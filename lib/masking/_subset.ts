/** Uniform random subsets of positions, shared by the forward process and `x_init`. */
import type { Rng } from "../rng/mod.ts";

/**
 * Writes ones at `count` distinct positions of `row`, uniformly without replacement (a partial
 * Fisher–Yates shuffle). `row` is zero on entry.
 */
export function markRandomSubset(row: Uint8Array, count: number, rng: Rng): void {
  const order = Array.from({ length: row.length }, (_, i) => i);
  for (let k = 0; k < count; k++) {
    const j = k + rng.int(row.length - k);
    [order[k], order[j]] = [order[j], order[k]];
    row[order[k]] = 1;
  }
}
