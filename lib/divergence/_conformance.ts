/**
 * Test-only: the checks every divergence must pass, registered by each divergence's test file with
 * its float64 reference from `_reference.ts` (`divergenceConformance`).
 *
 * Tolerances. float32 log-softmax is exact only to about one ulp of max |z| (3.8e-6 at |z| = 50),
 * absolute, and every gradient here is built on it, so gradient comparisons allow
 * `GRAD_TOL_PER_LOGIT · max(1, max |z|)` (5e-5 at |z| = 50, 1e-6 for |z| ≤ 1): about 13 ulps of the
 * largest logit. At |z| = 50 it is the float32 autodiff side that drifts most (skew JS loses a few
 * ulps through its logsumexp); the analytic side is also checked against float64 central differences.
 *
 * @module
 */
import assert from "node:assert/strict";
import * as tf from "../backend/tf.ts";
import { withoutLeaks } from "../backend/testing.ts";
import { createRng } from "../rng/mod.ts";
import type { Reference } from "./_reference.ts";
import type { Divergence } from "./types.ts";

/** What a divergence guarantees beyond the shared checks. */
export interface ConformanceOptions {
  /** Whether the value is a true divergence (≥ 0); Jeffreys with β outside [0, 1] is not. */
  readonly nonNegative: boolean;
  /** Whether the gradient vanishes as p_ψ → p_φ; TV's does only at exact equality. */
  readonly smooth: boolean;
}

/** Allowed |analytic − oracle| gradient error per unit of max(1, max |z|). */
export const GRAD_TOL_PER_LOGIT = 1e-6;

/** float64 softmax of one row. */
export function softmax64(z: readonly number[]): number[] {
  const max = Math.max(...z);
  const e = z.map((v) => Math.exp(v - max));
  const total = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / total);
}

/** A [rows, classes] array of seeded normal logits with the given std. */
export function randomLogits(seed: number, rows: number, classes: number, std: number): number[][] {
  const rng = createRng(seed);
  const normal = () => Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
  return Array.from({ length: rows }, () => Array.from({ length: classes }, () => std * normal()));
}

/** Logit rows at the edges of float32 softmax, |z| ≤ 50: near-one-hot (opposed, shared, against
 * uniform), equal logits, a near tie, and wide random rows. */
export function extremeLogits(): { zPsi: number[][]; zPhi: number[][] } {
  const oneHot = (k: number) => Array.from({ length: 7 }, (_, v) => (v === k ? 50 : -50));
  const flat = (c: number) => new Array(7).fill(c);
  const [wide1, wide2] = randomLogits(3, 2, 7, 30).map((row) =>
    row.map((v) => Math.max(-50, Math.min(50, v)))
  );
  return {
    zPsi: [oneHot(0), flat(3), oneHot(0), flat(-50), oneHot(6), [50, 49.9, -50, 0, 0, 1e-3, 0], wide1],
    zPhi: [oneHot(1), flat(3), flat(0), oneHot(2), oneHot(6), [49.9, 50, -50, 0, 0, 0, 1e-3], wide2],
  };
}

/** Reads a tensor into a plain array and disposes it. */
export async function take(t: tf.Tensor): Promise<number[]> {
  const data = Array.from(await t.data());
  t.dispose();
  return data;
}

function maxAbsDiff(a: readonly number[], b: readonly number[]): number {
  assert.equal(a.length, b.length);
  return a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);
}

function gradTolerance(...rows: number[][][]): number {
  return GRAD_TOL_PER_LOGIT * Math.max(1, ...rows.flat(2).map(Math.abs));
}

function assertFinite(data: readonly number[], what: string): void {
  assert.ok(data.every(Number.isFinite), `${what} has a non-finite entry: ${data}`);
}

/** ∂D/∂zPsi of one row by float64 central differences of the reference. */
function centralDifferences(
  reference: Reference,
  zPsi: readonly number[],
  zPhi: readonly number[],
): number[] {
  const h = 1e-5;
  const pPhi = softmax64(zPhi);
  const at = (v: number, step: number) =>
    reference(pPhi, softmax64(zPsi.map((z, k) => (k === v ? z + step : z))));
  return zPsi.map((_, v) => (at(v, h) - at(v, -h)) / (2 * h));
}

/** Compares gradLogits with tf.grad of the summed value on rows of logits, reshaped to `shape`. */
async function checkAgainstAutodiff(
  d: Divergence,
  zPsi: number[][],
  zPhi: number[][],
  shape = [zPsi.length, zPsi[0].length],
): Promise<void> {
  const [a, b] = [tf.tensor(zPsi.flat(), shape), tf.tensor(zPhi.flat(), shape)];
  const value = await take(d.value(a, b));
  const analytic = await take(d.gradLogits(a, b));
  const autodiff = await take(tf.grad((z: tf.Tensor) => tf.sum(d.value(z, b)))(a));
  tf.dispose([a, b]);
  assertFinite(value, "value()");
  assertFinite(analytic, "gradLogits()");
  assertFinite(autodiff, "tf.grad of value()");
  const diff = maxAbsDiff(analytic, autodiff);
  assert.ok(diff <= gradTolerance(zPsi, zPhi), `max |gradLogits − tf.grad| = ${diff}`);
}

async function checkAgainstCentralDifferences(
  d: Divergence,
  reference: Reference,
  zPsi: number[][],
  zPhi: number[][],
): Promise<void> {
  const [a, b] = [tf.tensor2d(zPsi), tf.tensor2d(zPhi)];
  const analytic = await take(d.gradLogits(a, b));
  tf.dispose([a, b]);
  const oracle = zPsi.flatMap((row, i) => centralDifferences(reference, row, zPhi[i]));
  const diff = maxAbsDiff(analytic, oracle);
  assert.ok(diff <= gradTolerance(zPsi, zPhi), `max |gradLogits − float64 differences| = ${diff}`);
}

