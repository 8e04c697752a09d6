import assert from "node:assert/strict";
import * as tf from "../backend/tf.ts";
import { useTestBackend, withoutLeaks } from "../backend/testing.ts";
import { createRng } from "../rng/mod.ts";
import { gumbelNoise, sampleCategorical } from "./categorical.ts";
import { assertRangeError } from "./_toy_denoisers.ts";

await useTestBackend();

/** softmax in float64. */
function softmax(logits: number[]): number[] {
  const max = Math.max(...logits);
  const e = logits.map((z) => Math.exp(z - max));
  const sum = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / sum);
}

/** Draws `n` samples from one row of logits and returns the count of each class. */
function counts(logits: number[], n: number, seed: number, options = {}): number[] {
  const ids = tf.tidy(() => {
    const rows = tf.tile(tf.tensor2d([logits]), [n, 1]);
    return sampleCategorical(rows, createRng(seed), options);
  });
  const result = new Array(logits.length).fill(0);
  for (const id of ids.dataSync()) result[id]++;
  ids.dispose();
  return result;
}

/** Asserts each count is within 5 binomial standard deviations of n · p. */
function assertFrequencies(observed: number[], p: number[]): void {
  const n = observed.reduce((a, b) => a + b, 0);
  observed.forEach((c, v) => {
    const sd = Math.sqrt(n * p[v] * (1 - p[v]));
    assert.ok(Math.abs(c - n * p[v]) <= 5 * sd, `class ${v}: ${c} drawn, ${(n * p[v]).toFixed(1)} expected`);
  });
}

const LOGITS = [0.5, -1, 2, 0, -Infinity];

Deno.test("sampleCategorical() draws with softmax frequencies and never a −∞ class", async () => {
  await withoutLeaks(() => {
    const observed = counts(LOGITS, 40000, 1);
    assertFrequencies(observed, softmax(LOGITS));
    assert.equal(observed[4], 0);
  });
});

Deno.test("sampleCategorical() is the inverse CDF of one uniform per position", async () => {
  await withoutLeaks(() => {
    const n = 2000;
    const drawn = tf.tidy(() => sampleCategorical(tf.tile(tf.tensor2d([LOGITS]), [n, 1]), createRng(9)));
    const u = tf.randomUniform([n, 1], 0, 1, "float32", createRng(9).seed());
    const [d, us] = [Array.from(drawn.dataSync()), Array.from(u.dataSync())];
    tf.dispose([drawn, u]);
    // float64 reference: the first class whose cumulative probability reaches u.
    const cdf = softmax(LOGITS).map((_, v, p) => p.slice(0, v + 1).reduce((a, b) => a + b, 0));
    let checked = 0;
    us.forEach((ui, i) => {
      if (cdf.some((c) => Math.abs(c - ui) < 1e-5)) return; // too close to a boundary for float32
      assert.equal(d[i], cdf.findIndex((c) => c >= ui), `draw ${i} with u = ${ui}`);
      checked++;
    });
    assert.ok(checked > 0.99 * n);
  });
});

Deno.test("sampleCategorical() divides the logits by the temperature", async () => {
  await withoutLeaks(() => {
    for (const temperature of [0.5, 3]) {
      const observed = counts(LOGITS, 40000, 2, { temperature });
      assertFrequencies(observed, softmax(LOGITS.map((z) => z / temperature)));
    }
  });
});

Deno.test("sampleCategorical() with topK draws only the k largest logits, renormalised", async () => {
  await withoutLeaks(() => {
    const observed = counts(LOGITS, 40000, 3, { topK: 2 });
    assertFrequencies(observed, softmax([0.5, -Infinity, 2, -Infinity, -Infinity]));
    assert.deepEqual(counts(LOGITS, 100, 4, { topK: 1 }), [0, 0, 100, 0, 0]);
    assertFrequencies(counts(LOGITS, 40000, 5, { topK: 5 }), softmax(LOGITS));
  });
});

Deno.test("sampleCategorical() keeps the leading shape, repeats with a seed and changes with another", async () => {
  await withoutLeaks(() => {
    const draw = (seed: number) =>
      tf.tidy(() => sampleCategorical(tf.zeros([2, 50, 7]), createRng(seed), { temperature: 2 }));
    const [a, b, c] = [draw(11), draw(11), draw(12)];
    assert.deepEqual(a.shape, [2, 50]);
    assert.equal(a.dtype, "int32");
    assert.deepEqual(a.arraySync(), b.arraySync());
    assert.notDeepEqual(a.arraySync(), c.arraySync());
    assert.ok(Array.from(a.dataSync()).every((id) => id >= 0 && id < 7));
    tf.dispose([a, b, c]);
  });
});

Deno.test("sampleCategorical() rejects bad temperatures, topK and logits with the value named", async () => {
  await withoutLeaks(() => {
    const logits = tf.zeros([2, 5]);
    const rng = createRng(0);
    for (const temperature of [0, -1, NaN, Infinity]) {
      assertRangeError(() => sampleCategorical(logits, rng, { temperature }), "temperature", temperature);
    }
    for (const topK of [0, 6, 1.5]) {
      assertRangeError(() => sampleCategorical(logits, rng, { topK }), "topK", topK);
    }
    const ids = tf.zeros([2, 5], "int32");
    assert.throws(() => sampleCategorical(ids, rng), TypeError);
    tf.dispose([logits, ids]);
  });
});

Deno.test("gumbelNoise() has the Gumbel mean and variance and stays finite", async () => {
  await withoutLeaks(() => {
    const n = 50000;
    const g = gumbelNoise([n], createRng(5));
    const xs = Array.from(g.dataSync());
    g.dispose();
    assert.ok(xs.every(Number.isFinite));
    const mean = xs.reduce((a, b) => a + b, 0) / n;
    const variance = xs.reduce((a, x) => a + (x - mean) ** 2, 0) / n;
    // Mean γ ≈ 0.5772 (sd of the estimate ≈ 0.0057), variance π²/6 ≈ 1.645 (sd ≈ 0.02).
    assert.ok(Math.abs(mean - 0.5772) < 0.03, `mean ${mean}`);
    assert.ok(Math.abs(variance - Math.PI ** 2 / 6) < 0.1, `variance ${variance}`);
  });
});
