import assert from "node:assert/strict";
import * as tf from "../backend/tf.ts";
import { useTestBackend, withoutLeaks } from "../backend/testing.ts";
import { createRng } from "../rng/mod.ts";
import { type Prdc, precisionRecallDensityCoverage } from "./prdc.ts";

await useTestBackend();

/** The four metrics by their definitions, on float64 distances, every pair at once. */
function reference(real: number[][], fake: number[][], k: number): Prdc {
  const dist = (a: number[], b: number[]) => Math.sqrt(a.reduce((s, v, i) => s + (v - b[i]) ** 2, 0));
  const radii = (x: number[][]) => x.map((a) => x.map((b) => dist(a, b)).sort((p, q) => p - q)[k]);
  const [r, s] = [radii(real), radii(fake)];
  const d = real.map((a) => fake.map((b) => dist(a, b)));
  const mean = (xs: boolean[]) => xs.filter(Boolean).length / xs.length;
  const inBalls = fake.map((_, j) => real.filter((_, i) => d[i][j] < r[i]).length);
  return {
    precision: mean(inBalls.map((c) => c > 0)),
    recall: mean(real.map((_, i) => fake.some((_, j) => d[i][j] < s[j]))),
    density: inBalls.reduce((a, b) => a + b, 0) / (k * fake.length),
    coverage: mean(real.map((_, i) => Math.min(...d[i]) < r[i])),
  };
}

const prdc = (real: number[][], fake: number[][], options = {}) =>
  withoutLeaks(async () => {
    const [a, b] = [tf.tensor2d(real), tf.tensor2d(fake)];
    try {
      return await precisionRecallDensityCoverage(a, b, options);
    } finally {
      tf.dispose([a, b]);
    }
  });

const randomPoints = (n: number, d: number, seed: number, shift = 0) => {
  const rng = createRng(seed);
  return Array.from({ length: n }, () => Array.from({ length: d }, () => rng.next() * 4 - 2 + shift));
};

Deno.test("precisionRecallDensityCoverage() scores identical sets 1, 1, 1, 1", async () => {
  const x = randomPoints(60, 5, 1);
  assert.deepEqual(await prdc(x, x), { precision: 1, recall: 1, density: 1, coverage: 1 });
});

Deno.test("precisionRecallDensityCoverage() scores far disjoint sets 0, 0, 0, 0", async () => {
  const [real, fake] = [randomPoints(30, 4, 2), randomPoints(40, 4, 3, 100)];
  assert.deepEqual(await prdc(real, fake), { precision: 0, recall: 0, density: 0, coverage: 0 });
});

Deno.test("precisionRecallDensityCoverage() gives the hand-counted values on a line", async () => {
  // k = 1: every real ball has radius 1; both fake balls have radius 9.5.
  // precision: 0.5 lies in a real ball, 10 does not → 1/2. recall: every real point is within
  // 9.5 of 0.5 → 1. density: 0.5 lies in the balls of 0 and 1 → 2 / (1 · 2) = 1. coverage: only
  // the balls of 0 and 1 hold a fake point → 2/5.
  const real = [[0], [1], [2], [3], [4]];
  const fake = [[0.5], [10]];
  assert.deepEqual(await prdc(real, fake, { k: 1 }), {
    precision: 0.5,
    recall: 1,
    density: 1,
    coverage: 0.4,
  });
});

Deno.test("precisionRecallDensityCoverage() matches the definitions on overlapping random sets, in chunks", async () => {
  const [real, fake] = [randomPoints(70, 6, 4), randomPoints(50, 6, 5, 0.7)];
  const expected = reference(real, fake, 3);
  const got = await prdc(real, fake, { k: 3, chunk: 16 });
  assert.deepEqual(got, expected);
  assert.ok(expected.precision > 0 && expected.precision < 1 && expected.coverage < 1, "a non-trivial case");
});

Deno.test("precisionRecallDensityCoverage() rejects NaN, mismatched widths and too few samples", async () => {
  const x = randomPoints(5, 2, 6);
  await assert.rejects(prdc(x, [[NaN, 0], ...x]), { name: "RangeError", message: /'fake' must be finite/ });
  await assert.rejects(prdc(x, randomPoints(5, 3, 7)), {
    name: "TypeError",
    message: /'fake' must be of width 2/,
  });
  await assert.rejects(prdc(x.slice(0, 3), x), {
    name: "RangeError",
    message: /'real.shape\[0\]' must be at least 4/,
  });
  await assert.rejects(prdc(x, x, { k: 0 }), { name: "RangeError", message: /'k'/ });
});
