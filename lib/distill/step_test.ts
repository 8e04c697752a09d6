import assert from "node:assert/strict";
import * as tf from "../backend/tf.ts";
import { useTestBackend, withoutLeaks } from "../backend/testing.ts";
import type { Transformer } from "../models/transformer.ts";
import type { PartialDistillConfig } from "./config.ts";
import { createDistillState, type DistillState } from "./state.ts";
import { distillStep, type StepReport } from "./step.ts";
import { disposeBatch, sampleStudentBatch } from "./_batch.ts";
import { changed, snapshot, tinyConfig, tinyTeacher } from "./_tiny.ts";

await useTestBackend();

const B = 8;

function softmax64(logits: number[]): number[] {
  const max = Math.max(...logits);
  const exps = logits.map((z) => Math.exp(z - max));
  const total = exps.reduce((a, b) => a + b, 0);
  return exps.map((e) => e / total);
}

/**
 * The forward-KL g of the step recomputed independently: the teacher's two branches as separate
 * calls, guidance and softmaxes in float64, masked by hand.
 */
function referenceG(
  state: DistillState,
  xt: tf.Tensor2D,
  labels: tf.Tensor1D,
  masked: boolean[][],
): number[][][] {
  const { teacher, aux, config } = state;
  const nulls = tf.fill([B], teacher.layout.nullClass, "int32") as tf.Tensor1D;
  const [zC, zU, zPsi] = [teacher.apply(xt, labels), teacher.apply(xt, nulls), aux.apply(xt, labels)];
  const [c, u, psi] = [zC, zU, zPsi].map((z) => z.arraySync());
  tf.dispose([nulls, zC, zU, zPsi]);
  const s = config.teacherGuidance;
  return psi.map((row, b) =>
    row.map((zPsiI, i) => {
      if (!masked[b][i]) return zPsiI.map(() => 0);
      const pPhi = softmax64(u[b][i].map((zu, v) => zu + s * (c[b][i][v] - zu)));
      return softmax64(zPsiI).map((p, v) => p - pPhi[v]);
    })
  );
}

Deno.test("distillStep() moves the student by Adam's first step on Σ g·∂zTheta/∂θ / B", async () => {
  await withoutLeaks(async () => {
    const teacher = tinyTeacher();
    // No dropout, so that the draws of one batch can be replayed; σ > 0, so that the noise must be reused.
    // eps ≫ |grad|: Adam's first step −lr·grad/(|grad| + eps) is then nearly linear in the gradient.
    const [lr, eps] = [0.5, 1e-2];
    const config = tinyConfig({ dropout: false, studentAdam: { lr, eps, clipNorm: Infinity } });
    const [stepped, replay] = [
      createDistillState(teacher, config, 7),
      createDistillState(teacher, config, 7),
    ];
    const before = replay.student.trainableVariables().map((v) => Array.from(v.dataSync()));
    const report = await distillStep(stepped);

    const batch = sampleStudentBatch(replay, replay.rng.student);
    const masked = batch.masked.arraySync() as unknown as boolean[][];
    const g = referenceG(replay, batch.xt, batch.condition as tf.Tensor1D, masked);
    const gT = tf.tensor3d(g);
    const embeddingNoise = { sigma: config.init.sigma, noise: batch.noise! };
    const { value, grads } = tf.variableGrads(() => {
      const zTheta = replay.student.apply(batch.xInit, batch.condition as tf.Tensor1D, { embeddingNoise });
      return tf.div(tf.sum(tf.mul(gT, zTheta)), B) as tf.Scalar;
    }, replay.student.trainableVariables());
    const expectedGrads = replay.student.trainableVariables().map((v) =>
      Array.from(grads[v.name].dataSync())
    );
    tf.dispose([gT, value, ...Object.values(grads)]);
    disposeBatch(batch);

    const norm = Math.hypot(...expectedGrads.flat());
    assert.ok(norm > 1e-4, `a gradient to compare: ${norm}`);
    assert.ok(Math.abs(report.studentGradNorm - norm) <= 1e-4 * norm, `${report.studentGradNorm} vs ${norm}`);
    const gSquared = 0.5 * g.flat(2).reduce((sum, x) => sum + x * x, 0) / B;
    assert.ok(Math.abs(report.gSquared - gSquared) <= 1e-4 * gSquared, `${report.gSquared} vs ${gSquared}`);
    const maskedFraction = masked.flat().filter((m) => m).length / masked.flat().length;
    assert.equal(report.maskedFraction, maskedFraction);
    // Adam's first step is exactly −lr·grad/(|grad| + eps) per element.
    stepped.student.trainableVariables().forEach((variable, k) => {
      const after = variable.dataSync();
      expectedGrads[k].forEach((grad, j) => {
        const delta = -lr * grad / (Math.abs(grad) + eps);
        const error = Math.abs(after[j] - before[k][j] - delta);
        assert.ok(
          error <= 1e-3 * Math.abs(delta) + 3e-7,
          `${variable.name}[${j}]: moved ${after[j] - before[k][j]}, not ${delta}`,
        );
      });
    });
    for (const s of [stepped, replay]) s.dispose();
    teacher.dispose();
  });
});

