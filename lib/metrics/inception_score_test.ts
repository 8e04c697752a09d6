import assert from "node:assert/strict";
import * as tf from "../backend/tf.ts";
import { useTestBackend, withoutLeaks } from "../backend/testing.ts";
import { createRng } from "../rng/mod.ts";
import { inceptionScore } from "./inception_score.ts";

await useTestBackend();

Deno.test("inceptionScore() is 1 for uniform posteriors", async () => {
  await withoutLeaks(async () => {
    const probs = tf.fill([50, 10], 0.1) as tf.Tensor2D;
    const { mean, std } = await inceptionScore(probs, { splits: 5 });
    assert.ok(Math.abs(mean - 1) < 1e-6 && std < 1e-6, `${mean} ± ${std}`);
    probs.dispose();
  });
});

/** One-hot posteriors of 1,000 samples, 100 per class, sorted or cycling by class. */
function oneHot(order: "sorted" | "cycled"): tf.Tensor2D {
  const ids = Array.from({ length: 1000 }, (_, i) => (order === "sorted" ? Math.floor(i / 100) : i % 10));
  return tf.tidy(() => tf.cast(tf.oneHot(tf.tensor1d(ids, "int32"), 10), "float32") as tf.Tensor2D);
}

Deno.test("inceptionScore() is 10 for one-hot posteriors balanced over 10 classes", async () => {
  await withoutLeaks(async () => {
    const probs = oneHot("cycled");
    const { mean, std } = await inceptionScore(probs);
    assert.ok(Math.abs(mean - 10) < 1e-9 && std < 1e-9, `${mean} ± ${std}`);
    probs.dispose();
  });
});

Deno.test("inceptionScore() needs an rng for rows sorted by class", async () => {
  await withoutLeaks(async () => {
    const probs = oneHot("sorted");
    // Contiguous splits hold one class each.
    assert.ok(Math.abs((await inceptionScore(probs)).mean - 1) < 1e-9);
    // Shuffled splits of 100 hold about 10 of each class: a multinomial marginal, a little below 10.
    const shuffled = await inceptionScore(probs, { rng: createRng(9) });
    assert.ok(shuffled.mean > 9 && shuffled.mean < 10, `${shuffled.mean}`);
    assert.deepEqual(await inceptionScore(probs, { rng: createRng(9) }), shuffled);
    probs.dispose();
  });
});

Deno.test("inceptionScore() equals exp(H(p(y)) − E H(p(y|x))) in float64", async () => {
  await withoutLeaks(async () => {
    const probs = tf.tidy(() => tf.softmax(tf.randomNormal([40, 6], 0, 2, "float32", createRng(5).seed())));
    const values = Array.from(await probs.data());
    const rows = Array.from({ length: 40 }, (_, i) => values.slice(6 * i, 6 * i + 6));
    const entropy = (p: number[]) => -p.reduce((s, v) => s + (v > 0 ? v * Math.log(v) : 0), 0);
    const marginal = rows[0].map((_, c) => rows.reduce((s, p) => s + p[c], 0) / rows.length);
    const expected = Math.exp(entropy(marginal) - rows.reduce((s, p) => s + entropy(p), 0) / rows.length);
    const { mean, std } = await inceptionScore(probs as tf.Tensor2D, { splits: 1 });
    assert.ok(Math.abs(mean - expected) < 1e-6 * expected, `${mean} vs ${expected}`);
    assert.equal(std, 0);
    probs.dispose();
  });
});

Deno.test("inceptionScore() rejects rows that are not distributions and bad splits", async () => {
  await withoutLeaks(async () => {
    const logits = tf.tensor2d([[2, -1], [0.5, 0.5]]);
    const nan = tf.tensor2d([[NaN, 1], [0.5, 0.5]]);
    const ok = tf.tensor2d([[1, 0], [0, 1]]);
    await assert.rejects(inceptionScore(logits, { splits: 1 }), {
      name: "RangeError",
      message: /'probs\[0\]' must be rows/,
    });
    await assert.rejects(inceptionScore(nan, { splits: 1 }), { name: "RangeError", message: /finite/ });
    await assert.rejects(inceptionScore(ok, { splits: 3 }), { name: "RangeError", message: /'splits'/ });
    tf.dispose([logits, nan, ok]);
  });
});
