/**
 * The scenes experiment end to end on a tiny profile: both tables in the paper's layout, runtimes,
 * grids and curves, no tensor left behind, and a run stopped in the teacher's training and again in
 * the distillation that ends as an uninterrupted one.
 */
import assert from "node:assert/strict";
import { assertSameRun } from "./_same_run.ts";
import {
  type BackendInfo,
  type ProgressUpdate,
  SCENE_STYLES,
  SCENE_TASKS,
  silentProgress,
  tf,
} from "@dimo/dimo";
import { useTestBackend } from "../lib/backend/testing.ts";
import { runScenes, SCENE_PROFILES } from "../experiments/scenes.ts";
import type { ExperimentContext } from "../experiments/registry.ts";
import { writeResults } from "../experiments/results.ts";

const backend: BackendInfo = await useTestBackend();
const TINY = {
  ...SCENE_PROFILES.smoke,
  // A narrower teacher than the shipped one: this run trains it, and the test's time is the pipeline's.
  teacher: { ...SCENE_PROFILES.smoke.teacher, width: 64, layers: 2, iterations: 6 },
  distillIterations: 4,
};
const run = (out: string, extra: Partial<ExperimentContext> = {}) =>
  runScenes({ profile: "full", seed: 1, backend, out, progress: silentProgress, ...extra }, TINY);

Deno.test("the scenes experiment writes the GenEval and HPS tables, runtimes and grids", async () => {
  const out = await Deno.makeTempDir({ dir: ".tmp", prefix: "scenes-" });
  try {
    const before = tf.memory().numTensors;
    const results = await run(out);
    assert.equal(tf.memory().numTensors, before);
    const rowsOf = (table: string) => results.rows.filter((r) => r.table?.startsWith(table));
    for (const table of ["GenEval", "HPS"]) {
      assert.deepEqual(rowsOf(table).map((r) => `${r.group}/${r.steps}`), [
        "Renders/0",
        "Tokenizer/0",
        "Teacher/4",
        "Teacher/2",
        "Di[M]O/1",
      ]);
    }
    for (const row of rowsOf("GenEval")) {
      for (const key of ["overall", ...SCENE_TASKS]) {
        const value = row.metrics[key]!;
        assert.ok(Number.isNaN(value) || (value >= 0 && value <= 1), `${row.group}: ${key} ${value}`);
      }
    }
    assert.equal(rowsOf("GenEval")[0]!.metrics.overall, 1, "the judge passes every ground-truth render");
    for (const row of rowsOf("HPS")) {
      for (const key of [...SCENE_STYLES, "average"]) {
        assert.ok(Math.abs(row.metrics[key]!) <= 100, `${row.group}: ${key} ${row.metrics[key]}`);
      }
    }
    assert.deepEqual(results.runtime.map((r) => r.steps), [4, 2, 1]);
    assert.ok(
      results.notes?.some((n) => n.startsWith("Judge on 24 held-out renders: ground truth judged correct")),
    );
    assert.ok(results.notes?.some((n) => n.startsWith("Preference score on 24 held-out renders")));
    assert.ok((results.images?.length ?? 0) >= 4);
    await writeResults(out, results);
    const files = [...Deno.readDirSync(out)].map((e) => e.name);
    for (const name of ["clip", "hps", "student", "teacher", "tokenizer"]) {
      assert.ok(files.includes(`${name}.safetensors`), `${name}.safetensors in ${files}`);
    }
    assert.ok(files.includes("results.md") && files.some((f) => f.startsWith("grid-task-")));
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});

Deno.test("a scenes run stopped in the teacher's training and in the distillation ends as an uninterrupted one", async () => {
  const dir = await Deno.makeTempDir({ dir: ".tmp", prefix: "scenes-resume-" });
  try {
    const straight = await run(`${dir}/straight`);
    const out = `${dir}/resumed`;
    for (const [label, at] of [["teacher", 3], ["Di[M]O", 2]] as const) {
      const controller = new AbortController();
      const stop = (update: ProgressUpdate) =>
        update.label === label && update.done === at && controller.abort();
      await assert.rejects(
        run(out, { progress: stop, signal: controller.signal }),
        (error: unknown) => error instanceof DOMException && error.name === "AbortError",
      );
    }
    const updates: ProgressUpdate[] = [];
    const resumed = await run(out, { progress: (update) => updates.push(update) });
    for (const name of ["tokenizer", "CLIP stand-in", "teacher"]) {
      assert.ok(!updates.some((u) => u.label === name), `${name} is loaded from --out, not trained again`);
    }
    assert.ok(updates.filter((u) => u.label === "Di[M]O").every((u) => u.done > 2), "distillation goes on");
    await assertSameRun(resumed, straight, { resumedOut: out, straightOut: `${dir}/straight` });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a bad sampler setting stops a scenes run before any network is trained", async () => {
  const out = await Deno.makeTempDir({ dir: ".tmp", prefix: "scenes-bad-" });
  try {
    for (
      const [set, named] of [
        ["sampler.steps=[65]", /'sampler\.steps\[0\]'.*\[1, 64\]/],
        ["sampler.gumbelTemperature=-1", /'sampler\.gumbelTemperature'/],
        ["sampler.studentTemperature=0", /'sampler\.studentTemperature'/],
      ] as const
    ) {
      await assert.rejects(() => run(out, { overrides: [set] }), named);
      assert.deepEqual([...Deno.readDirSync(out)], [], `${set}: nothing written`);
    }
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});