Deno.test("distillStep() never changes the teacher or frozen weights, and changes every trainable one", async () => {
  await withoutLeaks(async () => {
    const teacher = tinyTeacher();
    const state = createDistillState(teacher, tinyConfig(), 2);
    const [teacher0, student0, aux0] = [teacher, state.student, state.aux].map(snapshot);
    for (let i = 0; i < 2; i++) await distillStep(state);
    assert.deepEqual(snapshot(teacher), teacher0);
    for (const [model, initial] of [[state.student, student0], [state.aux, aux0]] as const) {
      const trainable = Object.entries(model.namedWeights()).filter(([, v]) => v.trainable).map(([n]) => n);
      assert.deepEqual(changed(initial, snapshot(model)), trainable);
    }
    state.dispose();
    teacher.dispose();
  });
});

function withoutSeconds(report: StepReport): Omit<StepReport, "seconds"> {
  const { seconds: _, ...rest } = report;
  return rest;
}

async function run(seed: number, iterations: number, overrides: PartialDistillConfig = {}, together = false) {
  const teacher = tinyTeacher();
  const state = createDistillState(teacher, tinyConfig(overrides), seed);
  const reports = [];
  if (together) {
    const calls = Array.from({ length: iterations }, () => distillStep(state));
    for (const call of calls) reports.push(withoutSeconds(await call));
  }
  for (let i = reports.length; i < iterations; i++) reports.push(withoutSeconds(await distillStep(state)));
  const weights = [snapshot(state.student), snapshot(state.aux)];
  state.dispose();
  teacher.dispose();
  return { reports, weights };
}

Deno.test("distillStep() is reproducible from the seed, and the seed matters", async () => {
  await withoutLeaks(async () => {
    const [a, b, c] = [await run(5, 3), await run(5, 3), await run(6, 3)];
    assert.deepEqual(a, b);
    assert.notDeepEqual(a.reports, c.reports);
    assert.ok(a.reports.every((r) => Number.isFinite(r.auxLoss) && Number.isFinite(r.gSquared)));
  });
});

Deno.test("distillStep() calls made before the earlier ones are awaited run in order, as awaited ones do", async () => {
  await withoutLeaks(async () => {
    const together = await run(5, 3, {}, true);
    assert.deepEqual(together.reports.map((r) => r.iteration), [0, 1, 2]);
    assert.deepEqual(together, await run(5, 3));
  });
});

Deno.test("distillStep() with recomputeActivations makes the same updates", async () => {
  await withoutLeaks(async () => {
    assert.deepEqual(await run(5, 3, { recomputeActivations: true }), await run(5, 3));
  });
});

Deno.test("distillStep() with updateRatio 2 updates the student on even iterations and the aux on all", async () => {
  await withoutLeaks(async () => {
    const teacher = tinyTeacher();
    const state = createDistillState(teacher, tinyConfig({ updateRatio: 2 }), 3);
    const moved = [];
    for (let i = 0; i < 4; i++) {
      const [student, aux] = [snapshot(state.student), snapshot(state.aux)];
      const report = await distillStep(state);
      assert.equal(report.iteration, i);
      moved.push([
        report.studentUpdated,
        changed(student, snapshot(state.student)).length > 0,
        changed(aux, snapshot(state.aux)).length > 0,
      ]);
      assert.equal(Number.isNaN(report.studentGradNorm), !report.studentUpdated);
    }
    assert.deepEqual(moved, [[true, true, true], [false, false, true], [true, true, true], [
      false,
      false,
      true,
    ]]);
    assert.equal(state.studentAdam.iteration, 2);
    assert.equal(state.auxAdam.iteration, 4);
    assert.equal(state.studentEma.updates, 4);
    state.dispose();
    teacher.dispose();
  });
});

Deno.test("distillStep() keeps the tensor count flat across iterations", async () => {
  await withoutLeaks(async () => {
    const teacher = tinyTeacher();
    const state = createDistillState(teacher, tinyConfig({ updateRatio: 2 }), 4);
    await distillStep(state);
    const count = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) {
      await distillStep(state);
      assert.equal(tf.memory().numTensors, count, `after iteration ${state.iteration - 1}`);
    }
    state.dispose();
    teacher.dispose();
  });
});

