import assert from "node:assert/strict";
import { tf } from "../backend/mod.ts";
import { useTestBackend, withoutLeaks } from "../backend/testing.ts";
import { Adam, Ema } from "./mod.ts";

await useTestBackend();

const quadratic = (w: tf.Variable, target: tf.Tensor) => () =>
  tf.sum(tf.square(tf.sub(w, target))) as tf.Scalar;

Deno.test("Adam.step() matches a float64 reference of PyTorch's Adam", async () => {
  await withoutLeaks(async () => {
    const start = [0.5, -1, 2], goal = [1, 2, 3];
    const target = tf.tensor1d(goal);
    const w = tf.tidy(() => tf.variable(tf.tensor1d(start)));
    const [lr, b1, b2, eps] = [0.01, 0.9, 0.999, 1e-8];
    const adam = new Adam([w], { lr, beta1: b1, beta2: b2, eps });
    const x = [...start], m = [0, 0, 0], v = [0, 0, 0];
    for (let t = 1; t <= 5; t++) {
      await adam.step(quadratic(w, target));
      x.forEach((xi, i) => {
        const g = 2 * (xi - goal[i]);
        m[i] = b1 * m[i] + (1 - b1) * g;
        v[i] = b2 * v[i] + (1 - b2) * g * g;
        x[i] = xi - (lr / (1 - b1 ** t)) * m[i] / (Math.sqrt(v[i]) / Math.sqrt(1 - b2 ** t) + eps);
      });
    }
    const ours = Array.from(await w.data());
    ours.forEach((xi, i) => assert.ok(Math.abs(xi - x[i]) < 1e-6, `${xi} vs ${x[i]}`));
    adam.dispose();
    tf.dispose([target, w]);
  });
});

Deno.test("Adam warms the learning rate up linearly and clips the global norm", async () => {
  await withoutLeaks(async () => {
    const w = tf.tidy(() => tf.variable(tf.tensor1d([0, 0])));
    const target = tf.tensor1d([30, 40]); // gradient 2·(w − target) has norm 100
    const adam = new Adam([w], { lr: 1, warmupSteps: 4, clipNorm: 1 });
    const lrs = [];
    for (let i = 0; i < 5; i++) {
      const report = await adam.step(quadratic(w, target));
      lrs.push(report.lr);
      if (i === 0) assert.ok(Math.abs(report.gradNorm - 100) < 1e-3);
    }
    assert.deepEqual(lrs, [0.25, 0.5, 0.75, 1, 1]);
    // Clipping scales the gradient, which Adam's normalisation cancels: the first step moves each
    // coordinate by lr·sign(g) all the same.
    assert.equal(adam.iteration, 5);
    adam.dispose();
    tf.dispose([w, target]);
  });
});

Deno.test("Adam state round-trips: a restored optimiser continues identically", async () => {
  await withoutLeaks(async () => {
    const target = tf.tensor1d([1, -1]);
    const w = tf.tidy(() => tf.variable(tf.tensor1d([0, 0])));
    const adam = new Adam([w], { lr: 0.1, warmupSteps: 3 });
    for (let i = 0; i < 3; i++) await adam.step(quadratic(w, target));
    const state = adam.getState();
    const copy = tf.variable(w);
    const resumed = new Adam([copy], { lr: 0.1, warmupSteps: 3 });
    await resumed.setState(state);
    for (let i = 0; i < 2; i++) {
      await adam.step(quadratic(w, target));
      await resumed.step(quadratic(copy, target));
    }
    assert.deepEqual(Array.from(await copy.data()), Array.from(await w.data()));
    await assert.rejects(resumed.setState({ step: state.step }), /'m.0' must have shape \[2\]/);
    tf.dispose([target, w, copy, ...Object.values(state)]);
    adam.dispose();
    resumed.dispose();
  });
});

Deno.test("Adam refuses a non-finite gradient and leaves the weights unchanged", async () => {
  await withoutLeaks(async () => {
    const w = tf.tidy(() => tf.variable(tf.tensor1d([1, 2])));
    const adam = new Adam([w], { lr: 0.1 });
    await assert.rejects(
      adam.step(() => tf.sum(tf.log(tf.sub(w, 1))) as tf.Scalar),
      /gradient norm is (Infinity|NaN)/,
    );
    assert.deepEqual(Array.from(await w.data()), [1, 2]);
    assert.throws(() => new Adam([w], { lr: -1 }), /'lr'/);
    adam.dispose();
    w.dispose();
  });
});

