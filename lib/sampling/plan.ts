/**
 * Token plans: how many masked tokens a multi-step sampler reveals at each step.
 *
 * A plan is a plain array of `steps` positive integers summing to `seqLen`, computed once before
 * sampling (no set-then-step scheduler object).
 *
 * @module
 */
import { checkInteger } from "../validate/mod.ts";

/** Rounds half to even, as `torch.round` does. */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** Checks `seqLen ≥ 1` and `steps ∈ [1, seqLen]` (a step reveals at least one token). */
function checkStepsAndLength(action: string, steps: number, seqLen: number): void {
  checkInteger(action, "seqLen", seqLen, 1);
  checkInteger(action, "steps", steps, 1, seqLen);
}

/**
 * MaskGIT's arccos token plan (`adap_sche` in `Trainer/vit.py` of Maskgit-pytorch, duplicated in
 * Di[M]O's `train_DIMO_MaskGit.py`; docs/method.md §13).
 *
 * With `r = linspace(1, 0, S)` and `v = arccos(r) / (π/2)`, step `i` reveals `round(v_i / Σv · L)`
 * tokens (half to even, as torch), raised to 1 where that is 0; the last step takes what is left.
 * Since `v_0 = 0`, the first step always reveals one token, and with few steps the last ones reveal
 * most of the image (2 steps: 1 then L − 1, which is why 2-step MaskGIT collapses).
 *
 * When `steps` approaches `seqLen` (from 98 steps for 256 tokens), raising zeros to 1 makes the
 * other steps overshoot and MaskGIT's rule would leave the last step ≤ 0 tokens. Here the excess
 * is taken back one token at a time from the largest earlier step (the first among equals, which
 * keeps the counts non-decreasing), so every step reveals at least one token; `steps = seqLen`
 * gives all ones. One step reveals all.
 *
 * @param steps Number of sampler steps, an integer in `[1, seqLen]`.
 * @param seqLen Number of tokens `L`, an integer ≥ 1.
 * @returns Tokens revealed per step: `steps` integers ≥ 1 summing to `seqLen`.
 * @throws {RangeError} If `seqLen` is not an integer ≥ 1 or `steps` not an integer in `[1, seqLen]`.
 *
 * @example MaskGIT's 8-step plan for 16×16 tokens
 * ```ts
 * import assert from "node:assert";
 * import { maskgitPlan } from "@dimo/dimo";
 * assert.deepEqual(maskgitPlan(8, 256), [1, 18, 26, 32, 38, 43, 48, 50]);
 * ```
 */
export function maskgitPlan(steps: number, seqLen: number): number[] {
  checkStepsAndLength("plan MaskGIT steps", steps, seqLen);
  if (steps === 1) return [seqLen];
  const v = Array.from({ length: steps }, (_, i) => Math.acos(1 - i / (steps - 1)) / (Math.PI / 2));
  const total = v.reduce((a, b) => a + b, 0);
  const counts = v.map((vi) => Math.max(1, roundHalfEven((vi / total) * seqLen)));
  const last = steps - 1;
  counts[last] = seqLen - counts.slice(0, last).reduce((a, b) => a + b, 0);
  while (counts[last] < 1) {
    counts[largestBefore(counts, last)] -= 1;
    counts[last] += 1;
  }
  return counts;
}

/** The index of the largest of `counts[0..end)`, the first among equals. */
function largestBefore(counts: readonly number[], end: number): number {
  let best = 0;
  for (let i = 1; i < end; i++) if (counts[i] > counts[best]) best = i;
  return best;
}

/**
 * A plan that reveals tokens as evenly as possible: `⌊L/S⌋` per step, one more on the last
 * `L mod S` steps. The default of the ancestral sampler.
 *
 * @param steps Number of sampler steps, an integer in `[1, seqLen]`.
 * @param seqLen Number of tokens `L`, an integer ≥ 1.
 * @returns Tokens revealed per step: `steps` integers ≥ 1 summing to `seqLen`.
 * @throws {RangeError} If `seqLen` is not an integer ≥ 1 or `steps` not an integer in `[1, seqLen]`.
 *
 * @example Ten tokens in four steps
 * ```ts
 * import assert from "node:assert";
 * import { uniformPlan } from "@dimo/dimo";
 * assert.deepEqual(uniformPlan(4, 10), [2, 2, 3, 3]);
 * ```
 */
export function uniformPlan(steps: number, seqLen: number): number[] {
  checkStepsAndLength("plan uniform steps", steps, seqLen);
  const base = Math.floor(seqLen / steps);
  const extra = seqLen % steps;
  return Array.from({ length: steps }, (_, i) => base + (i >= steps - extra ? 1 : 0));
}
