/**
 * Exact resume: a distillation run stopped after N iterations, written to disk, and resumed in a
 * fresh state gives the same weights, EMA, optimiser moments and reports as a run that never
 * stopped.
 */
import assert from "node:assert/strict";
import {
  CheckpointMismatchError,
  createDistillState,
  createRng,
  type DistillState,
  distillStep,
  distillStudent,
  loadDistillCheckpoint,
  loadSafetensors,
  type ProgressUpdate,
  resolveDistillConfig,
  resolveTransformerConfig,
  saveDistillCheckpoint,
  silentProgress,
  type StepReport,
  tf,
  Transformer,
} from "@dimo/dimo";
import { useTestBackend, withoutLeaks } from "../lib/backend/testing.ts";
import { saveSafetensors } from "../lib/io/safetensors_file.ts";

await useTestBackend();

const teacherConfig = resolveTransformerConfig({
  codebookSize: 5,
  numClasses: 3,
  seqLen: 6,
  width: 16,
  heads: 2,
  layers: 1,
  dropout: 0.1,
});
// Dropout, embedding noise and a short warm-up: every random stream and counter matters.
const config = resolveDistillConfig({
  batch: 8,
  studentAdam: { lr: 1e-3, warmupSteps: 3 },
  auxAdam: { lr: 1e-3, warmupSteps: 3 },
});

async function run(state: DistillState, iterations: number): Promise<Omit<StepReport, "seconds">[]> {
  const reports = [];
  for (let i = 0; i < iterations; i++) {
    const { seconds: _, ...numbers } = await distillStep(state);
    reports.push(numbers);
  }
  return reports;
}

async function snapshot(state: DistillState): Promise<Record<string, number[]>> {
  const tensors = state.stateTensors();
  const values: Record<string, number[]> = {};
  for (const [name, t] of Object.entries(tensors)) values[name] = Array.from(await t.data());
  tf.dispose(Object.values(tensors));
  return values;
}

Deno.test("a run resumed from a checkpoint on disk matches an uninterrupted run", async () => {
  const teacher = new Transformer(teacherConfig, { rng: createRng(7) });
  await withoutLeaks(async () => {
    const straight = createDistillState(teacher, config, 11);
    const straightReports = await run(straight, 6);
    const expected = await snapshot(straight);
    straight.dispose();

    const first = createDistillState(teacher, config, 11);
    const firstReports = await run(first, 3);
    await Deno.mkdir(".tmp", { recursive: true });
    const dir = await Deno.makeTempDir({ dir: ".tmp" });
    await saveDistillCheckpoint(`${dir}/run.safetensors`, first);
    first.dispose();
    const resumed = await loadDistillCheckpoint(`${dir}/run.safetensors`, { teacher, config, seed: 11 });
    const resumedReports = await run(resumed, 3);
    const actual = await snapshot(resumed);
    resumed.dispose();
    await Deno.remove(dir, { recursive: true });

    assert.deepEqual([...firstReports, ...resumedReports], straightReports);
    assert.deepEqual(Object.keys(actual).sort(), Object.keys(expected).sort());
    let worst = 0;
    for (const name of Object.keys(expected)) {
      expected[name].forEach((v, i) => (worst = Math.max(worst, Math.abs(v - actual[name][i]))));
    }
    assert.ok(worst <= 1e-6, `largest difference ${worst}`);
  });
  teacher.dispose();
});

Deno.test("a checkpoint refuses a different configuration or teacher", async () => {
  const teacher = new Transformer(teacherConfig, { rng: createRng(7) });
  const other = new Transformer(resolveTransformerConfig({ ...teacherConfig, width: 8 }), {
    rng: createRng(7),
  });
  await withoutLeaks(async () => {
    const state = createDistillState(teacher, config, 1);
    await Deno.mkdir(".tmp", { recursive: true });
    const dir = await Deno.makeTempDir({ dir: ".tmp" });
    await saveDistillCheckpoint(`${dir}/run.safetensors`, state);
    state.dispose();
    const changed = resolveDistillConfig({ ...config, batch: 16 });
    await assert.rejects(
      () => loadDistillCheckpoint(`${dir}/run.safetensors`, { teacher, config: changed, seed: 1 }),
      /'batch' must be 16: current value is 8/,
    );
    await assert.rejects(
      () => loadDistillCheckpoint(`${dir}/run.safetensors`, { teacher: other, config, seed: 1 }),
      /'teacher.width' must be 8: current value is 16/,
    );
    await Deno.remove(dir, { recursive: true });
  });
  [teacher, other].forEach((m) => m.dispose());
});