Deno.test("Adam with one step in flight makes the same updates as awaiting each step", async () => {
  await withoutLeaks(async () => {
    const targets = [[1, -1], [2, 0.5], [-3, 4], [0.25, 1]].map((t) => tf.tensor1d(t));
    const [awaited, queued] = [0, 1].map(() => tf.tidy(() => tf.variable(tf.tensor1d([0.5, 0]))));
    const config = { lr: 0.1, warmupSteps: 2, clipNorm: 3 };
    const [a, b] = [new Adam([awaited], config), new Adam([queued], config)];
    const reports = [];
    for (const target of targets) reports.push((await a.step(quadratic(awaited, target))).loss);
    const pending = targets.map((target) => b.step(quadratic(queued, target))); // all queued at once
    assert.equal(b.iteration, targets.length);
    assert.deepEqual((await Promise.all(pending)).map((r) => r.loss), reports);
    assert.deepEqual(Array.from(await queued.data()), Array.from(await awaited.data()));
    [a, b].forEach((adam) => adam.dispose());
    tf.dispose([...targets, awaited, queued]);
  });
});

Deno.test("Adam skips every step queued after a non-finite gradient and continues from before it", async () => {
  await withoutLeaks(async () => {
    const [finite, nan] = [tf.tensor1d([1, -1]), tf.tensor1d([NaN, 2])];
    const [w, reference] = [0, 1].map(() => tf.tidy(() => tf.variable(tf.tensor1d([0.5, 0]))));
    const [adam, plain] = [new Adam([w], { lr: 0.1 }), new Adam([reference], { lr: 0.1 })];
    const queued = [finite, nan, finite].map((target) => adam.step(quadratic(w, target)));
    await queued[0];
    await assert.rejects(queued[1], /Cannot apply Adam step 1 as the gradient norm is NaN/);
    await assert.rejects(queued[2], /Cannot apply Adam step 2 as step 1, queued before it, had a non-finite/);
    assert.equal(adam.iteration, 1);
    // The next step is the second update, as if the failed ones had never been queued.
    await adam.step(quadratic(w, finite));
    for (let i = 0; i < 2; i++) await plain.step(quadratic(reference, finite));
    assert.deepEqual(Array.from(await w.data()), Array.from(await reference.data()));
    assert.equal(adam.iteration, 2);
    [adam, plain].forEach((o) => o.dispose());
    tf.dispose([finite, nan, w, reference]);
  });
});

Deno.test("Ema follows s ← d·s + (1 − d)·w with the (1 + t)/(10 + t) warm-up", async () => {
  await withoutLeaks(async () => {
    const w = tf.tidy(() => tf.variable(tf.tensor1d([0, 0, 0])));
    const ema = new Ema([w], 0.5);
    const expected = [0, 0, 0];
    for (let t = 0; t < 12; t++) {
      const values = [t + 1, -2 * t, 0.25 * t * t];
      tf.tidy(() => w.assign(tf.tensor1d(values)));
      const d = Math.min(0.5, (1 + t) / (10 + t));
      assert.equal(ema.currentDecay, d);
      ema.update();
      values.forEach((v, j) => expected[j] = d * expected[j] + (1 - d) * v);
    }
    const got = await ema.shadow[0].data();
    expected.forEach((e, j) =>
      assert.ok(Math.abs(got[j] - e) < 1e-4 * Math.max(1, Math.abs(e)), `${j}: ${got[j]} vs ${e}`)
    );
    ema.dispose();
    w.dispose();
  });
});

Deno.test("Adam reports the global gradient norm and the loss over many variables", async () => {
  await withoutLeaks(async () => {
    // 20 variables: tfjs-webgpu's AddN over this many inputs once returned 0 and wrong norms; its
    // gradient still drops the last inputs (tfjs 4.22), so the loss adds pairwise too.
    const values = Array.from({ length: 20 }, (_, i) => [i / 10, -i / 20]);
    const ws = values.map((v) => tf.tidy(() => tf.variable(tf.tensor1d(v))));
    const adam = new Adam(ws, { lr: 0.1 });
    const report = await adam.step(() =>
      ws.map((w) => tf.sum(tf.square(w))).reduce((a, b) => tf.add(a, b)) as tf.Scalar
    );
    // d/dw Σ w² = 2w, so the norm is 2·‖all values‖ and the loss ‖all values‖².
    const squares = values.flat().reduce((s, x) => s + x * x, 0);
    assert.ok(Math.abs(report.gradNorm - 2 * Math.sqrt(squares)) < 1e-4, `${report.gradNorm}`);
    assert.ok(Math.abs(report.loss - squares) < 1e-4, `${report.loss}`);
    adam.dispose();
    tf.dispose(ws);
  });
});
