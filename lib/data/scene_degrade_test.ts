import assert from "node:assert/strict";
import { createRng } from "../rng/mod.ts";
import { blurScene, noiseScene } from "./scene_degrade.ts";
import { renderScene } from "./scene_render.ts";
import { sampleScenes } from "./scene_sample.ts";

const [sample] = sampleScenes(1, { rng: createRng(0), split: "train", tasks: { colors: 1 } });
const image = renderScene(sample!.scene);

Deno.test("blurScene() keeps the mean and softens the edges of a render", () => {
  const blurred = blurScene(image);
  const mean = (x: Uint8Array) => x.reduce((a, b) => a + b, 0) / x.length;
  const edges = (x: Uint8Array) =>
    x.reduce((sum, v, i) => i % 96 < 93 ? sum + Math.abs(v - x[i + 3]!) : sum, 0);
  assert.ok(Math.abs(mean(blurred) - mean(image)) < 2);
  assert.ok(edges(blurred) < 0.7 * edges(image), `${edges(blurred)} vs ${edges(image)}`);
  assert.notDeepEqual(blurScene(image, 1), blurred);
});

Deno.test("noiseScene() is seeded and clamped", () => {
  assert.deepEqual(noiseScene(image, createRng(1)), noiseScene(image, createRng(1)));
  assert.notDeepEqual(noiseScene(image, createRng(1)), noiseScene(image, createRng(2)));
  assert.deepEqual(noiseScene(image, createRng(1), 0), image);
  assert.ok(noiseScene(new Uint8Array(3072).fill(255), createRng(0), 50).every((v) => v <= 255));
});

Deno.test("blurScene() and noiseScene() reject a wrong image or parameter", () => {
  assert.throws(() => blurScene(new Uint8Array(10)), /'image' must be 3072 bytes: current value is 10/);
  assert.throws(() => blurScene(image, 0), /'passes'/);
  assert.throws(() => noiseScene(image, createRng(0), -1), /'sigma'/);
});
