import assert from "node:assert/strict";
import * as tf from "../backend/tf.ts";
import { useTestBackend, withoutLeaks } from "../backend/testing.ts";
import { renderScene, sampleScenes, SCENE_TASKS, scenesToTensor } from "../data/mod.ts";
import { createRng } from "../rng/mod.ts";
import { PatchTokenizer, trainKMeansTokenizer } from "../tokenizer/mod.ts";
import { sceneRoundTrip, validateJudge } from "./mod.ts";

await useTestBackend();

/** An RGB patch tokenizer trained by k-means on 400 training-split renders. */
async function trainOnScenes(patch: number): Promise<PatchTokenizer<tf.Tensor4D>> {
  const renders = sampleScenes(400, { rng: createRng(1), split: "train" }).map((s) => renderScene(s.scene));
  const images = scenesToTensor(renders);
  try {
    return await trainKMeansTokenizer(images, {
      rng: createRng(2),
      patch,
      codebookSize: 256,
      iterations: 8,
      samplePatches: 30_000,
    });
  } finally {
    images.dispose();
  }
}

Deno.test("the judge passes an RGB tokenizer's 2×2 reconstructions of held-out scenes, not its 4×4 ones", async () => {
  await withoutLeaks(async () => {
    const fine = await trainOnScenes(2);
    const coarse = await trainOnScenes(4);
    const roundTrip = sceneRoundTrip(fine);
    const renders = sampleScenes(64, { rng: createRng(3), split: "heldout" }).map((s) =>
      renderScene(s.scene)
    );
    const once = await roundTrip(renders);
    assert.deepEqual(await roundTrip(renders), once, "the round trip is deterministic");
    assert.ok(once.some((image, i) => image.some((v, j) => v !== renders[i]![j])), "the round trip is lossy");
    const test = scenesToTensor(renders);
    const { psnr } = await fine.reconstructionError(test);
    test.dispose();
    assert.ok(psnr > 33, `2×2 PSNR ${psnr}`);
    // The ceiling any generator on these tokens can reach: near the judge's own rate on renders.
    const { groundTruth, wrong } = await validateJudge({ count: 96, seed: 1, transform: roundTrip });
    assert.ok(groundTruth.overall >= 0.9, `2×2 ceiling ${groundTruth.overall}`);
    assert.ok(wrong.overall >= 0.95, `2×2 wrong renders judged wrong ${wrong.overall}`);
    for (const task of SCENE_TASKS) {
      const { n, rate } = groundTruth.byTask[task];
      assert.ok(n === 0 || rate >= 0.75, `2×2 ${task}: ${rate} of ${n}`);
    }
    // 4×4 patches of 32×32 scenes blur thin outlines and small shapes past the judge.
    const coarseCeiling = await validateJudge({ count: 96, seed: 1, transform: sceneRoundTrip(coarse) });
    assert.ok(coarseCeiling.groundTruth.overall < 0.85, `4×4 ceiling ${coarseCeiling.groundTruth.overall}`);
    [fine, coarse].forEach((t) => t.dispose());
  });
});

Deno.test("sceneRoundTrip() takes only tokenizers of 32 × 32 RGB images", () => {
  const codebook = tf.zeros([2, 16]) as tf.Tensor2D;
  const grey = new PatchTokenizer(codebook, { height: 32, width: 32, patch: 4 });
  assert.throws(
    () => sceneRoundTrip(grey as unknown as PatchTokenizer<tf.Tensor4D>),
    new TypeError(
      "Cannot round-trip scenes as 'tokenizer' must be of [*, 32, 32, 3] images: current value is [32,32,1]",
    ),
  );
  grey.dispose();
  codebook.dispose();
});
