/**
 * The exact-joint experiment end to end on a tiny profile: every file it writes, a sweep that
 * reuses the saved teacher, and the errors a bad `--sweep` or a mismatched teacher give.
 */
import assert from "node:assert/strict";
import { type BackendInfo, tf } from "@dimo/dimo";
import { useTestBackend } from "../lib/backend/testing.ts";
import { type ExactJointProfile, runExactJoint } from "../experiments/exact_joint.ts";
import { writeResults } from "../experiments/results.ts";
import type { ExperimentContext } from "../experiments/registry.ts";

const backend: BackendInfo = await useTestBackend();

const TINY: ExactJointProfile = {
  teacher: { width: 16, layers: 1, heads: 2, iterations: 20, batch: 32, lr: 1e-3 },
  distill: { iterations: 4, batch: 16, studentLr: 1e-4, auxLr: 1e-3 },
  evalSamples: 2048,
};

function context(out: string, extra: Partial<ExperimentContext> = {}): ExperimentContext {
  return { profile: "quick", seed: 3, backend, out, ...extra };
}

Deno.test("exact-joint writes its tables, checkpoints, charts and pages", async () => {
  const out = await Deno.makeTempDir({ dir: ".tmp", prefix: "exact-joint-" });
  try {
    const before = tf.memory().numTensors;
    const results = await runExactJoint(context(out), TINY);
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
      "results.html",
      "results.json",
      "results.md",
      "student.safetensors",
      "teacher.safetensors",
    ]);
    const json = JSON.parse(await Deno.readTextFile(`${out}/results.json`));
    assert.equal(json.rows.length, results.rows.length);
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
    const wide = { ...TINY, teacher: { ...TINY.teacher, iterations: 1 } };
    await runExactJoint(context(out), {
      ...wide,
      distill: { ...TINY.distill, iterations: 1 },
      evalSamples: 64,
    });
    const narrow = { ...TINY, teacher: { ...TINY.teacher, width: 8 } };
    await assert.rejects(
      runExactJoint(context(`${out}/again`, { teacher: `${out}/teacher.safetensors` }), narrow),
      /width/,
    );
    // A saved teacher and a new output directory: the student is saved into the directory the run made.
    await runExactJoint(context(`${out}/new/dir`, { teacher: `${out}/teacher.safetensors` }), {
      ...wide,
      distill: { ...TINY.distill, iterations: 1 },
      evalSamples: 64,
    });
    assert.deepEqual([...Deno.readDirSync(`${out}/new/dir`)].map((e) => e.name), ["student.safetensors"]);
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});
