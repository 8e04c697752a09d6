import assert from "node:assert/strict";
import * as tf from "../backend/tf.ts";
import { useTestBackend, withoutLeaks } from "../backend/testing.ts";
import type { Denoiser } from "../models/denoiser.ts";
import { guidanceScaleAt, guidedLogits, withGuidance } from "./guidance.ts";
import { arrayOf, assertRangeError, type Call, jsDenoiser } from "./_toy_denoisers.ts";

await useTestBackend();

const NULL_CLASS = 9;

/** Logits [v, label, token] at every position: conditional and unconditional passes differ. */
function labelDenoiser(calls: Call[] = []) {
  return jsDenoiser((tokens, labels) => tokens.map((row, b) => row.map((t) => [1, labels[b], t])), calls);
}

/** Runs `fn` on tiny inputs (tokens [[0, 1], [2, 3]], labels [4, 5]) and returns the logits. */
function logitsWith(fn: (tokens: tf.Tensor2D, labels: tf.Tensor1D) => tf.Tensor): number[][][] {
  return arrayOf(() => fn(tf.tensor2d([[0, 1], [2, 3]], [2, 2], "int32"), tf.tensor1d([4, 5], "int32")));
}

Deno.test("guidedLogits() at scale 1 is the conditional pass alone", async () => {
  await withoutLeaks(() => {
    const calls: Call[] = [];
    const z = logitsWith((x, y) => guidedLogits(labelDenoiser(calls), x, y, { scale: 1 }));
    assert.deepEqual(z, [[[1, 4, 0], [1, 4, 1]], [[1, 5, 2], [1, 5, 3]]]);
    assert.equal(calls.length, 1);
    assert.deepEqual(calls[0].labels, [4, 5]);
  });
});

Deno.test("guidedLogits() runs one call on [tokens; tokens] with labels [labels; nullClass]", async () => {
  await withoutLeaks(() => {
    const calls: Call[] = [];
    logitsWith((x, y) => guidedLogits(labelDenoiser(calls), x, y, { scale: 2, nullClass: NULL_CLASS }));
    assert.equal(calls.length, 1);
    assert.deepEqual(calls[0].tokens, [[0, 1], [2, 3], [0, 1], [2, 3]]);
    assert.deepEqual(calls[0].labels, [4, 5, NULL_CLASS, NULL_CLASS]);
  });
});

Deno.test("guidedLogits() is z_u + s·(z_c − z_u): scale 0 unconditional, scale 3 extrapolated", async () => {
  await withoutLeaks(() => {
    const zU = logitsWith((x, y) => guidedLogits(labelDenoiser(), x, y, { scale: 0, nullClass: NULL_CLASS }));
    assert.deepEqual(zU, [[[1, 9, 0], [1, 9, 1]], [[1, 9, 2], [1, 9, 3]]]);
    const z3 = logitsWith((x, y) => guidedLogits(labelDenoiser(), x, y, { scale: 3, nullClass: NULL_CLASS }));
    // Label logit: 9 + 3 · (label − 9); the others agree between the passes and are unchanged.
    assert.deepEqual(z3, [[[1, -6, 0], [1, -6, 1]], [[1, -3, 2], [1, -3, 3]]]);
  });
});

Deno.test("withGuidance() wraps a denoiser into guidedLogits()", async () => {
  await withoutLeaks(() => {
    const options = { scale: 2.5, nullClass: NULL_CLASS };
    const wrapped = logitsWith((x, y) => withGuidance(labelDenoiser(), options)(x, y));
    const direct = logitsWith((x, y) => guidedLogits(labelDenoiser(), x, y, options));
    assert.deepEqual(wrapped, direct);
  });
});

Deno.test("guidanceScaleAt() is constant, or ramps linearly from 1 to the scale", () => {
  assert.deepEqual([0, 1, 2].map((i) => guidanceScaleAt({ kind: "constant", scale: 2 }, i, 3)), [2, 2, 2]);
  const linear = { kind: "linear", scale: 3 } as const;
  assert.deepEqual([0, 1, 2, 3, 4].map((i) => guidanceScaleAt(linear, i, 5)), [1, 1.5, 2, 2.5, 3]);
  assert.equal(guidanceScaleAt(linear, 0, 1), 1);
  assert.equal(guidanceScaleAt({ kind: "constant", scale: 2 }, 0, 1), 2);
});

