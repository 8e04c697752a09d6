import assert from "node:assert/strict";
import * as tf from "../backend/tf.ts";
import { useTestBackend, withoutLeaks } from "../backend/testing.ts";
import { createRng, type Rng } from "../rng/mod.ts";
import { type FeatureStatistics, featureStatistics, fid, frechetDistance } from "./fid.ts";

await useTestBackend();

type Mat = number[][];
const mul = (a: Mat, b: Mat): Mat =>
  a.map((row) => b[0].map((_, j) => row.reduce((s, v, k) => s + v * b[k][j], 0)));
const transpose = (a: Mat): Mat => a[0].map((_, j) => a.map((row) => row[j]));
const trace = (a: Mat) => a.reduce((s, row, i) => s + row[i], 0);

/** tr √A for a 2 × 2 matrix with positive eigenvalues: √(tr A + 2 √det A) (closed form). */
function traceSqrt2x2(a: Mat): number {
  const det = a[0][0] * a[1][1] - a[0][1] * a[1][0];
  return Math.sqrt(trace(a) + 2 * Math.sqrt(det));
}

const stats = (mean: number[], cov: Mat): FeatureStatistics => ({
  count: 0,
  width: mean.length,
  mean: Float64Array.from(mean),
  covariance: Float64Array.from(cov.flat()),
});

// Non-commuting covariances: Σ1 Σ2 ≠ Σ2 Σ1.
const sigma1: Mat = [[2, 0.6], [0.6, 1]];
const sigma2: Mat = [[1, -0.4], [-0.4, 3]];
const [mu1, mu2] = [[1, -2], [0.5, 1]];
const closedForm = (mu2[0] - mu1[0]) ** 2 + (mu2[1] - mu1[1]) ** 2 + trace(sigma1) + trace(sigma2) -
  2 * traceSqrt2x2(mul(sigma1, sigma2));

Deno.test("frechetDistance() equals the closed form for two Gaussians with non-commuting covariances", () => {
  assert.notDeepEqual(mul(sigma1, sigma2), mul(sigma2, sigma1));
  const got = frechetDistance(stats(mu1, sigma1), stats(mu2, sigma2));
  assert.ok(Math.abs(got - closedForm) < 1e-12, `${got} vs ${closedForm}`);
});

Deno.test("frechetDistance() is invariant to a rotation of a 4-dimensional block case", () => {
  // Two independent 2-D pairs: the trace of the square root adds over blocks.
  const block = (a: Mat, b: Mat): Mat => [[...a[0], 0, 0], [...a[1], 0, 0], [0, 0, ...b[0]], [0, 0, ...b[1]]];
  const s1 = block(sigma1, [[1, 0.2], [0.2, 0.5]]);
  const s2 = block(sigma2, [[0.7, -0.3], [-0.3, 2]]);
  const expected = trace(s1) + trace(s2) - 2 * (traceSqrt2x2(mul(sigma1, sigma2)) +
        traceSqrt2x2(mul([[1, 0.2], [0.2, 0.5]], [[0.7, -0.3], [-0.3, 2]])));
  // A dense orthogonal Q (Householder reflection) mixes the blocks without changing the distance.
  const v = [1, 2, -1, 0.5];
  const vv = v.reduce((s, x) => s + x * x, 0);
  const q: Mat = v.map((vi, i) => v.map((vj, j) => (i === j ? 1 : 0) - (2 * vi * vj) / vv));
  const rotate = (s: Mat) => mul(mul(q, s), transpose(q));
  const got = frechetDistance(stats([0, 0, 0, 0], rotate(s1)), stats([0, 0, 0, 0], rotate(s2)));
  assert.ok(Math.abs(got - expected) < 1e-10, `${got} vs ${expected}`);
});

