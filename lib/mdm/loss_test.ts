import assert from "node:assert/strict";
import { tf } from "../backend/mod.ts";
import { useTestBackend, withoutLeaks } from "../backend/testing.ts";
import { createRng } from "../rng/mod.ts";
import { dropLabels, maskedCrossEntropy } from "./mod.ts";

await useTestBackend();

/** Float64 reference of the smoothed masked cross-entropy. */
function reference(z: number[][][], y: number[][], m: boolean[][], eps: number): number {
  let total = 0, count = 0;
  z.forEach((row, b) =>
    row.forEach((logits, i) => {
      if (!m[b][i]) return;
      const max = Math.max(...logits);
      const lse = max + Math.log(logits.reduce((s, v) => s + Math.exp(v - max), 0));
      const logp = logits.map((v) => v - lse);
      const V = logits.length;
      total -= logp.reduce((s, lp, v) => s + ((v === y[b][i] ? 1 - eps : 0) + eps / V) * lp, 0);
      count++;
    })
  );
  return total / count;
}

Deno.test("maskedCrossEntropy() equals a float64 reference, with and without label smoothing", async () => {
  await withoutLeaks(async () => {
    const rng = createRng(1);
    const z = [0, 1].map(() => [0, 1, 2].map(() => [0, 1, 2, 3, 4].map(() => 6 * (rng.next() - 0.5))));
    const y = [[0, 4, 2], [1, 1, 3]];
    const m = [[true, false, true], [false, true, true]];
    for (const eps of [0, 0.1]) {
      const loss = tf.tidy(() =>
        maskedCrossEntropy(tf.tensor3d(z), tf.tensor2d(y, [2, 3], "int32"), tf.tensor2d(m, [2, 3], "bool"), {
          labelSmoothing: eps,
        })
      );
      assert.ok(Math.abs((await loss.data())[0] - reference(z, y, m, eps)) < 1e-5);
      loss.dispose();
    }
  });
});

Deno.test("maskedCrossEntropy() ignores unmasked positions, in value and gradient", async () => {
  const targets = tf.tensor2d([[1, 2]], [1, 2], "int32");
  const masked = tf.tensor2d([[true, false]], [1, 2], "bool");
  await withoutLeaks(async () => {
    const logits = tf.randomNormal([1, 2, 3], 0, 1, "float32", 5) as tf.Tensor3D;
    const changed = tf.tidy(() => tf.concat([logits.slice([0, 0, 0], [1, 1, 3]), tf.fill([1, 1, 3], 9)], 1));
    const f = (z: tf.Tensor) => maskedCrossEntropy(z as tf.Tensor3D, targets, masked);
    const [a, b] = [f(logits), f(changed)];
    assert.equal((await a.data())[0], (await b.data())[0]);
    const g = tf.grad(f)(logits);
    assert.ok(Array.from((await g.data()).slice(3)).every((v) => v === 0));
    tf.dispose([logits, changed, a, b, g]);
  });
  tf.dispose([targets, masked]);
});

Deno.test("maskedCrossEntropy() rejects ids outside the vocabulary, bad smoothing and shapes", () => {
  const logits = tf.zeros([1, 2, 3]) as tf.Tensor3D;
  const masked = tf.tensor2d([[true, true]], [1, 2], "bool");
  const bad = tf.tensor2d([[0, 3]], [1, 2], "int32");
  const good = tf.tensor2d([[0, 2]], [1, 2], "int32");
  assert.throws(
    () => maskedCrossEntropy(logits, bad, masked),
    /'targets' must be ids in \[0, 2\]: current value is 3/,
  );
  assert.throws(() => maskedCrossEntropy(logits, good, masked, { labelSmoothing: 1.5 }), /'labelSmoothing'/);
  const wrong = tf.zeros([1, 3], "bool") as tf.Tensor2D;
  assert.throws(() => maskedCrossEntropy(logits, good, wrong), /'masked' must be of shape \[1, 2\]/);
  tf.dispose([logits, masked, bad, good, wrong]);
});

Deno.test("dropLabels() replaces labels by the null class at the given rate", async () => {
  await withoutLeaks(async () => {
    const labels = tf.zeros([4000], "int32") as tf.Tensor1D;
    const dropped = dropLabels(labels, { rate: 0.1, nullClass: 5, rng: createRng(2) });
    const data = await dropped.data();
    const rate = data.filter((v) => v === 5).length / data.length;
    assert.ok(Math.abs(rate - 0.1) < 0.02, `rate ${rate}`); // 4 standard deviations
    assert.ok(data.every((v) => v === 0 || v === 5));
    assert.throws(() => dropLabels(labels, { rate: -1, nullClass: 5, rng: createRng(2) }), /'rate'/);
    tf.dispose([labels, dropped]);
  });
});
