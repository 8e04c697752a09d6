import assert from "node:assert/strict";
import * as tf from "../backend/tf.ts";
import { useTestBackend, withoutLeaks } from "../backend/testing.ts";
import { createPromptTokenizer, renderScene, sampleScenes, scenesToTensor } from "../data/mod.ts";
import { DualEncoder, resolveDualEncoderConfig } from "../models/mod.ts";
import { createRng } from "../rng/mod.ts";
import { preferenceScore, validatePreference } from "./preference_score.ts";
import {
  PREFERENCE_MODEL_CONFIG,
  sceneContrastiveBatches,
  trainClipStandIn,
  trainPreferenceModel,
} from "./scene_dual_encoder_train.ts";

await useTestBackend();

const SMALL = {
  channels: [4, 8] as [number, number],
  featureWidth: 32,
  embedWidth: 32,
  text: { width: 16, layers: 1 },
};

Deno.test("preferenceScore() is 100 × the cosine of the two embeddings", async () => {
  await withoutLeaks(async () => {
    const encoder = new DualEncoder(resolveDualEncoderConfig(SMALL), { rng: createRng(0) });
    const samples = sampleScenes(3, { rng: createRng(1), split: "train" });
    const renders = samples.map((s) => renderScene(s.scene));
    const scores = await preferenceScore(encoder, renders, samples.map((s) => s.text));
    const ids = createPromptTokenizer().encodeBatch(samples.map((s) => s.text));
    const pixels = scenesToTensor(renders);
    const [a, b] = [encoder.embedImages(pixels), encoder.embedPrompts(ids)];
    const cosines = tf.tidy(() =>
      tf.div(tf.sum(tf.mul(a, b), 1), tf.mul(tf.norm(a, 2, 1), tf.norm(b, 2, 1)))
    );
    const expected = [...cosines.dataSync()].map((c) => 100 * c);
    tf.dispose([ids, pixels, a, b, cosines]);
    assert.equal(scores.length, 3);
    scores.forEach((s, i) => assert.ok(Math.abs(s - expected[i]!) < 1e-3, `${s} vs ${expected[i]}`));
    encoder.dispose();
  });
});

Deno.test("preferenceScore() and validatePreference() reject bad input", async () => {
  const encoder = new DualEncoder(resolveDualEncoderConfig(SMALL), { rng: createRng(0) });
  const image = new Uint8Array(32 * 32 * 3);
  await assert.rejects(() => preferenceScore(encoder, [image], []), /'prompts' must be one per image/);
  await assert.rejects(() => preferenceScore(encoder, [image], ["a photo of a dog"]), /"dog"/);
  await assert.rejects(
    () => preferenceScore(encoder, [new Uint8Array(5)], ["a photo of a bar"]),
    /images\[0\]/,
  );
  await assert.rejects(() => validatePreference(encoder, { count: 0 }), /'count'/);
  encoder.dispose();
});

Deno.test("sceneContrastiveBatches() repeats an iteration's batch and adds negatives on request", async () => {
  await withoutLeaks(async () => {
    const plain = await sceneContrastiveBatches({ seed: 3, batch: 5 })(7);
    const again = await sceneContrastiveBatches({ seed: 3, batch: 5 })(7);
    const roundTrip = (x: Uint8Array[]) => Promise.resolve(x);
    const hard = await sceneContrastiveBatches({ seed: 3, batch: 5, hardNegatives: true, roundTrip })(7);
    assert.deepEqual(plain.prompts.arraySync(), again.prompts.arraySync());
    assert.equal(plain.negativeImages, undefined);
    assert.deepEqual([hard.negativeImages?.shape, hard.negativePrompts?.shape], [[5, 32, 32, 3], [5, 10]]);
    const differs = tf.tidy(() => tf.any(tf.notEqual(hard.negativePrompts!, hard.prompts)).dataSync()[0]);
    assert.equal(differs, 1);
    tf.dispose([...Object.values(plain), ...Object.values(again), ...Object.values(hard)]);
  });
});

Deno.test("trainPreferenceModel() lowers its loss and learns to rank noisy renders lower", async () => {
  const before = tf.memory().numTensors;
  const config = { channels: SMALL.channels, featureWidth: 8, text: SMALL.text };
  const untrained = new DualEncoder(
    resolveDualEncoderConfig({ ...PREFERENCE_MODEL_CONFIG, ...config }),
    { rng: createRng(2).fork("init") },
  );
  const start = await validatePreference(untrained, { count: 48 });
  untrained.dispose();
  const { encoder, curve } = await trainPreferenceModel({
    iterations: 60,
    batch: 16,
    config,
    lr: 3e-3,
    progress: () => {},
  });
  const end = await validatePreference(encoder, { count: 48 });
  encoder.dispose();
  assert.ok(curve.at(-1)!.loss < curve[0]!.loss, JSON.stringify(curve));
  const noise = (v: typeof end) => v.image.byKind.noise!.rate;
  assert.ok(noise(end) > noise(start) + 0.2, `${noise(start)} → ${noise(end)}`);
  assert.equal(tf.memory().numTensors, before);
});

Deno.test("trainClipStandIn() refuses a ranking term: it has no negatives", async () => {
  await assert.rejects(
    () => trainClipStandIn({ iterations: 1, batch: 2, rankingWeight: 1, progress: () => {} }),
    /'rankingWeight' must be 0 \(no negatives to rank\): current value is 1/,
  );
});
