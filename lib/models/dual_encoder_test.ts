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

Deno.test("contrastiveLoss() adds the weighted ranking of each pair against its own negatives", async () => {
  await withoutLeaks(() => {
    const encoder = new DualEncoder(resolveDualEncoderConfig(TINY), { rng: createRng(0) });
    const images = tf.randomUniform([2, 8, 8, 3], 0, 1, "float32", createRng(1).seed()) as tf.Tensor4D;
    const negativeImages = tf.randomUniform(
      [2, 8, 8, 3],
      0,
      1,
      "float32",
      createRng(2).seed(),
    ) as tf.Tensor4D;
    const prompts = ids([[2, 3, 0, 0], [4, 5, 0, 0]]);
    const negativePrompts = ids([[2, 6, 0, 0], [7, 5, 0, 0]]);
    const batch = { images, prompts, negativeImages, negativePrompts };
    const read = (t: tf.Tensor) => {
      const values = t.dataSync();
      t.dispose();
      return values;
    };
    const plain = read(encoder.contrastiveLoss(batch))[0]!;
    const ranked = read(encoder.contrastiveLoss(batch, { rankingWeight: 2 }))[0]!;
    // The term by hand: softplus(s · (negative − positive)) for both of each pair's negatives.
    const cosines = (a: tf.Tensor2D, b: tf.Tensor2D) => read(tf.tidy(() => tf.sum(tf.mul(a, b), 1)));
    const [image, prompt] = [encoder.embedImages(images), encoder.embedPrompts(prompts)];
    const [badImage, badPrompt] = [
      encoder.embedImages(negativeImages),
      encoder.embedPrompts(negativePrompts),
    ];
    const positive = cosines(image, prompt);
    const negatives = [...cosines(image, badPrompt), ...cosines(badImage, prompt)];
    const scale = read(encoder.logitScale())[0]!;
    const term = negatives.map((n, i) => Math.log1p(Math.exp(scale * (n - positive[i % 2]!))));
    const expected = plain + 2 * (term.reduce((a, b) => a + b) / 4);
    assert.ok(Math.abs(ranked - expected) < 1e-4, `${ranked} vs ${expected}`);
    assert.throws(
      () => encoder.contrastiveLoss({ images, prompts }, { rankingWeight: 1 }),
      /'negativeImages' must be one per pair \(2\)/,
    );
    tf.dispose([images, negativeImages, prompts, negativePrompts, image, prompt, badImage, badPrompt]);
    encoder.dispose();
  });
});

Deno.test("resolveDualEncoderConfig() gives a bilinear encoder its embedding width and checks the new fields", () => {
  const config = resolveDualEncoderConfig({ pooling: "bilinear", colorWidth: 2, featureWidth: 3 });
  assert.equal(config.embedWidth, 15);
  assert.deepEqual(resolveDualEncoderConfig(config), config);
  assert.throws(
    () => resolveDualEncoderConfig({ pooling: "bilinear", colorWidth: 2, featureWidth: 3, embedWidth: 16 }),
    /'embedWidth' must be \(colorWidth \+ 3\) · featureWidth = 15 with bilinear pooling: current value is 16/,
  );
  assert.throws(() => resolveDualEncoderConfig({ pooling: "mean" as "dense" }), /'pooling' must be one of/);
  assert.throws(() => resolveDualEncoderConfig({ convInput: "grey" as "rgb" }), /'convInput' must be one of/);
  assert.throws(() => resolveDualEncoderConfig({ colorWidth: 0 }), /'colorWidth'/);
});