Deno.test("the linear schedule with scale 1 + w is MaskGIT's ramp (1 + w_i)·z_c − w_i·z_u", async () => {
  await withoutLeaks(() => {
    const [w, steps] = [3, 8];
    const schedule = { kind: "linear", scale: 1 + w } as const;
    const [zC, zU] = [[0.5, -2, 1.25], [1, 0.25, -0.75]];
    for (let i = 0; i < steps; i++) {
      const wI = w * (i / (steps - 1)); // Maskgit-pytorch v1.0, Trainer/vit.py
      const maskgit = zC.map((c, v) => (1 + wI) * c - wI * zU[v]);
      const denoiser = jsDenoiser((tokens, labels) =>
        tokens.map((_, b) => [labels[b] === NULL_CLASS ? zU : zC])
      );
      const ours = arrayOf<number[][][]>(() =>
        guidedLogits(denoiser, tf.tensor2d([[0]], [1, 1], "int32"), tf.tensor1d([0], "int32"), {
          scale: guidanceScaleAt(schedule, i, steps),
          nullClass: NULL_CLASS,
        })
      );
      ours[0][0].forEach((z, v) => assert.ok(Math.abs(z - maskgit[v]) < 1e-5, `step ${i}, class ${v}`));
    }
  });
});

Deno.test("guidance rejects bad scales, steps and a missing null class with the value named", async () => {
  await withoutLeaks(() => {
    const den = labelDenoiser();
    const tokens = tf.tensor2d([[0, 1]], [1, 2], "int32");
    const labels = tf.tensor1d([4], "int32");
    assertRangeError(() => guidedLogits(den, tokens, labels, { scale: 2 }), "nullClass", undefined);
    assertRangeError(() => guidedLogits(den, tokens, labels, { scale: NaN, nullClass: 0 }), "scale", NaN);
    assertRangeError(() => withGuidance(den, { scale: 2, nullClass: -1 }), "nullClass", -1);
    const [twoLabels, floatTokens] = [tf.tensor1d([4, 5], "int32"), tf.zeros([1, 2]) as tf.Tensor2D];
    assert.throws(() => guidedLogits(den, tokens, twoLabels, { scale: 1 }), TypeError);
    assert.throws(() => guidedLogits(den, floatTokens, labels, { scale: 1 }), TypeError);
    const linear = { kind: "linear", scale: 2 } as const;
    assertRangeError(() => guidanceScaleAt(linear, 3, 3), "step", 3);
    assertRangeError(() => guidanceScaleAt(linear, 0, 0), "steps", 0);
    assertRangeError(
      () => guidanceScaleAt({ kind: "cosine", scale: 2 } as never, 0, 2),
      "guidance.kind",
      '"cosine"',
    );
    assertRangeError(
      () => guidanceScaleAt({ kind: "constant", scale: Infinity }, 0, 2),
      "guidance.scale",
      Infinity,
    );
    tf.dispose([tokens, labels, twoLabels, floatTokens]);
  });
});

Deno.test("guidedLogits() rejects a denoiser output of the wrong shape without leaking", async () => {
  await withoutLeaks(() => {
    const bad = jsDenoiser((tokens) => [tokens[0].map(() => [0, 0])]); // always batch 1
    const tokens = tf.tensor2d([[0], [1]], [2, 1], "int32");
    const labels = tf.tensor1d([4, 5], "int32");
    assert.throws(() => guidedLogits(bad, tokens, labels, { scale: 2, nullClass: 0 }), TypeError);
    assert.throws(() => guidedLogits(bad, tokens, labels, { scale: 1 }), TypeError);
    tf.dispose([tokens, labels]);
  });
});

Deno.test("guidedLogits() runs prompt conditions against the null prompt, or a negative prompt", async () => {
  await withoutLeaks(async () => {
    // One logit per position: the prompt's first id.
    const denoiser: Denoiser = (tokens, prompts) =>
      tf.tile(
        tf.cast(tf.slice(prompts, [0, 0], [-1, 1]), "float32").reshape([-1, 1, 1]),
        [1, tokens.shape[1], 1],
      ) as tf.Tensor3D;
    const tokens = tf.tensor2d([[0, 0]], [1, 2], "int32");
    const prompts = tf.tensor2d([[5, 3, 0]], [1, 3], "int32");
    const nullGuided = guidedLogits(denoiser, tokens, prompts, { scale: 2, nullPrompt: [1, 0, 0] });
    assert.deepEqual(Array.from(await nullGuided.data()), [9, 9]); // 1 + 2 · (5 − 1)
    const negative = guidedLogits(denoiser, tokens, prompts, { scale: 2, nullPrompt: [4, 2, 0] });
    assert.deepEqual(Array.from(await negative.data()), [6, 6]); // 4 + 2 · (5 − 4)
    assert.throws(
      () => guidedLogits(denoiser, tokens, prompts, { scale: 2, nullClass: 1 }),
      /'nullPrompt' must be 3 prompt ids \(the prompts' length\): current value is undefined/,
    );
    assert.throws(
      () => guidedLogits(denoiser, tokens, prompts, { scale: 2, nullPrompt: [1, 0] }),
      /'nullPrompt' must be 3 prompt ids/,
    );
    tf.dispose([tokens, prompts, nullGuided, negative]);
  });
});
