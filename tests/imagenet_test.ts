/**
 * The ImageNet experiment end to end on tiny networks of the official layout (a MaskGIT transformer
 * with its first and last layers, a VQGAN): what it needs without checkpoints, the rows, grids and
 * runtimes, no tensor left behind, and a run stopped in the distillation that ends as an
 * uninterrupted one.
 */
import assert from "node:assert/strict";
import { assertSameRun } from "./_same_run.ts";
import {
  type BackendInfo,
  createRng,
  type ProgressUpdate,
  resolveTransformerConfig,
  resolveVqganConfig,
  saveTransformer,
  saveVqgan,
  silentProgress,
  tf,
  Transformer,
  Vqgan,
} from "@dimo/dimo";
import { useTestBackend } from "../lib/backend/testing.ts";
import { IMAGENET_PROFILES, runImagenet } from "../experiments/imagenet.ts";
import type { ExperimentContext } from "../experiments/registry.ts";
import { inTempDir } from "../experiments/_testing.ts";

const backend: BackendInfo = await useTestBackend();
const TINY = {
  ...IMAGENET_PROFILES.smoke,
  distill: { ...IMAGENET_PROFILES.smoke.distill, batch: 4 }, // the experiment's accumulation and recomputation
  distillIterations: 4,
  classes: [0, 2],
  sampler: { ...IMAGENET_PROFILES.smoke.sampler, steps: [4, 2] },
};

/** A 4 × 4-token MaskGIT teacher (16 codes, 3 classes) and a VQGAN for 16 × 16 images. */
async function writeNetworks(dir: string, vqganCodes = 16): Promise<{ teacher: string; vqgan: string }> {
  const config = resolveTransformerConfig({
    codebookSize: 16,
    numClasses: 3,
    seqLen: 16,
    width: 16,
    heads: 2,
    layers: 1,
    maskgitLayers: true,
  });
  const teacher = new Transformer(config, { rng: createRng(1) });
  const vqgan = new Vqgan(
    resolveVqganConfig({
      channels: 32,
      channelMultipliers: [1, 1, 2],
      resBlocks: 1,
      attentionResolutions: [4],
      resolution: 16,
      latentChannels: 8,
      embedDim: 8,
      codebookSize: vqganCodes,
    }),
    { rng: createRng(2) },
  );
  const paths = { teacher: `${dir}/maskgit.safetensors`, vqgan: `${dir}/vqgan-${vqganCodes}.safetensors` };
  await saveTransformer(paths.teacher, teacher);
  await saveVqgan(paths.vqgan, vqgan);
  teacher.dispose();
  vqgan.dispose();
  return paths;
}

const run = (
  out: string,
  networks: { teacher: string; vqgan: string },
  extra: Partial<ExperimentContext> = {},
) =>
  runImagenet(
    { profile: "smoke", seed: 3, backend, out, progress: silentProgress, ...networks, ...extra },
    TINY,
  );

Deno.test("the imagenet experiment says what it needs when the checkpoints are not given", async () => {
  await assert.rejects(
    runImagenet({ profile: "smoke", seed: 0, backend, out: ".tmp/none" }, TINY),
    /needs the official networks converted to dimo's files: pass --teacher FILE .* --vqgan FILE .*README/,
  );
});

Deno.test("the imagenet experiment refuses a VQGAN or a class that does not fit the teacher, before distilling", async () => {
  await inTempDir("imagenet-", async (dir) => {
    const out = `${dir}/out`;
    await assert.rejects(
      run(out, await writeNetworks(dir, 8)),
      /'--vqgan codebookSize' must be the teacher's 16: current value is 8/,
    );
    const networks = await writeNetworks(dir);
    const context = { profile: "smoke", seed: 3, backend, out, ...networks } as const;
    await assert.rejects(runImagenet(context, { ...TINY, classes: [3] }), /'classes\[0\]' must be/);
    assert.ok(!(await Array.fromAsync(Deno.readDir(dir))).some((e) => e.name === "out" && e.isDirectory));
  });
});

Deno.test("the imagenet experiment writes a row, a runtime and a grid per step count, and resumes exactly", async () => {
  await inTempDir("imagenet-", async (dir) => {
    const networks = await writeNetworks(dir);
    const before = tf.memory().numTensors;
    const straight = await run(`${dir}/straight`, networks);
    assert.equal(tf.memory().numTensors, before);
    assert.deepEqual(straight.rows.map((r) => `${r.group}/${r.steps}`), [
      "Teacher/4",
      "Teacher/2",
      "Di[M]O/1",
    ]);
    assert.ok(straight.rows.every((r) => r.metrics.seconds_per_image > 0));
    assert.deepEqual(straight.images?.map((i) => i.file), [
      "samples-teacher-4.png",
      "samples-teacher-2.png",
      "samples-dimo.png",
    ]);
    const controller = new AbortController();
    const stop = (update: ProgressUpdate) =>
      update.label === "Di[M]O" && update.done === 2 && controller.abort();
    const out = `${dir}/resumed`;
    await assert.rejects(
      run(out, networks, { progress: stop, signal: controller.signal }),
      (error: unknown) => error instanceof DOMException && error.name === "AbortError",
    );
    const updates: ProgressUpdate[] = [];
    const resumed = await run(out, networks, { progress: (update) => updates.push(update) });
    assert.ok(updates.filter((u) => u.label === "Di[M]O").every((u) => u.done > 2), "distillation goes on");
    const withoutTimes = (results: typeof straight) => ({
      ...results,
      rows: results.rows.map((r) => ({ ...r, metrics: {} })),
    });
    await assertSameRun(withoutTimes(resumed), withoutTimes(straight), {
      resumedOut: out,
      straightOut: `${dir}/straight`,
    });
  });
});