Deno.test("distillStudent() with a state file goes on from where a stopped run left off", async () => {
  await Deno.mkdir(".tmp", { recursive: true });
  const dir = await Deno.makeTempDir({ dir: ".tmp", prefix: "distill-resume-" });
  const teacher = new Transformer(teacherConfig, { rng: createRng(3) });
  try {
    await withoutLeaks(async () => {
      const options = { seed: 5, label: "test", curveEvery: 2, checkpointEvery: 3, progress: silentProgress };
      const checkpoint = `${dir}/state.safetensors`;
      const controller = new AbortController();
      const stopAt = (k: number) => (update: ProgressUpdate) => update.done === k && controller.abort();
      // Stopped by its signal after iteration 4 (between two checkpoints): the iteration in flight,
      // 5, finishes and the state is saved.
      await assert.rejects(
        distillStudent(teacher, config, {
          ...options,
          iterations: 10,
          checkpoint,
          progress: stopAt(4),
          signal: controller.signal,
        }),
        (error: unknown) => error instanceof DOMException && error.name === "AbortError",
      );
      const resumed = await distillStudent(teacher, config, { ...options, iterations: 10, checkpoint });
      const straight = await distillStudent(teacher, config, { ...options, iterations: 10 });
      assert.equal(resumed.resumedFrom, 5, "the iteration in flight when the stop came finished");
      assert.deepEqual(resumed.curve.map((point) => point.iteration), [2, 4, 6, 8, 10]);
      assert.deepEqual(resumed.curve, straight.curve);
      const [a, b] = [resumed.student.namedWeights(), straight.student.namedWeights()];
      for (const name of Object.keys(b)) {
        assert.deepEqual(await a[name].data(), await b[name].data(), name);
      }
      // Run again into the finished state file: nothing left to do, the same student.
      const again = await distillStudent(teacher, config, { ...options, iterations: 10, checkpoint });
      assert.equal(again.resumedFrom, 10);
      assert.ok(resumed.seconds > 0);
      assert.equal(again.seconds, resumed.seconds, "the state file keeps the iterations' seconds");
      assert.deepEqual(await again.student.namedWeights()["head.bias"].data(), await b["head.bias"].data());
      await assert.rejects(
        distillStudent(teacher, config, { ...options, iterations: 8, checkpoint }),
        /'iterations' must be at least the state file's 10 iterations/,
      );
      [resumed.student, straight.student, again.student].forEach((student) => student.dispose());
    });
  } finally {
    teacher.dispose();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a state file of another seed or another teacher is refused, naming what differs", async () => {
  await Deno.mkdir(".tmp", { recursive: true });
  const dir = await Deno.makeTempDir({ dir: ".tmp", prefix: "distill-mismatch-" });
  const teacher = new Transformer(teacherConfig, { rng: createRng(3) });
  const sameShape = new Transformer(teacherConfig, { rng: createRng(4) });
  try {
    await withoutLeaks(async () => {
      const checkpoint = `${dir}/state.safetensors`;
      const options = { iterations: 2, checkpoint, progress: silentProgress };
      (await distillStudent(teacher, config, { ...options, seed: 5 })).student.dispose();
      await assert.rejects(
        distillStudent(teacher, config, { ...options, seed: 6 }),
        (error: unknown) =>
          error instanceof CheckpointMismatchError && error.field === "seed" &&
          /'seed' must be 6: current value is 5/.test(error.message),
      );
      await assert.rejects(
        distillStudent(sameShape, config, { ...options, seed: 5 }),
        (error: unknown) =>
          error instanceof CheckpointMismatchError && error.field === "teacherSha256" &&
          /'teacherSha256' must be "[0-9a-f]{64}": current value is "[0-9a-f]{64}"/.test(error.message),
      );
    });
  } finally {
    [teacher, sameShape].forEach((m) => m.dispose());
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a checkpoint written before a setting existed loads with that setting at its default", async () => {
  const teacher = new Transformer(teacherConfig, { rng: createRng(7) });
  await withoutLeaks(async () => {
    const state = createDistillState(teacher, config, 1);
    await Deno.mkdir(".tmp", { recursive: true });
    const dir = await Deno.makeTempDir({ dir: ".tmp" });
    const path = `${dir}/run.safetensors`;
    await saveDistillCheckpoint(path, state);
    state.dispose();
    // The file as an earlier dimo wrote it: no 'accumulation' in the stored configuration.
    const { tensors, metadata } = await loadSafetensors(path);
    const { accumulation: _, ...older } = JSON.parse(metadata["dimo.distill.config"]);
    await saveSafetensors(path, tensors, {
      metadata: { ...metadata, "dimo.distill.config": JSON.stringify(older) },
    });
    tf.dispose(Object.values(tensors));
    const loaded = await loadDistillCheckpoint(path, { teacher, config, seed: 1 });
    assert.equal(loaded.config.accumulation, 1);
    loaded.dispose();
    await Deno.remove(dir, { recursive: true });
  });
  teacher.dispose();
});
