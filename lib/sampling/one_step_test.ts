import assert from "node:assert/strict";
import * as tf from "../backend/tf.ts";
import { useTestBackend, withoutLeaks } from "../backend/testing.ts";
import { createRng } from "../rng/mod.ts";
import { sampleCategorical } from "./categorical.ts";
import { type OneStepOptions, sampleOneStep } from "./one_step.ts";
import { arrayOf, assertRangeError, type Call, jsDenoiser } from "./_toy_denoisers.ts";

await useTestBackend();

const K = 4;

/** A student with logits [t, 0, j, −1, (t masked ? 6 : −2)] over K codes + the mask class at position j. */
function student(calls: Call[] = []) {
  return jsDenoiser(
    (tokens) => tokens.map((row) => row.map((t, j) => [t, 0, j, -1, t === K ? 6 : -2])),
    calls,
  );
}

/** Samples from `xInit` [[4, 0, 4, 2, 1, 4]] tiled to `batch` rows. */
function sample(seed: number, options: OneStepOptions, batch = 1, calls: Call[] = []): number[][] {
  return arrayOf(() => {
    const xInit = tf.tile(tf.tensor2d([[4, 0, 4, 2, 1, 4]], [1, 6], "int32"), [batch, 1]) as tf.Tensor2D;
    return sampleOneStep(
      student(calls),
      xInit,
      tf.zeros([batch], "int32") as tf.Tensor1D,
      createRng(seed),
      options,
    );
  });
}

Deno.test("sampleOneStep() is one forward and one categorical draw, the mask class clamped to K − 1", async () => {
  await withoutLeaks(() => {
    const calls: Call[] = [];
    const tokens = sample(5, { codebookSize: K, temperature: 2 }, 64, calls);
    assert.equal(calls.length, 1);
    const reference = arrayOf(() => {
      const zTheta = student()(
        tf.tensor2d(calls[0].tokens, undefined, "int32"),
        tf.zeros([64], "int32") as tf.Tensor1D,
      );
      return sampleCategorical(zTheta, createRng(5), { temperature: 2 });
    });
    assert.deepEqual(tokens, reference.map((row) => row.map((t) => Math.min(t, K - 1))));
    assert.ok(reference.flat().includes(K), "the mask class was drawn somewhere");
    assert.ok(tokens.flat().every((t) => t >= 0 && t < K));
  });
});

Deno.test("sampleOneStep() passes topK to the draw: topK 1 takes the argmax", async () => {
  await withoutLeaks(() => {
    // Argmaxes for xInit [4, 0, 4, 2, 1, 4]: the mask class 4 (→ 3) where masked, else class 2.
    const tokens = sample(1, { codebookSize: K, topK: 1 }, 2);
    assert.deepEqual(tokens, [[3, 2, 3, 2, 2, 3], [3, 2, 3, 2, 2, 3]]);
  });
});

Deno.test("sampleOneStep() rejects bad options and tensors with the value named", async () => {
  await withoutLeaks(() => {
    const xInit = tf.tensor2d([[0, 1]], [1, 2], "int32");
    const labels = tf.tensor1d([0], "int32");
    const run = (options: OneStepOptions) => () =>
      sampleOneStep(student(), xInit, labels, createRng(0), options);
    assertRangeError(run({ codebookSize: 0 }), "codebookSize", 0);
    assertRangeError(run({ codebookSize: K, temperature: 0 }), "temperature", 0);
    assertRangeError(run({ codebookSize: K, topK: 0 }), "topK", 0);
    assertRangeError(run({ codebookSize: K, topK: 6 }), "topK", 6);
    assert.throws(run({ codebookSize: 6 }), TypeError); // the student's V = 5
    const floatInit = tf.zeros([1, 2]) as tf.Tensor2D;
    assert.throws(
      () => sampleOneStep(student(), floatInit, labels, createRng(0), { codebookSize: K }),
      TypeError,
    );
    tf.dispose([xInit, labels, floatInit]);
  });
});
