// Toy denoisers with known conditionals and assertion helpers, for the sampler tests only (not
// exported by mod.ts).
import assert from "node:assert/strict";
import * as tf from "../backend/tf.ts";
import type { Denoiser } from "../models/denoiser.ts";

/** One recorded denoiser call, as plain arrays. */
export interface Call {
  readonly tokens: number[][];
  readonly labels: number[];
}

/**
 * A denoiser computed in plain JS from the visible tokens; every call is appended to `calls`.
 *
 * @param logitsOf Logits `[B][L][V]` from tokens `[B][L]` and labels `[B]`.
 * @param calls Where calls are recorded.
 */
export function jsDenoiser(
  logitsOf: (tokens: number[][], labels: number[]) => number[][][],
  calls: Call[] = [],
): Denoiser {
  return (tokens, labels) => {
    const call = { tokens: tokens.arraySync(), labels: Array.from(labels.dataSync()) };
    calls.push(call);
    return tf.tensor3d(logitsOf(call.tokens, call.labels));
  };
}

/**
 * The perfect denoiser of "chains": `x_0` uniform over `codebookSize` codes and
 * `x_{j+1} = (x_j + 1) mod K`. A masked position is predicted from the nearest visible token
 * (logit 20 on the implied code, ≈ certain), uniformly when nothing is visible. The mask class
 * (id K, the last of V = K + 1) gets logit `maskLogit`, larger than any code's by default, so a
 * sampler that does not forbid it would draw it.
 */
export function chainDenoiser(
  codebookSize: number,
  options: { maskLogit?: number; calls?: Call[] } = {},
): Denoiser {
  const { maskLogit = 30, calls = [] } = options;
  const maskId = codebookSize;
  return jsDenoiser((tokens) =>
    tokens.map((row) =>
      row.map((_, j) => {
        const logits = new Array(codebookSize + 1).fill(0);
        logits[maskId] = maskLogit;
        const visible = row.map((t, m) => [t, m]).filter(([t]) => t !== maskId);
        if (visible.length > 0) {
          const [t, m] = visible.reduce((a, b) => (Math.abs(b[1] - j) < Math.abs(a[1] - j) ? b : a));
          logits[(((t + j - m) % codebookSize) + codebookSize) % codebookSize] = 20;
        }
        return logits;
      })
    ), calls);
}

/** Whether every row is a chain: each token is the previous one plus 1 mod `codebookSize`. */
export function isChain(row: number[], codebookSize: number): boolean {
  return row.every((t, j) => j === 0 || t === (row[j - 1] + 1) % codebookSize);
}

/** Runs `fn` in a tidy and returns its tensor as nested arrays (`T`), disposing it. */
export function arrayOf<T = number[][]>(fn: () => tf.Tensor): T {
  const t = tf.tidy(fn);
  try {
    return t.arraySync() as T;
  } finally {
    t.dispose();
  }
}

/** Asserts that `fn` throws a `RangeError` naming `field` and ending with its `value`. */
export function assertRangeError(fn: () => unknown, field: string, value: unknown): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof RangeError, `expected a RangeError, got ${e}`);
    assert.ok(e.message.includes(`'${field}'`), e.message);
    assert.ok(e.message.endsWith(`current value is ${value}`), e.message);
    return true;
  });
}