/**
 * Registers the shared tests of one divergence.
 *
 * @param name Test name prefix, e.g. "jeffreys(0.5)".
 * @param divergence The divergence under test.
 * @param reference Its float64 value at one position.
 * @param options What the divergence guarantees.
 */
export function divergenceConformance(
  name: string,
  divergence: Divergence,
  reference: Reference,
  options: ConformanceOptions,
): void {
  const d = divergence;

  Deno.test(`${name} gradLogits() equals tf.grad of value() on random logits`, async () => {
    await withoutLeaks(async () => {
      // [3, 5, 7] logits with std 3.
      await checkAgainstAutodiff(d, randomLogits(11, 15, 7, 3), randomLogits(12, 15, 7, 3), [3, 5, 7]);
    });
  });

  Deno.test(`${name} gradLogits() equals tf.grad of value() on extreme logits`, async () => {
    await withoutLeaks(async () => {
      const { zPsi, zPhi } = extremeLogits();
      await checkAgainstAutodiff(d, zPsi, zPhi);
    });
  });

  Deno.test(`${name} gradLogits() equals float64 central differences of the reference`, async () => {
    await withoutLeaks(async () => {
      await checkAgainstCentralDifferences(
        d,
        reference,
        randomLogits(21, 4, 6, 2),
        randomLogits(22, 4, 6, 2),
      );
      const { zPsi, zPhi } = extremeLogits();
      await checkAgainstCentralDifferences(d, reference, zPsi, zPhi);
    });
  });

  Deno.test(`${name} value() equals a float64 reference`, async () => {
    await withoutLeaks(async () => {
      const [zPsi, zPhi] = [randomLogits(1, 4, 6, 2), randomLogits(2, 4, 6, 2)];
      const [a, b] = [tf.tensor3d([zPsi]), tf.tensor3d([zPhi])];
      const value = d.value(a, b);
      assert.deepEqual(value.shape, [1, 4]);
      assert.equal(value.dtype, "float32");
      const got = await take(value);
      tf.dispose([a, b]);
      const want = zPsi.map((row, i) => reference(softmax64(zPhi[i]), softmax64(row)));
      got.forEach((v, i) =>
        assert.ok(Math.abs(v - want[i]) <= 1e-6 * Math.max(1, Math.abs(want[i])), `${v} vs ${want[i]}`)
      );
    });
  });

  Deno.test(`${name} value() and gradLogits() are 0 where pPhi = pPsi`, async () => {
    await withoutLeaks(async () => {
      const zPsi = randomLogits(5, 6, 7, 3);
      // A constant shift per row leaves the softmax unchanged, up to float32 rounding.
      const shifted = zPsi.map((row, i) => row.map((z) => z + i - 2));
      const a = tf.tensor2d(zPsi);
      for (const zPhi of [zPsi, shifted]) {
        const b = tf.tensor2d(zPhi);
        const value = await take(d.value(a, b));
        const g = await take(d.gradLogits(a, b));
        b.dispose();
        assert.ok(value.every((v) => Math.abs(v) <= 1e-6), `value ${value}`);
        // A non-smooth divergence keeps a subgradient of full size next to its kink.
        if (zPhi === zPsi || options.smooth) {
          assert.ok(g.every((v) => Math.abs(v) <= 1e-6), `gradLogits ${g}`);
        }
      }
      a.dispose();
    });
  });

  if (options.nonNegative) {
    Deno.test(`${name} value() is non-negative`, async () => {
      await withoutLeaks(async () => {
        const { zPsi, zPhi } = extremeLogits();
        const [a, b] = [
          tf.tensor2d([...zPsi, ...randomLogits(7, 8, 7, 3)]),
          tf.tensor2d([...zPhi, ...randomLogits(8, 8, 7, 3)]),
        ];
        const value = await take(d.value(a, b));
        tf.dispose([a, b]);
        // Equal rows may round to −1 ulp of the log terms.
        assert.ok(value.every((v) => v >= -1e-6), `value ${value}`);
      });
    });
  }

  Deno.test(`${name} stays finite for logits as large as 1e4`, async () => {
    await withoutLeaks(async () => {
      const [a, b] = [
        tf.tensor2d([[1e4, -1e4, 0], [-1e4, -1e4, 1e4]]),
        tf.tensor2d([[-1e4, 1e4, 0], [-1e4, -1e4, 1e4]]),
      ];
      assertFinite(await take(d.value(a, b)), "value()");
      assertFinite(await take(d.gradLogits(a, b)), "gradLogits()");
      tf.dispose([a, b]);
    });
  });

  Deno.test(`${name} leaves its inputs alive and its result the only new tensor`, async () => {
    await withoutLeaks(() => {
      const [a, b] = [
        tf.randomNormal([2, 3, 4], 0, 1, "float32", 1),
        tf.randomNormal([2, 3, 4], 0, 1, "float32", 2),
      ];
      const before = tf.memory().numTensors;
      const g = d.gradLogits(a, b);
      const value = d.value(a, b);
      assert.equal(tf.memory().numTensors, before + 2);
      assert.deepEqual(g.shape, [2, 3, 4]);
      assert.deepEqual(value.shape, [2, 3]);
      assert.ok(!a.isDisposed && !b.isDisposed);
      tf.dispose([a, b, g, value]);
    });
  });
}
