/**
 * The image experiment end to end on a tiny profile: every row, metric, checkpoint and sample
 * grid, with no tensor left behind.
 */
import assert from "node:assert/strict";
import { assertSameRun } from "./_same_run.ts";
import {
  type BackendInfo,
  CheckpointMismatchError,
  type ProgressUpdate,
  silentProgress,
  tf,
} from "@dimo/dimo";
import { useTestBackend } from "../lib/backend/testing.ts";
import { type ImageProfile, runImages } from "../experiments/images.ts";
import type { ExperimentContext } from "../experiments/registry.ts";
import { writeResults } from "../experiments/results.ts";

const backend: BackendInfo = await useTestBackend();

const TINY: ImageProfile = {
  trainImages: 400,
  tokenizer: { codebookSize: 16, samplePatches: 4000, iterations: 2 },
  classifier: { epochs: 1 },
  teacher: { width: 16, layers: 1, heads: 2, iterations: 10, batch: 16, lr: 1e-3 },
  distill: { batch: 8, studentAdam: { lr: 1e-5 }, auxAdam: { lr: 1e-5 }, init: { sigma: 0 } },
  distillIterations: 10,
  sampler: { guidance: 2, gumbelTemperature: 4.5, steps: [4, 2] },
  evalSamples: 60,
};

Deno.test("the MNIST experiment writes the paper's table, checkpoints and sample grids", async () => {
  const out = await Deno.makeTempDir({ dir: ".tmp", prefix: "images-" });
  try {
    const before = tf.memory().numTensors;
    // The full profile trains every network (the quick one would start from the shipped ones).
    const results = await runImages({ profile: "full", seed: 1, backend, out }, "mnist", TINY);
    assert.equal(tf.memory().numTensors, before);
    assert.deepEqual(results.rows.map((r) => `${r.group}/${r.steps}`), [
      "Tokenizer/0",
      "Teacher/4",
      "Teacher/2",
      "Di[M]O/1",
    ]);
    for (const row of results.rows) {
      const m = row.metrics;
      assert.ok(Number.isFinite(m.fid) && m.fid >= -1e-6, `${row.method}: fid ${m.fid}`);
      for (const key of ["precision", "recall", "density", "coverage", "class_accuracy"]) {
        assert.ok(m[key] >= 0 && Number.isFinite(m[key]), `${row.method}: ${key} ${m[key]}`);
      }
      assert.ok(m.inception_score >= 1 && m.inception_score <= 10, `${row.method}: IS ${m.inception_score}`);
    }
    assert.equal(results.runtime.length, 3);
    assert.equal(results.images?.length, 3);
    assert.deepEqual(results.charts?.[0].series.map((line) => line.x), [[4, 2], [1]]);
    assert.deepEqual(results.charts?.slice(1).map((chart) => chart.title), [
      "Teacher: masked cross-entropy",
      "Di[M]O: aux loss and ½Σg²/B",
    ]);
    await writeResults(out, results);
    const files = [...Deno.readDirSync(out)].map((e) => e.name).sort();
    for (
      const name of [
        "classifier.safetensors",
        "results.html",
        "samples-dimo.png",
        "samples-teacher-2.png",
        "student.safetensors",
        "teacher.safetensors",
        "tokenizer.safetensors",
        "training.json",
      ]
    ) assert.ok(files.includes(name), `${name} in ${files}`);

    // Started from that directory, the run loads all four networks and trains none.
    const again = await runImages(
      { profile: "quick", seed: 1, backend, out, checkpoints: out },
      "mnist",
      TINY,
    );
    assert.equal(tf.memory().numTensors, before);
    const networks = (again.config as {
      networks: Record<
        string,
        { source: string; iterations?: number; divergence?: unknown; dropout?: boolean }
      >;
    }).networks;
    for (const name of ["tokenizer", "classifier", "teacher", "student"]) {
      assert.equal(networks[name].source, `${out}/${name}.safetensors`);
    }
    assert.equal(networks.student.iterations, 10, "the student's record comes from training.json");
    assert.deepEqual(
      [networks.student.divergence, networks.student.dropout],
      [{ kind: "jeffreys", beta: 0 }, true],
      "the record names the divergence and whether dropout was on",
    );
    assert.deepEqual(
      again.charts?.slice(1).map((chart) => chart.series[0].y),
      results.charts?.slice(1).map((chart) => chart.series[0].y),
      "the training curves come from training.json",
    );
    assert.ok(
      again.notes?.some((note) => note.startsWith(`teacher: loaded from ${out}/teacher.safetensors`)),
    );
    assert.deepEqual(again.rows.map((r) => r.group), results.rows.map((r) => r.group));
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});

Deno.test("a stopped image run, started again into its --out, ends as an uninterrupted run", async () => {
  const dir = await Deno.makeTempDir({ dir: ".tmp", prefix: "images-resume-" });
  const run = (out: string, extra: Partial<ExperimentContext> = {}) =>
    runImages({ profile: "full", seed: 1, backend, out, progress: silentProgress, ...extra }, "mnist", TINY);
  try {
    const before = tf.memory().numTensors;
    const straight = await run(`${dir}/straight`);

    // Stop the distillation after its 5th iteration, as a killed run would stop.
    const out = `${dir}/resumed`;
    const controller = new AbortController();
    const stopAfter5 = (update: ProgressUpdate) => {
      if (update.label === "Di[M]O" && update.done === 5) controller.abort();
    };
    await assert.rejects(
      run(out, { progress: stopAfter5, signal: controller.signal }),
      (error: unknown) => error instanceof DOMException && error.name === "AbortError",
    );
    assert.equal(tf.memory().numTensors, before);

    const updates: ProgressUpdate[] = [];
    const resumed = await run(out, { progress: (update) => updates.push(update) });
    assert.equal(tf.memory().numTensors, before);
    for (const name of ["tokenizer", "classifier", "teacher"]) {
      assert.ok(!updates.some((u) => u.label === name), `${name} is loaded from --out, not trained again`);
    }
    assert.ok(
      updates.filter((u) => u.label === "Di[M]O").every((u) => u.done > 5),
      "distillation goes on from 5",
    );
    await assertSameRun(resumed, straight, { resumedOut: out, straightOut: `${dir}/straight` });

    // Another seed refuses the networks of this one rather than reusing them.
    await assert.rejects(
      run(out, { seed: 2 }),
      (error: unknown) => error instanceof CheckpointMismatchError && error.field === "tokenizer.seed",
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
