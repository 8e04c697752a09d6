import assert from "node:assert/strict";
import * as tf from "../backend/tf.ts";
import { useTestBackend, withoutLeaks } from "../backend/testing.ts";
import { gelu, layerNorm, linear } from "./layers.ts";

await useTestBackend();

/** erf in float64 from its Maclaurin series; accurate to ~1e-12 for |x| ≤ 4. */
function erf64(x: number): number {
  let term = x, sum = x;
  for (let n = 1; n < 120; n++) {
    term *= -x * x / n;
    sum += term / (2 * n + 1);
  }
  return (2 / Math.sqrt(Math.PI)) * sum;
}

Deno.test("gelu() equals 0.5·x·(1 + erf(x/√2)) computed in float64", async () => {
  await withoutLeaks(async () => {
    const xs = Array.from({ length: 161 }, (_, i) => -4 + i * 0.05);
    const x = tf.tensor1d(xs);
    const y = gelu(x);
    const got = await y.data();
    tf.dispose([x, y]);
    xs.forEach((x, i) => {
      const want = 0.5 * x * (1 + erf64(x / Math.SQRT2));
      // tfjs's erf is accurate to 1.5e-7 (Abramowitz–Stegun 7.1.26), plus float32 rounding.
      assert.ok(Math.abs(got[i] - want) <= 1e-6 * Math.max(1, Math.abs(x)), `x=${x}: ${got[i]} vs ${want}`);
    });
    // Not the tanh approximation, which is off by ~2e-4 near |x| = 2.
    const tanhGelu = (x: number) =>
      0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3)));
    assert.ok(Math.abs(got[60] - tanhGelu(xs[60])) > 1e-5);
  });
});

Deno.test("gelu()'s gradient equals Φ(x) + x·φ(x) computed in float64", async () => {
  const xs = Array.from({ length: 161 }, (_, i) => -4 + i * 0.05);
  const x = tf.tensor1d(xs);
  await withoutLeaks(async () => {
    const dx = tf.grad(gelu)(x);
    const got = await dx.data();
    dx.dispose();
    xs.forEach((x, i) => {
      const want = 0.5 * (1 + erf64(x / Math.SQRT2)) + x * Math.exp(-x * x / 2) / Math.sqrt(2 * Math.PI);
      assert.ok(Math.abs(got[i] - want) <= 2e-6 * Math.max(1, Math.abs(x)), `x=${x}: ${got[i]} vs ${want}`);
    });
  });
  x.dispose();
});

Deno.test("layerNorm() normalises each row with the biased variance, then scales and shifts", async () => {
  await withoutLeaks(async () => {
    const rows = [[1, 2, 4, 9], [-3, 0, 0, 3]];
    const gamma = [1, 2, 0.5, -1], beta = [0, 1, -1, 0.25];
    const inputs = [tf.tensor2d(rows), tf.tensor1d(gamma), tf.tensor1d(beta)] as const;
    const y = layerNorm(...inputs);
    const got = await y.data();
    tf.dispose([...inputs, y]);
    rows.forEach((row, r) => {
      const mean = row.reduce((a, b) => a + b) / row.length;
      const variance = row.reduce((a, b) => a + (b - mean) ** 2, 0) / row.length;
      row.forEach((x, j) => {
        const want = (x - mean) / Math.sqrt(variance + 1e-5) * gamma[j] + beta[j];
        assert.ok(Math.abs(got[r * 4 + j] - want) < 1e-5, `${got[r * 4 + j]} vs ${want}`);
      });
    });
  });
});

Deno.test("linear() computes x·W + b with W stored [in, out]", async () => {
  await withoutLeaks(async () => {
    const x = tf.tensor2d([[1, 2], [3, 4]]);
    const weight = tf.tensor2d([[1, 0, 2], [0, 1, 3]]);
    const bias = tf.tensor1d([0, 10, 100]);
    const y = linear(x, weight, bias);
    assert.deepEqual(y.shape, [2, 3]);
    assert.deepEqual(Array.from(await y.data()), [1, 12, 108, 3, 14, 118]);
    tf.dispose([x, weight, bias, y]);
  });
});