Deno.test("distillStep() gives g = 0 at iteration 0 without guidance, dropout and teacher noise", async () => {
  await withoutLeaks(async () => {
    const teacher = tinyTeacher();
    // Student = aux = teacher: with guidance 1, p_ψ = p_φ exactly at x̃_t. The student's own noise
    // (σ = 0.1) changes x_θ but must not reach the teacher or aux.
    for (const sigma of [0, 0.1]) {
      const state = createDistillState(
        teacher,
        tinyConfig({ teacherGuidance: 1, dropout: false, init: { sigma } }),
        8,
      );
      const report = await distillStep(state);
      assert.equal(report.gSquared, 0, `sigma ${sigma}`);
      assert.equal(report.studentGradNorm, 0, `sigma ${sigma}`);
      state.dispose();
    }
    const guided = createDistillState(teacher, tinyConfig({ dropout: false }), 8);
    const report = await distillStep(guided);
    assert.ok(report.gSquared > 0 && report.studentGradNorm > 0, "guidance 2 gives a signal");
    guided.dispose();
    teacher.dispose();
  });
});

/** Makes a model's logits non-finite (z/0) for every sample of class `y`, in every call. */
function poisonClass(model: Transformer, y: number): void {
  const apply = model.apply.bind(model);
  model.apply = (tokens, labels, options) =>
    tf.tidy(() =>
      tf.div(apply(tokens, labels, options), tf.reshape(tf.notEqual(labels, y), [-1, 1, 1]).cast("float32"))
    );
}

Deno.test("distillStep() drops and counts samples with non-finite logits", async () => {
  await withoutLeaks(async () => {
    const labels = [0, 1, 0, 1, 0, 0, 1, 0]; // 3 samples of class 1 in each batch
    const teacher = tinyTeacher();
    const state = createDistillState(teacher, tinyConfig(), 9);
    poisonClass(state.student, 1);
    const student = await distillStep(state, { labels });
    assert.equal(student.nonFinite, 2 * 3, "dropped from the student step's and the aux step's batch");
    assert.ok(
      student.studentUpdated && Number.isFinite(student.studentGradNorm + student.gSquared + student.auxLoss),
    );
    const trainable = state.student.trainableVariables().concat(state.aux.trainableVariables());
    assert.ok(trainable.every((v) => v.dataSync().every(Number.isFinite)));
    const none = await distillStep(state, { labels: labels.map(() => 1) });
    assert.equal(none.nonFinite, 2 * B);
    assert.ok(!none.studentUpdated && Number.isNaN(none.studentGradNorm) && Number.isNaN(none.auxLoss));
    state.dispose();

    poisonClass(teacher, 1);
    const guided = createDistillState(teacher, tinyConfig(), 9);
    const teacherOnly = await distillStep(guided, { labels });
    assert.equal(teacherOnly.nonFinite, 3, "the teacher runs in the student step only");
    assert.ok(Number.isFinite(teacherOnly.gSquared) && Number.isFinite(teacherOnly.studentGradNorm));
    guided.dispose();
    teacher.dispose();
  });
});

Deno.test("distillStep() uses given labels and rejects bad ones before any work", async () => {
  await withoutLeaks(async () => {
    const teacher = tinyTeacher();
    const state = createDistillState(teacher, tinyConfig(), 10);
    await assert.rejects(distillStep(state, { labels: [0, 1] }), /'labels'.*2/);
    await assert.rejects(distillStep(state, { labels: [0, 1, 0, 1, 0, 1, 0, 2] }), /'labels\[7\]'.*2/);
    assert.equal(state.iteration, 0);
    state.dispose();
    teacher.dispose();
  });
});

Deno.test("distillStep() with accumulation 2 draws two batches for each update and counts their samples", async () => {
  await withoutLeaks(async () => {
    const teacher = tinyTeacher();
    const plain = createDistillState(teacher, tinyConfig({ batch: 4 }), 7);
    const accumulated = createDistillState(teacher, tinyConfig({ batch: 4, accumulation: 2 }), 7);
    await distillStep(plain);
    await distillStep(plain);
    const report = await distillStep(accumulated);
    // Both streams advance by two batches' draws, while the networks take one update.
    assert.deepEqual(accumulated.rng.student.state(), plain.rng.student.state());
    assert.deepEqual(accumulated.rng.aux.state(), plain.rng.aux.state());
    assert.equal(accumulated.studentAdam.iteration, 1);
    assert.equal(accumulated.auxAdam.iteration, 1);
    assert.equal(report.nonFinite, 0);
    assert.ok(report.studentUpdated && Number.isFinite(report.gSquared) && Number.isFinite(report.auxLoss));
    [plain, accumulated].forEach((s) => s.dispose());
    teacher.dispose();
  });
});
