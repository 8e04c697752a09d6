import assert from "node:assert/strict";
import * as tf from "../backend/tf.ts";
import { useTestBackend, withoutLeaks } from "../backend/testing.ts";
import { createRng } from "../rng/mod.ts";
import { type AncestralOptions, sampleAncestral } from "./ancestral.ts";
import {
  arrayOf,
  assertRangeError,
  type Call,
  chainDenoiser,
  isChain,
  jsDenoiser,
} from "./_toy_denoisers.ts";

await useTestBackend();

/** Samples `batch` rows with label 0 and returns the tokens as arrays. */
function sample(
  denoiser: Parameters<typeof sampleAncestral>[0],
  seed: number,
  options: AncestralOptions,
  batch: number,
): number[][] {
  return arrayOf(() =>
    sampleAncestral(denoiser, tf.zeros([batch], "int32") as tf.Tensor1D, createRng(seed), options)
  );
}

/** A joint distribution of two tokens over three codes, far from independent. */
const JOINT = [
  [0.30, 0.05, 0.05],
  [0.02, 0.20, 0.03],
  [0.05, 0.05, 0.25],
];
const MARGINALS = [
  JOINT.map((row) => row.reduce((a, b) => a + b, 0)),
  JOINT[0].map((_, x2) => JOINT.reduce((a, row) => a + row[x2], 0)),
];

/** The perfect denoiser of JOINT: log-marginal when the other token is masked, else log-conditional. */
const jointDenoiser = jsDenoiser((tokens) =>
  tokens.map((row) =>
    row.map((_, j) => {
      const other = row[1 - j];
      const p = other === 3
        ? MARGINALS[j]
        : [0, 1, 2].map((x) => (j === 0 ? JOINT[x][other] : JOINT[other][x]));
      return [...p.map(Math.log), 0]; // the mask class (id 3) is forbidden by the sampler
    })
  )
);

/** Asserts the pair frequencies of `rows` match `expected[x1][x2]` within 5 standard deviations. */
function assertPairFrequencies(rows: number[][], expected: number[][]): void {
  const n = rows.length;
  expected.forEach((line, x1) =>
    line.forEach((p, x2) => {
      const count = rows.filter(([a, b]) => a === x1 && b === x2).length;
      assert.ok(Math.abs(count - n * p) < 5 * Math.sqrt(n * p * (1 - p)), `(${x1}, ${x2}): ${count} of ${n}`);
    })
  );
}

const PAIR = { seqLen: 2, maskId: 3, codebookSize: 3 };

Deno.test("sampleAncestral() with one token per step samples the joint exactly", async () => {
  await withoutLeaks(() => {
    assertPairFrequencies(sample(jointDenoiser, 1, { ...PAIR, steps: 2 }, 4000), JOINT);
  });
});

Deno.test("sampleAncestral() in one step draws every token from the fully masked conditional", async () => {
  await withoutLeaks(() => {
    const product = MARGINALS[0].map((p1) => MARGINALS[1].map((p2) => p1 * p2));
    assertPairFrequencies(sample(jointDenoiser, 2, { ...PAIR, steps: 1 }, 4000), product);
  });
});

Deno.test("sampleAncestral() at steps = seqLen gives consistent chains, at one step it does not", async () => {
  await withoutLeaks(() => {
    const options = { seqLen: 6, maskId: 5, codebookSize: 5 };
    const exact = sample(chainDenoiser(5), 3, { ...options, steps: 6 }, 8);
    assert.ok(exact.every((row) => row.every((t) => t >= 0 && t < 5) && isChain(row, 5)), `${exact}`);
    const oneStep = sample(chainDenoiser(5), 3, { ...options, steps: 1 }, 8);
    assert.ok(oneStep.some((row) => !isChain(row, 5)));
  });
});

Deno.test("sampleAncestral() reveals uniformPlan counts at uniformly random positions", async () => {
  await withoutLeaks(() => {
    const calls: Call[] = [];
    sample(chainDenoiser(5, { calls }), 4, { seqLen: 10, maskId: 5, codebookSize: 5, steps: 4 }, 1);
    // uniformPlan(4, 10) = [2, 2, 3, 3].
    assert.deepEqual(calls.map((c) => c.tokens[0].filter((t) => t === 5).length), [10, 8, 6, 3]);

    const first: Call[] = [];
    const n = 800;
    sample(chainDenoiser(5, { calls: first }), 5, { seqLen: 4, maskId: 5, codebookSize: 5, steps: 4 }, n);
    const positions = first[1].tokens.map((row) => row.findIndex((t) => t !== 5));
    for (let j = 0; j < 4; j++) {
      const count = positions.filter((p) => p === j).length;
      assert.ok(Math.abs(count - n / 4) < 5 * Math.sqrt(n * 0.25 * 0.75), `position ${j}: ${count}`);
    }
  });
});

Deno.test("sampleAncestral() repeats with a seed and changes with another", async () => {
  await withoutLeaks(() => {
    const options = { seqLen: 8, maskId: 5, codebookSize: 5, steps: 8 };
    const [a, b, c] = [7, 7, 8].map((seed) => sample(chainDenoiser(5), seed, options, 3));
    assert.deepEqual(a, b);
    assert.notDeepEqual(a, c);
  });
});

Deno.test("sampleAncestral() rejects bad options with the value named", async () => {
  await withoutLeaks(() => {
    const labels = tf.tensor1d([0], "int32");
    const run = (options: Partial<AncestralOptions>) => () =>
      sampleAncestral(chainDenoiser(5), labels, createRng(0), {
        seqLen: 4,
        maskId: 5,
        codebookSize: 5,
        steps: 2,
        ...options,
      });
    assertRangeError(run({ steps: 0 }), "steps", 0);
    assertRangeError(run({ steps: 5 }), "steps", 5);
    assertRangeError(run({ temperature: 0 }), "temperature", 0);
    assertRangeError(run({ plan: [2, 1] }), "plan", "[2,1]");
    assertRangeError(run({ guidance: { kind: "linear", scale: 3 } }), "nullClass", undefined);
    labels.dispose();
  });
});
