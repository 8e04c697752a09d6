import assert from "node:assert/strict";
import * as tf from "../backend/tf.ts";
import { useTestBackend, withoutLeaks } from "../backend/testing.ts";
import { createRng } from "../rng/mod.ts";
import { DualEncoder, type DualEncoderOverrides, resolveDualEncoderConfig } from "./dual_encoder.ts";
import { loadDualEncoder, saveDualEncoder } from "./dual_encoder_checkpoint.ts";
import { trainDualEncoder } from "./dual_encoder_train.ts";
import { textEncoderSpecs } from "./_text_encoder.ts";

await useTestBackend();

const TINY: DualEncoderOverrides = {
  imageSize: 8,
  channels: [2, 4],
  featureWidth: 8,
  embedWidth: 6,
  text: { vocabSize: 12, contextLength: 4, width: 8, heads: 2, layers: 1 },
};

const ids = (rows: number[][]) => tf.tensor2d(rows, [rows.length, 4], "int32");

Deno.test("DualEncoder embeds images and prompts as unit vectors, the same whatever the batch", async () => {
  await withoutLeaks(() => {
    const encoder = new DualEncoder(resolveDualEncoderConfig(TINY), { rng: createRng(0) });
    const images = tf.randomUniform([5, 8, 8, 3], 0, 1, "float32", createRng(1).seed()) as tf.Tensor4D;
    const prompts = ids([[2, 3, 0, 0], [4, 5, 6, 0], [11, 0, 0, 0]]);
    const [a, b] = [encoder.embedImages(images), encoder.embedImages(images, { batch: 2 })];
    const t = encoder.embedPrompts(prompts, { batch: 1 });
    assert.deepEqual([a.shape, t.shape], [[5, 6], [3, 6]]);
    const close = (x: Float32Array | Int32Array | Uint8Array, y: Float32Array | Int32Array | Uint8Array) =>
      x.every((v, i) => Math.abs(v - y[i]!) < 1e-5);
    assert.ok(close(a.dataSync(), b.dataSync()));
    const norms = tf.tidy(() => tf.concat([tf.norm(a, 2, 1), tf.norm(t, 2, 1)]));
    assert.ok(norms.dataSync().every((n) => Math.abs(n - 1) < 1e-5));
    tf.dispose([images, prompts, a, b, t, norms]);
    encoder.dispose();
  });
});

Deno.test("DualEncoder names its text tower as the teacher's text encoder", () => {
  const config = resolveDualEncoderConfig(TINY);
  const encoder = new DualEncoder(config, { rng: createRng(0) });
  const names = Object.keys(encoder.textEncoderWeights());
  assert.deepEqual(names.sort(), textEncoderSpecs("text", config.text).map((s) => s.name).sort());
  assert.ok(Object.keys(encoder.namedWeights()).includes("logit_scale"));
  assert.ok(Math.abs(encoder.logitScale().dataSync()[0]! - 1 / 0.07) < 1e-3);
  encoder.dispose();
});

Deno.test("DualEncoder rejects wrong images, ids and configurations", async () => {
  await withoutLeaks(() => {
    const encoder = new DualEncoder(resolveDualEncoderConfig(TINY), { rng: createRng(0) });
    const bytes = tf.fill([1, 8, 8, 3], 255) as tf.Tensor4D;
    const grey = tf.zeros([1, 8, 8]) as unknown as tf.Tensor4D;
    const outside = ids([[2, 12, 0, 0]]);
    const long = tf.zeros([1, 5], "int32") as tf.Tensor2D;
    const floats = tf.zeros([1, 4]) as tf.Tensor2D;
    assert.throws(() => encoder.embedImages(bytes), { name: "RangeError", message: /pixels in \[0, 1\]/ });
    assert.throws(() => encoder.embedImages(grey), {
      name: "TypeError",
      message: /'images' must be of shape/,
    });
    assert.throws(() => encoder.embedPrompts(outside), { name: "RangeError", message: /ids in \[0, 11\]/ });
    assert.throws(() => encoder.embedPrompts(long), { name: "TypeError", message: /'ids' must be of shape/ });
    assert.throws(() => encoder.embedPrompts(floats), { name: "TypeError", message: /int32/ });
    tf.dispose([bytes, grey, outside, long, floats]);
    encoder.dispose();
  });
  assert.throws(() => resolveDualEncoderConfig({ imageSize: 6 }), /'imageSize' must be a multiple of 4/);
  assert.throws(() => resolveDualEncoderConfig({ temperature: 0 }), /'temperature' must be a number in/);
  assert.throws(
    () => resolveDualEncoderConfig({ text: { heads: 3 } }),
    /'heads' must be a divisor of width 32/,
  );
  assert.throws(
    () => resolveDualEncoderConfig({ widht: 3 } as DualEncoderOverrides),
    /'field' must be one of/,
  );
});