/** N samples of N(mu, LLᵀ) with L the Cholesky factor of a 2 × 2 covariance, as float32 `[N, 2]`. */
function gaussian(n: number, mu: number[], cov: Mat, rng: Rng): tf.Tensor2D {
  const l00 = Math.sqrt(cov[0][0]);
  const l10 = cov[1][0] / l00;
  const l11 = Math.sqrt(cov[1][1] - l10 * l10);
  const normal = () => Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
  const values = new Float32Array(2 * n);
  for (let i = 0; i < n; i++) {
    const [z0, z1] = [normal(), normal()];
    values[2 * i] = mu[0] + l00 * z0;
    values[2 * i + 1] = mu[1] + l10 * z0 + l11 * z1;
  }
  return tf.tensor2d(values, [n, 2]);
}

Deno.test("fid() of samples from two Gaussians approaches the closed form", async () => {
  await withoutLeaks(async () => {
    const rng = createRng(7);
    const [a, b] = [gaussian(40_000, mu1, sigma1, rng), gaussian(40_000, mu2, sigma2, rng)];
    const got = await fid(a, b);
    // Over seeds 1–8 the error at 40,000 samples a side has a spread of about 0.06: allow 4 of them.
    assert.ok(Math.abs(got - closedForm) < 0.25, `${got} vs ${closedForm}`);
    tf.dispose([a, b]);
  });
});

Deno.test("fid() is 0 for a set against itself, even with a dead feature, and symmetric", async () => {
  await withoutLeaks(async () => {
    const rng = createRng(3);
    const x = tf.tidy(() => {
      const live = tf.randomNormal([300, 15], 0, 1, "float32", rng.seed());
      return tf.concat([live, tf.zeros([300, 1])], 1) as tf.Tensor2D; // a ReLU unit that never fires
    });
    const y = tf.tidy(() => tf.add(tf.mul(x, 1.5), 0.3) as tf.Tensor2D);
    assert.ok(Math.abs(await fid(x, x)) < 1e-9);
    const [xy, yx] = [await fid(x, y), await fid(y, x)];
    assert.ok(xy > 1 && Math.abs(xy - yx) < 1e-9 * xy, `${xy} vs ${yx}`);
    tf.dispose([x, y]);
  });
});

Deno.test("featureStatistics() gives the mean and unbiased covariance in float64", async () => {
  await withoutLeaks(async () => {
    const x = tf.tensor2d([[1, 4], [2, 6], [3, 11]]);
    const { count, width, mean, covariance } = await featureStatistics(x);
    assert.deepEqual([count, width], [3, 2]);
    assert.deepEqual(Array.from(mean), [2, 7]);
    assert.deepEqual(Array.from(covariance), [1, 3.5, 3.5, 13]);
    x.dispose();
  });
});

Deno.test("fid() rejects NaN features, mismatched widths and single rows", async () => {
  await withoutLeaks(async () => {
    const ok = tf.tensor2d([[0, 1], [1, 0], [1, 1]]);
    const nan = tf.tensor2d([[0, 1], [NaN, 0]]);
    const wide = tf.zeros([3, 3]) as tf.Tensor2D;
    const one = tf.zeros([1, 2]) as tf.Tensor2D;
    const ints = tf.zeros([3, 2], "int32") as tf.Tensor2D;
    await assert.rejects(fid(ok, nan), {
      name: "RangeError",
      message: /'featuresB' must be finite: .*NaN at \[1, 0\]/,
    });
    await assert.rejects(fid(ok, wide), {
      name: "TypeError",
      message: /'featuresB' must be of width 2 like 'featuresA'/,
    });
    await assert.rejects(fid(one, ok), {
      name: "RangeError",
      message: /'featuresA.shape\[0\]' must be at least 2/,
    });
    await assert.rejects(fid(ok, ints), { name: "TypeError", message: /dtype float32/ });
    tf.dispose([ok, nan, wide, one, ints]);
  });
});

Deno.test("frechetDistance() rejects a covariance that is not positive semi-definite", () => {
  const bad = stats([0, 0], [[1, 2], [2, 1]]); // eigenvalues 3 and −1
  assert.throws(() => frechetDistance(bad, stats([0, 0], sigma2)), {
    name: "RangeError",
    message: /semi-definite/,
  });
  assert.throws(() => frechetDistance(stats([0], [[1]]), stats([0, 0], sigma2)), TypeError);
});
