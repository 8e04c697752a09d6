import assert from "node:assert/strict";
import * as tf from "../backend/tf.ts";
import { useTestBackend, withoutLeaks } from "../backend/testing.ts";
import { Adam } from "../optim/mod.ts";
import { accumulatedStep, type Share } from "./_accumulate.ts";

await useTestBackend();

/** A share whose loss and gradients are the given numbers (one gradient per variable). */
const share = (loss: number, grads: (number | undefined)[], samples: number): Share => ({
  value: tf.scalar(loss),
  grads: grads.map((g) => (g === undefined ? undefined : tf.scalar(g))),
  samples: Array.from({ length: samples }, () => [loss]),
});

Deno.test("accumulatedStep() applies the mean of the batches' gradients and losses in one update", async () => {
  await withoutLeaks(async () => {
    const [w, v] = tf.tidy(() => [tf.variable(tf.scalar(0)), tf.variable(tf.scalar(0))]);
    const adam = new Adam([w, v], { lr: 0.1 });
    // The second variable is reached by one batch only: its sum is that batch's gradient.
    const shares = [share(1, [2, undefined], 3), undefined, share(3, [4, 6], 2)];
    const step = await accumulatedStep(3, adam, () => Promise.resolve(shares.shift()));
    assert.ok(step !== undefined);
    // Two batches kept samples: mean loss (1 + 3) / 2, mean gradients (3, 3), norm √18.
    const report = await step.report;
    assert.equal(report.loss, 2);
    assert.ok(Math.abs(report.gradNorm - Math.sqrt(18)) < 1e-6);
    assert.equal(step.samples.length, 5);
    assert.equal(adam.iteration, 1);
    tf.dispose([w, v]);
    adam.dispose();
  });
});

Deno.test("accumulatedStep() of one batch is the plain step, and of none applies nothing", async () => {
  await withoutLeaks(async () => {
    const w = tf.tidy(() => tf.variable(tf.scalar(0)));
    const adam = new Adam([w], { lr: 0.1 });
    const one = await accumulatedStep(1, adam, () => Promise.resolve(share(5, [7], 1)));
    const report = await one!.report;
    assert.equal(report.loss, 5);
    assert.ok(Math.abs(report.gradNorm - 7) < 1e-6);
    assert.equal(await accumulatedStep(2, adam, () => Promise.resolve(undefined)), undefined);
    assert.equal(adam.iteration, 1);
    tf.dispose(w);
    adam.dispose();
  });
});