Deno.test("saveDualEncoder() and loadDualEncoder() round-trip every weight", async () => {
  const config = resolveDualEncoderConfig(TINY);
  const encoder = new DualEncoder(config, { rng: createRng(3) });
  await Deno.mkdir(".tmp", { recursive: true });
  const dir = await Deno.makeTempDir({ dir: ".tmp" });
  try {
    await saveDualEncoder(`${dir}/e.safetensors`, encoder);
    const loaded = await loadDualEncoder(`${dir}/e.safetensors`, { expected: config });
    const [a, b] = [encoder.namedWeights(), loaded.namedWeights()];
    for (const name of Object.keys(a)) assert.deepEqual(b[name]!.dataSync(), a[name]!.dataSync(), name);
    loaded.dispose();
    await assert.rejects(
      () =>
        loadDualEncoder(`${dir}/e.safetensors`, {
          expected: resolveDualEncoderConfig({ ...TINY, embedWidth: 5 }),
        }),
      /embedWidth/,
    );
  } finally {
    encoder.dispose();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("contrastiveLoss() counts the negatives and masks a repeated prompt", async () => {
  await withoutLeaks(() => {
    const encoder = new DualEncoder(resolveDualEncoderConfig(TINY), { rng: createRng(0) });
    const images = tf.randomUniform([3, 8, 8, 3], 0, 1, "float32", createRng(1).seed()) as tf.Tensor4D;
    const prompts = ids([[2, 3, 0, 0], [4, 5, 0, 0], [6, 7, 0, 0]]);
    const same = ids([[2, 3, 0, 0], [2, 3, 0, 0], [2, 3, 0, 0]]);
    const negativeImages = tf.zeros([2, 8, 8, 3]) as tf.Tensor4D;
    const negativePrompts = ids([[8, 9, 0, 0], [10, 11, 0, 0]]);
    const plain = encoder.contrastiveLoss({ images, prompts });
    const withNegatives = encoder.contrastiveLoss({ images, prompts, negativeImages, negativePrompts });
    // Three images of one prompt: every other pair is masked, so each row holds its positive alone.
    const repeated = encoder.contrastiveLoss({ images, prompts: same });
    assert.ok(withNegatives.dataSync()[0]! > plain.dataSync()[0]!);
    assert.ok(Math.abs(repeated.dataSync()[0]!) < 1e-6, `${repeated.dataSync()[0]}`);
    tf.dispose([images, prompts, same, negativeImages, negativePrompts, plain, withNegatives, repeated]);
    encoder.dispose();
  });
});

Deno.test("trainDualEncoder() lowers the loss of a fixed batch without leaking", async () => {
  const before = tf.memory().numTensors;
  const images = tf.randomUniform([4, 8, 8, 3], 0, 1, "float32", createRng(1).seed()) as tf.Tensor4D;
  const nextBatch = () => ({
    images: tf.clone(images),
    prompts: ids([[2, 0, 0, 0], [3, 0, 0, 0], [4, 5, 0, 0], [6, 0, 0, 0]]),
  });
  const { encoder, curve } = await trainDualEncoder({
    rng: createRng(0),
    iterations: 40,
    nextBatch,
    config: TINY,
    curveEvery: 10,
    warmupSteps: 0,
    lr: 1e-2,
    progress: () => {},
  });
  assert.equal(curve.length, 4);
  assert.ok(curve[3]!.loss < 0.5 * curve[0]!.loss, JSON.stringify(curve));
  encoder.dispose();
  images.dispose();
  assert.equal(tf.memory().numTensors, before);
});
