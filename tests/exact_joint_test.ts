/**
 * The exact-joint experiment end to end on a tiny profile: every file it writes, a sweep that
 * reuses the saved teacher, and the errors a bad `--sweep` or a mismatched teacher give.
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
import { EXACT_JOINT_PROFILES, type ExactJointProfile, runExactJoint } from "../experiments/exact_joint.ts";
import { writeResults } from "../experiments/results.ts";
import type { ExperimentContext } from "../experiments/registry.ts";

const backend: BackendInfo = await useTestBackend();

const TINY: ExactJointProfile = {
  ...EXACT_JOINT_PROFILES.smoke,
  teacher: { width: 16, layers: 1, heads: 2, iterations: 20, batch: 32, lr: 1e-3 },
  distill: { ...EXACT_JOINT_PROFILES.smoke.distill, batch: 16 },
  distillIterations: 4,
  evalSamples: 2048,
};

function context(out: string, extra: Partial<ExperimentContext> = {}): ExperimentContext {
  return { profile: "quick", seed: 3, backend, out, ...extra };
}

Deno.test("exact-joint writes its tables, checkpoints, charts and pages", async () => {
  const out = await Deno.makeTempDir({ dir: ".tmp", prefix: "exact-joint-" });
  try {
    const before = tf.memory().numTensors;
    const overrides = ["distill.divergence.kind=rkl", "teacher.iterations=15"];
    const results = await runExactJoint(context(out, { overrides }), TINY);
    assert.equal(tf.memory().numTensors, before);
    const methods = results.rows.map((r) => `${r.group}/${r.steps}`);
    assert.deepEqual(methods.slice(0, 2), ["Truth/0", "Floor/1"]);
    assert.equal(methods.filter((m) => m.startsWith("Teacher/")).length, 8); // 2 samplers × {1, 2, 4, 6}
    assert.equal(methods.at(-1), "Di[M]O/1");
    for (const row of results.rows) {
      assert.ok(row.metrics.tv >= 0 && row.metrics.tv <= 1, `${row.method}: tv ${row.metrics.tv}`);
    }
    // One step of any factorised sampler cannot beat the product of the true marginals by more than noise.
    const floor = results.rows[1].metrics.tv;
    const oneStep = results.rows.filter((r) => r.group === "Teacher" && r.steps === 1);
    oneStep.forEach((r) => assert.ok(r.metrics.tv > floor - 0.05, `${r.method} ${r.metrics.tv} vs ${floor}`));
    assert.ok(Number.isFinite(results.rows.at(-1)!.metrics.gap_closed));
    assert.equal(results.charts?.length, 3); // TV against steps, teacher loss, Di[M]O curves

    await writeResults(out, results);
    const files = [...Deno.readDirSync(out)].map((e) => e.name).sort();
    assert.deepEqual(files, [
      "distill-state.safetensors",
      "results.html",
      "results.json",
      "results.md",
      "student.safetensors",
      "teacher.safetensors",
    ]);
    const json = JSON.parse(await Deno.readTextFile(`${out}/results.json`));
    assert.equal(json.rows.length, results.rows.length);
    assert.deepEqual(json.overrides, overrides);
    assert.deepEqual(json.config.distill.divergence, { kind: "rkl" });
    assert.equal(json.config.distill.init.sigma, 0, "the profile's σ");
    assert.equal(json.config.distill.init.rInit.value, 0.6, "the paper's r_init, filled in");
    assert.equal(json.config.teacher.iterations, 15);
    const html = await Deno.readTextFile(`${out}/results.html`);
    assert.equal(html.match(/class="dimo-chart"/g)?.length, 3);

    // A sweep from the saved teacher: no teacher training, one table per sweep.
    const sweep = await runExactJoint(
      context(`${out}/sweep`, { sweep: "sigma", teacher: `${out}/teacher.safetensors` }),
      TINY,
    );
    const tables = sweep.rows.filter((r) => r.table === "sweep: sigma").map((r) => r.method);
    assert.deepEqual(tables, ["σ = 0", "σ = 0.1", "σ = 0.3"]);
    assert.equal(sweep.charts?.length, 3); // one curve chart per sweep row
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});

Deno.test("exact-joint rejects an unknown sweep and a teacher of another architecture, and takes --teacher with a new --out", async () => {
  const out = await Deno.makeTempDir({ dir: ".tmp", prefix: "exact-joint-" });
  try {
    await assert.rejects(runExactJoint(context(out, { sweep: "rinit" }), TINY), /'--sweep' must be one of/);
    const set = (...overrides: string[]) => runExactJoint(context(`${out}/set`, { overrides }), TINY);
    await assert.rejects(set("distill.init.sigmaa=0"), /'distill\.init\.sigmaa' must be a known setting/);
    await assert.rejects(set("teacher.iterations=lots"), /'teacher\.iterations' must be a number/);
    await assert.rejects(set("distill.init.sigma=2"), /'init\.sigma' must be a number in \[0, 1\)/);
    await assert.rejects(set("teacher.iterations=0.5"), /'teacher\.iterations' must be an integer/);
    assert.equal(await Deno.stat(`${out}/set`).catch(() => undefined), undefined, "refused before any work");
    const wide = { ...TINY, teacher: { ...TINY.teacher, iterations: 1 } };
    await runExactJoint(context(out), { ...wide, distillIterations: 1, evalSamples: 64 });
    const narrow = { ...TINY, teacher: { ...TINY.teacher, width: 8 } };
    await assert.rejects(
      runExactJoint(context(`${out}/again`, { teacher: `${out}/teacher.safetensors` }), narrow),
      /width/,
    );
    // A saved teacher and a new output directory: the student is saved into the directory the run made.
    await runExactJoint(context(`${out}/new/dir`, { teacher: `${out}/teacher.safetensors` }), {
      ...wide,
      distillIterations: 1,
      evalSamples: 64,
    });
    assert.deepEqual([...Deno.readDirSync(`${out}/new/dir`)].map((e) => e.name).sort(), [
      "distill-state.safetensors",
      "student.safetensors",
    ]);
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});

Deno.test("a stopped exact-joint run, started again into its --out, ends as an uninterrupted run", async () => {
  const dir = await Deno.makeTempDir({ dir: ".tmp", prefix: "exact-joint-resume-" });
  const profile = { ...TINY, distillIterations: 6, evalSamples: 256 };
  const quiet = { progress: silentProgress };
  try {
    const before = tf.memory().numTensors;
    const straight = await runExactJoint(context(`${dir}/straight`, quiet), profile);

    // Stop the distillation after its 3rd iteration, as a killed run would stop.
    const controller = new AbortController();
    const stopAfter3 = (update: ProgressUpdate) => {
      if (update.label.startsWith("Di[M]O") && update.done === 3) controller.abort();
    };
    const out = `${dir}/resumed`;
    const firstLabels = new Set<string>();
    const stopAndLog = (update: ProgressUpdate) => (firstLabels.add(update.label), stopAfter3(update));
    await assert.rejects(
      runExactJoint(context(out, { progress: stopAndLog, signal: controller.signal }), profile),
      (error: unknown) => error instanceof DOMException && error.name === "AbortError",
    );
    assert.equal(tf.memory().numTensors, before);
    assert.ok(firstLabels.has("teacher"), "the first run trains the teacher");
    const teacherBytes = await Deno.readFile(`${out}/teacher.safetensors`);
    const updates: ProgressUpdate[] = [];
    const resumed = await runExactJoint(context(out, { progress: (u) => updates.push(u) }), profile);
    assert.equal(tf.memory().numTensors, before);

    assert.ok(!updates.some((u) => u.label === "teacher"), "the saved teacher is reused, not retrained");
    assert.deepEqual(await Deno.readFile(`${out}/teacher.safetensors`), teacherBytes);
    assert.ok(
      updates.filter((u) => u.label === "Di[M]O").every((u) => u.done > 3),
      "distillation goes on from 3",
    );
    const sampling = updates.filter((u) => u.label.startsWith("sampling: ") && u.unit === "samples");
    assert.equal(
      sampling.filter((u) => u.done === u.total).length,
      resumed.rows.length - 1,
      "one per sampled row",
    );
    assert.ok(sampling.every((u) => Number.isFinite(u.etaSeconds)));
    await assertSameRun(resumed, straight, { resumedOut: out, straightOut: `${dir}/straight` });

    // A run of another seed refuses the saved teacher rather than reusing it.
    await assert.rejects(
      runExactJoint(context(out, { seed: 4, ...quiet }), profile),
      (error: unknown) => error instanceof CheckpointMismatchError && error.field === "seed",
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