Deno.test("DualEncoder with bilinear pooling embeds unit vectors and saves its own weights", async () => {
  const config = resolveDualEncoderConfig({
    ...TINY,
    embedWidth: undefined,
    pooling: "bilinear",
    colorWidth: 2,
  });
  const encoder = new DualEncoder(config, { rng: createRng(0) });
  const names = Object.keys(encoder.namedWeights());
  assert.ok(names.includes("text_proj.color") && names.includes("image.parts.weight"));
  assert.ok(!names.includes("image_proj.weight") && !names.includes("image.fc.weight"));
  await withoutLeaks(() => {
    const images = tf.randomUniform([3, 8, 8, 3], 0, 1, "float32", createRng(1).seed()) as tf.Tensor4D;
    const prompts = ids([[2, 3, 0, 0], [4, 5, 6, 7]]);
    const [a, t] = [encoder.embedImages(images), encoder.embedPrompts(prompts)];
    assert.deepEqual([a.shape, t.shape], [[3, 5 * 8], [2, 5 * 8]]);
    const norms = tf.tidy(() => tf.concat([tf.norm(a, 2, 1), tf.norm(t, 2, 1)]));
    assert.ok(norms.dataSync().every((n) => Math.abs(n - 1) < 1e-5));
    tf.dispose([images, prompts, a, t, norms]);
  });
  await Deno.mkdir(".tmp", { recursive: true });
  const dir = await Deno.makeTempDir({ dir: ".tmp" });
  try {
    await saveDualEncoder(`${dir}/e.safetensors`, encoder);
    const loaded = await loadDualEncoder(`${dir}/e.safetensors`, { expected: config });
    assert.deepEqual(Object.keys(loaded.namedWeights()).sort(), names.sort());
    loaded.dispose();
  } finally {
    encoder.dispose();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("DualEncoder's convolutions on saturation cannot tell two hues of one saturation apart", async () => {
  await withoutLeaks(() => {
    // A square on grey, once red and once green: the same saturation (0.8) on the same place.
    const square = (rgb: number[]) =>
      Array.from(
        { length: 64 },
        (_, i) => (i % 8 >= 2 && i % 8 < 6 && i >= 16 && i < 48 ? rgb : [0.5, 0.5, 0.5]),
      );
    const images = tf.tensor4d([square([0.9, 0.1, 0.1]), square([0.1, 0.9, 0.1])].flat(2), [2, 8, 8, 3]);
    const gap = (convInput: "rgb" | "saturation") => {
      const encoder = new DualEncoder(resolveDualEncoderConfig({ ...TINY, convInput }), {
        rng: createRng(0),
      });
      const e = encoder.embedImages(images);
      const d = tf.tidy(() => tf.max(tf.abs(tf.sub(tf.slice(e, 0, 1), tf.slice(e, 1, 1)))));
      const value = d.dataSync()[0]!;
      tf.dispose([e, d]);
      encoder.dispose();
      return value;
    };
    assert.ok(gap("saturation") < 1e-6, `${gap("saturation")}`);
    assert.ok(gap("rgb") > 1e-3, `${gap("rgb")}`);
    images.dispose();
  });
});

Deno.test("trainDualEncoder() stops at the iteration its signal finds, without leaking", async () => {
  await withoutLeaks(async () => {
    const controller = new AbortController();
    let drawn = 0;
    const nextBatch = () => {
      drawn++;
      return {
        images: tf.fill([2, 8, 8, 3], 0.5) as tf.Tensor4D,
        prompts: ids([[2, 0, 0, 0], [3, 0, 0, 0]]),
      };
    };
    let stoppedAt = 0;
    const progress = ({ done }: { done: number }) => {
      if (done < 3 || stoppedAt > 0) return;
      stoppedAt = done;
      controller.abort();
    };
    await assert.rejects(
      trainDualEncoder({
        rng: createRng(0),
        iterations: 40,
        nextBatch,
        config: TINY,
        progress,
        signal: controller.signal,
      }),
      (error) => error instanceof DOMException && error.name === "AbortError",
    );
    // The batch in flight when the signal came, and none after it.
    assert.ok(
      stoppedAt > 0 && drawn <= stoppedAt + 1,
      `${drawn} batches drawn, stopped at ${stoppedAt} of 40`,
    );
  });
});
