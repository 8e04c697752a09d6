import assert from "node:assert/strict";
import * as tf from "../backend/tf.ts";
import { useTestBackend, withoutLeaks } from "../backend/testing.ts";
import { createRng } from "../rng/mod.ts";
import { type MaskGitOptions, sampleMaskGit } from "./maskgit.ts";
import { maskgitPlan } from "./plan.ts";
import {
  arrayOf,
  assertRangeError,
  type Call,
  chainDenoiser,
  isChain,
  jsDenoiser,
} from "./_toy_denoisers.ts";

await useTestBackend();

const K = 5;
const OPTIONS: MaskGitOptions = { seqLen: 16, maskId: K, codebookSize: K, steps: 4 };

/** Samples with `labels` [0, 1, …] of length `batch` and returns the tokens as arrays. */
function sample(
  denoiser: Parameters<typeof sampleMaskGit>[0],
  seed: number,
  options: Partial<MaskGitOptions> = {},
  batch = 2,
): number[][] {
  const labels = Array.from({ length: batch }, (_, b) => b);
  return arrayOf(() =>
    sampleMaskGit(denoiser, tf.tensor1d(labels, "int32"), createRng(seed), { ...OPTIONS, ...options })
  );
}

/** The number of masked tokens in each row the denoiser saw, per call. */
function masksSeen(calls: Call[], maskId: number): number[][] {
  return calls.map((c) => c.tokens.map((row) => row.filter((t) => t === maskId).length));
}

Deno.test("sampleMaskGit() reveals exactly plan[i] tokens at step i", async () => {
  await withoutLeaks(() => {
    const calls: Call[] = [];
    sample(chainDenoiser(K, { calls }), 1);
    const plan = maskgitPlan(4, 16); // [1, 3, 5, 7]
    const remaining = plan.map((_, i) => 16 - plan.slice(0, i).reduce((a, b) => a + b, 0));
    assert.deepEqual(masksSeen(calls, K), remaining.map((r) => [r, r]));

    const custom: Call[] = [];
    sample(chainDenoiser(K, { calls: custom }), 1, { steps: 3, plan: [8, 5, 3] });
    assert.deepEqual(masksSeen(custom, K), [[16, 16], [8, 8], [3, 3]]);

    // All confidences tie (uniform denoiser, no Gumbel noise): still exactly plan[i].
    const ties: Call[] = [];
    const uniform = jsDenoiser(
      (tokens) => tokens.map((row) => row.map(() => new Array(K + 1).fill(0))),
      ties,
    );
    sample(uniform, 1, { gumbelTemperature: 0 });
    assert.deepEqual(masksSeen(ties, K), remaining.map((r) => [r, r]));
  });
});

Deno.test("sampleMaskGit() never outputs the mask id and decodes chains consistently", async () => {
  await withoutLeaks(() => {
    // The mask class has the largest logit everywhere: it must be forbidden, not drawn.
    for (const steps of [1, 2, 4, 16]) {
      const tokens = sample(chainDenoiser(K, { maskLogit: 50 }), steps, { steps }, 3);
      for (const row of tokens) {
        assert.ok(row.every((t) => t >= 0 && t < K), `${row}`);
        // One token comes first (or all at once for one step); the rest follow from it.
        if (steps > 1) assert.ok(isChain(row, K), `${steps} steps: ${row}`);
      }
    }
  });
});

Deno.test("sampleMaskGit() repeats with a seed and changes with another", async () => {
  await withoutLeaks(() => {
    const uniform = jsDenoiser((tokens) => tokens.map((row) => row.map(() => new Array(K + 1).fill(0))));
    const [a, b, c] = [sample(uniform, 7), sample(uniform, 7), sample(uniform, 8)];
    assert.deepEqual(a, b);
    assert.notDeepEqual(a, c);
  });
});

Deno.test("sampleMaskGit() with gumbelTemperature 0 reveals the most confident position first", async () => {
  await withoutLeaks(() => {
    // Two codes; position j puts logit 3j on code 0, so log p(code 0) grows with j.
    const firstRevealed = (gumbelTemperature: number, seed: number) => {
      const calls: Call[] = [];
      const denoiser = jsDenoiser(
        (tokens) => tokens.map((row) => row.map((_, j) => [3 * j, 0, -Infinity])),
        calls,
      );
      arrayOf(() =>
        sampleMaskGit(denoiser, tf.tensor1d([0], "int32"), createRng(seed), {
          seqLen: 4,
          maskId: 2,
          codebookSize: 2,
          steps: 4,
          gumbelTemperature,
        })
      );
      return calls[1].tokens[0].findIndex((t) => t !== 2);
    };
    const seeds = Array.from({ length: 10 }, (_, i) => i);
    assert.deepEqual(seeds.map((s) => firstRevealed(0, s)), new Array(10).fill(3));
    assert.ok(new Set(seeds.map((s) => firstRevealed(4.5, s))).size > 1);
  });
});

