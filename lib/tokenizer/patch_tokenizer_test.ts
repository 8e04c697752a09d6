import assert from "node:assert/strict";
import * as tf from "../backend/tf.ts";
import { useTestBackend, withoutLeaks } from "../backend/testing.ts";
import { saveSafetensors } from "../io/safetensors_file.ts";
import { createRng } from "../rng/mod.ts";
import { PatchTokenizer } from "./patch_tokenizer.ts";

await useTestBackend();

/** `count` uniform values in [0, 1) from a seeded Rng. */
function uniform(count: number, seed: number): Float32Array {
  const rng = createRng(seed);
  return Float32Array.from({ length: count }, () => rng.next());
}

/** A fresh folder under .tmp/, removed after `fn`. */
async function withTempDir(fn: (dir: string) => Promise<void>): Promise<void> {
  await Deno.mkdir(".tmp", { recursive: true });
  const dir = await Deno.makeTempDir({ dir: ".tmp" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** Patch `t` (raster order) of an `[H, W]` image, flattened row-major: the float64 reference layout. */
function patchOf(image: Float32Array, width: number, patch: number, t: number): number[] {
  const cols = width / patch;
  const [row, col] = [Math.floor(t / cols), t % cols];
  return Array.from({ length: patch * patch }, (_, j) => {
    const [y, x] = [row * patch + Math.floor(j / patch), col * patch + (j % patch)];
    return image[y * width + x];
  });
}

const squaredDistance = (a: ArrayLike<number>, b: ArrayLike<number>) =>
  Array.from(a).reduce((s, v, j) => s + (v - b[j]) ** 2, 0);

Deno.test("PatchTokenizer encode() picks the nearest code of each raster-order patch", async () => {
  await withoutLeaks(async () => {
    const [k, patch, height, width, n] = [8, 2, 4, 6, 3];
    const codes = uniform(k * patch * patch, 1);
    const codebook = tf.tensor2d(codes, [k, patch * patch]);
    const tokenizer = new PatchTokenizer(codebook, { height, width, patch });
    const pixels = uniform(n * height * width, 2);
    const images = tf.tensor3d(pixels, [n, height, width]);
    const tokens = tokenizer.encode(images);
    assert.deepEqual(tokens.shape, [n, tokenizer.seqLen]);
    assert.equal(tokens.dtype, "int32");
    const ids = await tokens.data();
    tf.dispose([codebook, images, tokens]);
    tokenizer.dispose();
    for (let i = 0; i < n; i++) {
      const image = pixels.subarray(i * height * width, (i + 1) * height * width);
      for (let t = 0; t < 6; t++) {
        const x = patchOf(image, width, patch, t);
        const distances = Array.from(
          { length: k },
          (_, c) => squaredDistance(x, codes.subarray(c * 4, c * 4 + 4)),
        );
        // Float32 distances may break a near-tie differently, never by more than rounding.
        assert.ok(distances[ids[i * 6 + t]] <= Math.min(...distances) + 1e-5);
      }
    }
  });
});

Deno.test("PatchTokenizer decode() pastes codes back, so images made of codes round-trip exactly", async () => {
  await withoutLeaks(async () => {
    const codebook = tf.tensor2d([[0, 0, 0, 0], [1, 0, 0, 0], [0.5, 0.25, 0.75, 1]]);
    const tokenizer = new PatchTokenizer(codebook, { height: 2, width: 6, patch: 2 });
    const tokens = tf.tensor2d([[1, 2, 0], [2, 2, 1]], [2, 3], "int32");
    const images = tokenizer.decode(tokens);
    assert.deepEqual(Array.from(await images.data()), [
      ...[1, 0, 0.5, 0.25, 0, 0],
      ...[0, 0, 0.75, 1, 0, 0],
      ...[0.5, 0.25, 0.5, 0.25, 1, 0],
      ...[0.75, 1, 0.75, 1, 0, 0],
    ]);
    const again = tokenizer.encode(images);
    assert.deepEqual(Array.from(await again.data()), [1, 2, 0, 2, 2, 1]);
    tf.dispose([codebook, tokens, images, again]);
    tokenizer.dispose();
  });
});

Deno.test("PatchTokenizer encode() of 300 images equals encoding them in two halves, and of none is empty", async () => {
  await withoutLeaks(async () => {
    const codebook = tf.tensor2d(uniform(16 * 4, 3), [16, 4]);
    const tokenizer = new PatchTokenizer(codebook, { height: 4, width: 4, patch: 2 });
    const images = tf.tensor3d(uniform(300 * 16, 4), [300, 4, 4]);
    const whole = tokenizer.encode(images);
    const halves = [0, 150].map((start) => tf.slice(images, [start, 0, 0], [150, 4, 4]));
    const encoded = halves.map((half) => tokenizer.encode(half));
    assert.deepEqual(Array.from(await whole.data()), [
      ...await encoded[0].data(),
      ...await encoded[1].data(),
    ]);
    const empty = tf.zeros([0, 4, 4]) as tf.Tensor3D;
    const none = tokenizer.encode(empty);
    assert.deepEqual(none.shape, [0, 4]);
    tf.dispose([codebook, images, whole, ...halves, ...encoded, empty, none]);
    tokenizer.dispose();
  });
});

Deno.test("PatchTokenizer reconstructionError() is the per-value MSE of decode(encode(x)), grey or RGB, and counts codes", async () => {
  await withoutLeaks(async () => {
    const codebook = tf.tensor2d([[0, 0, 0, 0], [1, 1, 1, 1], [0.5, 0.5, 0.5, 0.5]]);
    const tokenizer = new PatchTokenizer(codebook, { height: 2, width: 4, patch: 2 });
    // Patches: all 0.1 (→ code 0, error 0.01 each), all 0.9 (→ code 1, error 0.01), twice.
    const images = tf.tensor3d([[[0.1, 0.1, 0.9, 0.9], [0.1, 0.1, 0.9, 0.9]]]);
    const report = await tokenizer.reconstructionError(images);
    assert.ok(Math.abs(report.mse - 0.01) < 1e-7);
    assert.ok(Math.abs(report.psnr - 20) < 1e-4);
    assert.equal(report.codesUsed, 2);
    assert.ok(Math.abs(report.perplexity - 2) < 1e-12);
    tf.dispose([codebook, images]);
    tokenizer.dispose();
    // RGB: pixel 0 → black, errors 0.1², 0, 0; pixel 1 → white, errors 0, 0.2², 0: mean over 6 values.
    const colourCodes = tf.tensor2d([[0, 0, 0], [1, 1, 1]]);
    const shape = { height: 1, width: 2, patch: 1, channels: 3 };
    const colour = new PatchTokenizer<tf.Tensor4D>(colourCodes, shape);
    const pixels = tf.tensor4d([[[[0.1, 0, 0], [1, 0.8, 1]]]]);
    assert.ok(Math.abs((await colour.reconstructionError(pixels)).mse - 0.05 / 6) < 1e-7);
    tf.dispose([colourCodes, pixels]);
    colour.dispose();
  });
});

Deno.test("PatchTokenizer save() and load() round-trip the codebook and configuration", async () => {
  await withTempDir(async (dir) => {
    await withoutLeaks(async () => {
      const codebook = tf.tensor2d(uniform(5 * 16, 5), [5, 16]);
      const tokenizer = new PatchTokenizer(codebook, { height: 28, width: 28, patch: 4 });
      await tokenizer.save(`${dir}/t.safetensors`);
      const loaded = await PatchTokenizer.load(`${dir}/t.safetensors`);
      assert.deepEqual(loaded.config, { height: 28, width: 28, patch: 4, codebookSize: 5, channels: 1 });
      assert.equal(loaded.seqLen, 49);
      assert.deepEqual(await loaded.codebook.data(), await codebook.data());
      codebook.dispose();
      tokenizer.dispose();
      loaded.dispose();
    });
  });
});

Deno.test("PatchTokenizer.load() rejects a file without the configuration or with a mis-shaped codebook", async () => {
  await withTempDir(async (dir) => {
    await withoutLeaks(async () => {
      const codebook = tf.tensor2d(uniform(4 * 4, 6), [4, 4]);
      await saveSafetensors(`${dir}/plain.safetensors`, { codebook });
      const config = (c: object) => ({ metadata: { "dimo.patch_tokenizer": JSON.stringify(c) } });
      const shape = { height: 4, width: 4, patch: 2 };
      await saveSafetensors(`${dir}/k5.safetensors`, { codebook }, config({ ...shape, codebookSize: 5 }));
      await saveSafetensors(
        `${dir}/odd.safetensors`,
        { codebook },
        config({ ...shape, width: 5, codebookSize: 4 }),
      );
      codebook.dispose();
      await assert.rejects(
        PatchTokenizer.load(`${dir}/plain.safetensors`),
        /'dimo.patch_tokenizer' must be in the metadata/,
      );
      await assert.rejects(
        PatchTokenizer.load(`${dir}/k5.safetensors`),
        new TypeError(
          `Cannot load patch tokenizer "${dir}/k5.safetensors" as 'codebook' must be of shape [5, 4]: current value is [4,4]`,
        ),
      );
      await assert.rejects(
        PatchTokenizer.load(`${dir}/odd.safetensors`),
        /'width' must be a positive multiple of patch \(2\)/,
      );
    });
  });
});

Deno.test("PatchTokenizer checks its codebook, images and tokens, and outlives a caller's tidy", async () => {
  await withoutLeaks(async () => {
    const codebook = tf.tensor2d(uniform(3 * 4, 7), [3, 4]);
    assert.throws(
      () => new PatchTokenizer(codebook, { height: 4, width: 4, patch: 3 }),
      /'height' must be a positive multiple/,
    );
    assert.throws(
      () => new PatchTokenizer(codebook, { height: 6, width: 6, patch: 3 }),
      /'codebook' must be of shape \[\*, 9\]/,
    );
    let made: PatchTokenizer | undefined;
    tf.tidy(() => {
      made = new PatchTokenizer(codebook, { height: 4, width: 2, patch: 2 });
    });
    const tokenizer = made as PatchTokenizer;
    codebook.dispose();
    const wrong = tf.zeros([1, 2, 4]) as tf.Tensor3D;
    assert.throws(
      () => tokenizer.encode(wrong),
      /Cannot encode images as 'images' must be of shape \[\*, 4, 2\]/,
    );
    const ints = tf.zeros([1, 4, 2], "int32") as tf.Tensor3D;
    assert.throws(() => tokenizer.encode(ints), /'images' must be of dtype float32/);
    const floats = tf.zeros([1, 2]) as tf.Tensor2D;
    assert.throws(() => tokenizer.decode(floats), /Cannot decode tokens as 'tokens' must be of dtype int32/);
    const empty = tf.zeros([0, 4, 2]) as tf.Tensor3D;
    await assert.rejects(tokenizer.reconstructionError(empty), /at least one image/);
    const tokens = tf.tensor2d([[2, 0]], [1, 2], "int32");
    const decoded = tokenizer.decode(tokens);
    assert.deepEqual(decoded.shape, [1, 4, 2]);
    tf.dispose([wrong, ints, floats, empty, tokens, decoded]);
    tokenizer.dispose();
  });
});

Deno.test("PatchTokenizer decode() lays RGB codes out as (row, column, channel) and encode() inverts it", async () => {
  await withoutLeaks(async () => {
    const [k, patch, height, width, channels] = [6, 2, 4, 6, 3];
    const dim = patch * patch * channels;
    const codes = uniform(k * dim, 8);
    const codebook = tf.tensor2d(codes, [k, dim]);
    const tokenizer = new PatchTokenizer<tf.Tensor4D>(codebook, { height, width, patch, channels });
    assert.equal(tokenizer.seqLen, 6);
    const ids = [[5, 0, 3, 1, 1, 4], [2, 2, 0, 5, 3, 1]];
    const tokens = tf.tensor2d(ids, [2, 6], "int32");
    const images = tokenizer.decode(tokens);
    assert.deepEqual(images.shape, [2, height, width, channels]);
    const pixels = await images.data();
    ids.forEach((row, i) => {
      for (let y = 0; y < height; y++) {
        for (let x = 0; x < width; x++) {
          const token = row[Math.floor(y / patch) * (width / patch) + Math.floor(x / patch)];
          for (let c = 0; c < channels; c++) {
            const j = ((y % patch) * patch + (x % patch)) * channels + c;
            assert.equal(pixels[((i * height + y) * width + x) * channels + c], codes[token * dim + j]);
          }
        }
      }
    });
    const again = tokenizer.encode(images);
    assert.deepEqual(await again.array(), ids);
    const report = await tokenizer.reconstructionError(images);
    assert.equal(report.mse, 0);
    assert.equal(report.codesUsed, 6);
    tf.dispose([codebook, tokens, images, again]);
    tokenizer.dispose();
  });
});

Deno.test("PatchTokenizer save() and load() keep the channels; a grey file is written without them", async () => {
  await withTempDir(async (dir) => {
    await withoutLeaks(async () => {
      const codebook = tf.tensor2d(uniform(5 * 48, 9), [5, 48]);
      const tokenizer = new PatchTokenizer<tf.Tensor4D>(codebook, {
        height: 8,
        width: 8,
        patch: 4,
        channels: 3,
      });
      await tokenizer.save(`${dir}/rgb.safetensors`);
      const loaded = await PatchTokenizer.load<tf.Tensor4D>(`${dir}/rgb.safetensors`);
      assert.deepEqual(loaded.config, { height: 8, width: 8, patch: 4, codebookSize: 5, channels: 3 });
      assert.deepEqual(await loaded.codebook.data(), await codebook.data());
      const greyCodebook = tf.slice(codebook, [0, 0], [5, 16]);
      const grey = new PatchTokenizer(greyCodebook, { height: 8, width: 8, patch: 4 });
      await grey.save(`${dir}/grey.safetensors`);
      const text = new TextDecoder().decode(await Deno.readFile(`${dir}/grey.safetensors`));
      assert.match(
        text,
        /"dimo.patch_tokenizer":"\{\\"height\\":8,\\"width\\":8,\\"patch\\":4,\\"codebookSize\\":5\}"/,
      );
      tf.dispose([codebook, greyCodebook]);
      [tokenizer, loaded, grey].forEach((t) => t.dispose());
    });
  });
});

Deno.test("PatchTokenizer.load() reads a shipped grey tokenizer as one channel and saves it byte for byte", async () => {
  await withTempDir(async (dir) => {
    await withoutLeaks(async () => {
      const path = "checkpoints/mnist/tokenizer.safetensors";
      const tokenizer = await PatchTokenizer.load(path);
      assert.deepEqual(tokenizer.config, { height: 28, width: 28, patch: 4, codebookSize: 256, channels: 1 });
      await tokenizer.save(`${dir}/again.safetensors`);
      assert.deepEqual(await Deno.readFile(`${dir}/again.safetensors`), await Deno.readFile(path));
      tokenizer.dispose();
    });
  });
});

Deno.test("PatchTokenizer names the colour shape it expects of codebook, images and channels", async () => {
  await withoutLeaks(async () => {
    const codebook = tf.tensor2d(uniform(3 * 12, 10), [3, 12]);
    assert.throws(
      () => new PatchTokenizer(codebook, { height: 4, width: 4, patch: 2 }),
      /'codebook' must be of shape \[\*, 4\]: current value is \[3,12\]/,
    );
    assert.throws(
      () => new PatchTokenizer(codebook, { height: 4, width: 4, patch: 2, channels: 0 }),
      /'channels' must be/,
    );
    const tokenizer = new PatchTokenizer<tf.Tensor4D>(codebook, {
      height: 4,
      width: 4,
      patch: 2,
      channels: 3,
    });
    const grey = tf.zeros([1, 4, 4]) as unknown as tf.Tensor4D;
    assert.throws(
      () => tokenizer.encode(grey),
      new TypeError(
        "Cannot encode images as 'images' must be of shape [*, 4, 4, 3]: current value is [1,4,4]",
      ),
    );
    const rgba = tf.zeros([1, 4, 4, 4]) as tf.Tensor4D;
    await assert.rejects(tokenizer.reconstructionError(rgba), /'images' must be of shape \[\*, 4, 4, 3\]/);
    tf.dispose([codebook, grey, rgba]);
    tokenizer.dispose();
  });
});

Deno.test("PatchTokenizer encode() frees each chunk's distances: its peak memory does not grow with the images", async () => {
  await withoutLeaks(async () => {
    const codebook = tf.tensor2d(uniform(64 * 4, 3), [64, 4]);
    const tokenizer = new PatchTokenizer(codebook, { height: 8, width: 8, patch: 2 });
    codebook.dispose();
    const peakOf = async (count: number) => {
      const images = tf.tensor3d(uniform(count * 64, 4), [count, 8, 8]);
      const { peakBytes, result } = await tf.profile(() => tokenizer.encode(images));
      tf.dispose([images, result as tf.Tensor]);
      return peakBytes - count * 64 * 4; // less the images themselves
    };
    const [one, eight] = [await peakOf(256), await peakOf(8 * 256)];
    assert.ok(eight < 2 * one, `8 chunks peak at ${eight} bytes, one at ${one}`);
    tokenizer.dispose();
  });
});