Deno.test("sampleMaskGit() draws from the tempered conditional over the codes only", async () => {
  await withoutLeaks(() => {
    // One position, one step: a plain draw from softmax(z / T) with the mask class removed.
    const z = [1, 0, -1];
    const denoiser = jsDenoiser((tokens) => tokens.map(() => [[...z, 2]]));
    const n = 20000;
    const temperature = 0.7;
    const drawn = sample(denoiser, 3, { seqLen: 1, maskId: 3, codebookSize: 3, steps: 1, temperature }, n)
      .flat();
    const e = z.map((v) => Math.exp(v / temperature));
    const p = e.map((x) => x / e.reduce((a, b) => a + b, 0));
    p.forEach((pv, v) => {
      const count = drawn.filter((t) => t === v).length;
      assert.ok(Math.abs(count - n * pv) < 5 * Math.sqrt(n * pv * (1 - pv)), `class ${v}: ${count}`);
    });
  });
});

Deno.test("sampleMaskGit() with linear guidance runs one doubled call per step after the first", async () => {
  await withoutLeaks(() => {
    const calls: Call[] = [];
    const tokens = sample(chainDenoiser(K, { calls }), 2, {
      guidance: { kind: "linear", scale: 4 },
      nullClass: 9,
    });
    // Step 0 has scale 1 (no unconditional pass); then [tokens; tokens] with labels [y; null].
    assert.deepEqual(calls.map((c) => c.labels), [[0, 1], [0, 1, 9, 9], [0, 1, 9, 9], [0, 1, 9, 9]]);
    for (const c of calls.slice(1)) assert.deepEqual(c.tokens.slice(2), c.tokens.slice(0, 2));
    assert.ok(tokens.every((row) => isChain(row, K)));
  });
});

Deno.test("sampleMaskGit() rejects bad options with the value named", async () => {
  await withoutLeaks(() => {
    const den = chainDenoiser(K);
    const labels = tf.tensor1d([0], "int32");
    const rng = createRng(0);
    const run = (options: Partial<MaskGitOptions>) => () =>
      sampleMaskGit(den, labels, rng, { ...OPTIONS, ...options });
    assertRangeError(run({ steps: 0 }), "steps", 0);
    assertRangeError(run({ steps: 17 }), "steps", 17);
    assertRangeError(run({ temperature: 0 }), "temperature", 0);
    assertRangeError(run({ temperature: -1 }), "temperature", -1);
    assertRangeError(run({ gumbelTemperature: -1 }), "gumbelTemperature", -1);
    assertRangeError(run({ plan: [1, 2, 3, 4] }), "plan", "[1,2,3,4]");
    assertRangeError(run({ plan: [8, 8] }), "plan", "[8,8]");
    assertRangeError(run({ guidance: { kind: "constant", scale: 2 } }), "nullClass", undefined);
    assertRangeError(run({ maskId: 2 }), "maskId", 2);
    assertRangeError(run({ seqLen: 0 }), "seqLen", 0);
    const floatLabels = tf.tensor1d([0]);
    assert.throws(() => sampleMaskGit(den, floatLabels as tf.Tensor1D, rng, OPTIONS), TypeError);
    // The denoiser's V = 6 classes cannot hold 7 codes.
    assert.throws(
      () => sampleMaskGit(den, labels, rng, { ...OPTIONS, codebookSize: 7, maskId: 7 }),
      TypeError,
    );
    tf.dispose([labels, floatLabels]);
  });
});

Deno.test("sampleMaskGit() frees every step's tensors even when the denoiser fails midway", async () => {
  await withoutLeaks(() => {
    const calls: Call[] = [];
    const chain = chainDenoiser(K, { calls });
    const failing = jsDenoiser((tokens, labels) => {
      if (calls.length === 2) throw new Error("denoiser failed");
      return arrayOf(() => chain(tf.tensor2d(tokens, undefined, "int32"), tf.tensor1d(labels, "int32")));
    });
    const labels = tf.tensor1d([0, 1], "int32");
    assert.throws(() => sampleMaskGit(failing, labels, createRng(0), OPTIONS), /denoiser failed/);
    labels.dispose();
  });
});
