import assert from "node:assert/strict";
import * as tf from "../backend/tf.ts";
import { useTestBackend, withoutLeaks } from "../backend/testing.ts";
import { createRng } from "../rng/mod.ts";
import {
  type KMeansInit,
  type KMeansIterationReport,
  type KMeansTokenizerOptions,
  trainKMeansTokenizer,
} from "./kmeans.ts";
import { kMeansPlusPlus, samplePatchVectors } from "./_kmeans_steps.ts";

await useTestBackend();

/** Four 2×2 prototypes, darkest first, well apart (squared distance ≥ 0.5). */
const PROTOTYPES = [[0, 0, 0, 0], [0.9, 0.9, 0.1, 0.1], [0.1, 0.9, 0.9, 0.1], [1, 1, 1, 1]];

/**
 * `n` 4×4 images whose four 2×2 patches are prototypes drawn uniformly, plus uniform noise of
 * ±`noise` per pixel.
 */
function prototypeImages(n: number, noise: number, seed: number): tf.Tensor3D {
  const rng = createRng(seed);
  const pixels = new Float32Array(n * 16);
  for (let i = 0; i < n; i++) {
    for (let t = 0; t < 4; t++) {
      const prototype = PROTOTYPES[rng.int(4)];
      const [row, col] = [Math.floor(t / 2), t % 2];
      prototype.forEach((v, j) => {
        const [y, x] = [row * 2 + Math.floor(j / 2), col * 2 + (j % 2)];
        pixels[i * 16 + y * 4 + x] = v + noise * (2 * rng.next() - 1);
      });
    }
  }
  return tf.tensor3d(pixels, [n, 4, 4]);
}

/** Trains on `images` and returns the codebook's values and the iteration reports. */
async function train(
  images: tf.Tensor3D,
  options: Omit<KMeansTokenizerOptions, "rng">,
  seed = 0,
): Promise<{ codes: number[][]; reports: KMeansIterationReport[] }> {
  const reports: KMeansIterationReport[] = [];
  const tokenizer = await trainKMeansTokenizer(images, {
    rng: createRng(seed),
    ...options,
    onIteration: (report) => reports.push(report),
  });
  const codes = (await tokenizer.codebook.array()) as number[][];
  tokenizer.dispose();
  return { codes, reports };
}

Deno.test("trainKMeansTokenizer() recovers well-separated prototypes, darkest code first", async () => {
  await withoutLeaks(async () => {
    const images = prototypeImages(100, 0.02, 1);
    for (const init of ["kmeans++", "random"] as const) {
      const { codes } = await train(images, { codebookSize: 4, patch: 2, iterations: 10, init });
      // Token ids follow mean intensity: the prototypes are listed darkest first (two tie at 0.5).
      assert.ok(codes[0].every((v, j) => Math.abs(v - PROTOTYPES[0][j]) < 0.01));
      assert.ok(codes[3].every((v, j) => Math.abs(v - PROTOTYPES[3][j]) < 0.01));
      for (const prototype of PROTOTYPES.slice(1, 3)) {
        assert.ok(codes.some((c) => c.every((v, j) => Math.abs(v - prototype[j]) < 0.01)), init);
      }
    }
    images.dispose();
  });
});

Deno.test("trainKMeansTokenizer() never raises the inertia and stops once no assignment changes", async () => {
  await withoutLeaks(async () => {
    const images = prototypeImages(200, 0.3, 2);
    const { reports } = await train(images, { codebookSize: 8, patch: 2, iterations: 50, init: "random" });
    assert.equal(reports[0].changed, 800);
    reports.slice(1).forEach((r, i) =>
      assert.ok(r.inertia <= reports[i].inertia + 1e-7, `iteration ${r.iteration}`)
    );
    assert.ok(reports.length < 50);
    assert.equal(reports.at(-1)!.changed, 0);
    images.dispose();
  });
});

Deno.test("trainKMeansTokenizer() moves empty clusters onto patches, never making NaN codes", async () => {
  await withoutLeaks(async () => {
    // Three distinct patches, five codes: at least two centres start on duplicates and go empty.
    const images = tf.tensor3d(Array.from({ length: 30 }, (_, i) => [[i % 3 / 2, 0]]), [30, 1, 2]);
    const { codes, reports } = await train(images, {
      codebookSize: 5,
      patch: 1,
      iterations: 3,
      init: "random",
    });
    assert.ok(reports[0].reseeded >= 2);
    assert.ok(codes.flat().every((v) => v === 0 || v === 0.5 || v === 1));
    images.dispose();
  });
});

Deno.test("trainKMeansTokenizer() is reproducible from its seed", async () => {
  await withoutLeaks(async () => {
    const images = prototypeImages(50, 0.3, 3);
    const options = { codebookSize: 6, patch: 2, iterations: 4, samplePatches: 100 };
    const [a, b, c] = await Promise.all([
      train(images, options, 7),
      train(images, options, 7),
      train(images, options, 8),
    ]);
    assert.deepEqual(a.codes, b.codes);
    assert.notDeepEqual(a.codes, c.codes);
    images.dispose();
  });
});

Deno.test("trainKMeansTokenizer() checks images and options before any work", async () => {
  await withoutLeaks(async () => {
    const images = tf.zeros([2, 4, 6]) as tf.Tensor3D;
    const rng = createRng(0);
    await assert.rejects(
      trainKMeansTokenizer(images, { rng, patch: 4 }),
      new RangeError(
        "Cannot train a k-means tokenizer as 'images width' must be a multiple of patch (4): current value is 6",
      ),
    );
    await assert.rejects(
      trainKMeansTokenizer(images, { rng, patch: 2, codebookSize: 13 }),
      /'codebookSize' must be at most the 12 patches: current value is 13/,
    );
    await assert.rejects(
      trainKMeansTokenizer(images, { rng, patch: 2, codebookSize: 4, samplePatches: 3 }),
      /'samplePatches'/,
    );
    const init = "kmeans" as KMeansInit;
    await assert.rejects(trainKMeansTokenizer(images, { rng, patch: 2, init }), /'init' must be one of/);
    const ints = tf.zeros([2, 4, 4], "int32") as tf.Tensor3D;
    await assert.rejects(trainKMeansTokenizer(ints, { rng }), /'images' must be of dtype float32/);
    tf.dispose([images, ints]);
  });
});

Deno.test("samplePatchVectors() draws distinct patches, or all of them in raster order", async () => {
  await withoutLeaks(async () => {
    // Every pixel is its own index, so a patch is identified by its first pixel.
    const images = tf.tensor3d(Float32Array.from({ length: 3 * 4 * 6 }, (_, i) => i), [3, 4, 6]);
    const all = await samplePatchVectors(images, 2, 100, createRng(0));
    assert.deepEqual(Array.from(all.subarray(0, 8)), [0, 1, 6, 7, 2, 3, 8, 9]);
    assert.equal(all.length, 18 * 4);
    const some = await samplePatchVectors(images, 2, 10, createRng(0));
    const firsts = Array.from({ length: 10 }, (_, s) => some[s * 4]);
    assert.equal(new Set(firsts).size, 10);
    for (let s = 0; s < 10; s++) {
      const p = some[s * 4];
      assert.deepEqual(Array.from(some.subarray(s * 4, s * 4 + 4)), [p, p + 1, p + 6, p + 7]);
    }
    images.dispose();
  });
});

Deno.test("kMeansPlusPlus() seeds one centre in each of three far-apart clusters", () => {
  const rng = createRng(4);
  const points = Float32Array.from({ length: 300 }, (_, i) => Math.floor(i / 100) * 10 + rng.next() * 0.1);
  const centers = Array.from(kMeansPlusPlus(points, 1, 3, createRng(5)), (c) => Math.round(c / 10)).sort();
  assert.deepEqual(centers, [0, 1, 2]);
});

Deno.test("trainKMeansTokenizer() on RGB images learns colour codes, ordered by their mean over channels", async () => {
  await withoutLeaks(async () => {
    // 2×2 images of 1×1 patches: red, blue and dark grey pixels with ±0.02 noise.
    const colours = [[0.9, 0.1, 0.1], [0.1, 0.1, 0.5], [0.05, 0.05, 0.05]];
    const rng = createRng(3);
    const pixels = new Float32Array(50 * 4 * 3);
    for (let p = 0; p < 50 * 4; p++) {
      const colour = colours[rng.int(3)];
      for (let c = 0; c < 3; c++) pixels[p * 3 + c] = colour[c] + 0.02 * (2 * rng.next() - 1);
    }
    const images = tf.tensor4d(pixels, [50, 2, 2, 3]);
    const tokenizer = await trainKMeansTokenizer(images, { codebookSize: 3, patch: 1, rng: createRng(0) });
    assert.equal(tokenizer.config.channels, 3);
    const codes = (await tokenizer.codebook.array()) as number[][];
    // Darkest mean first: grey (0.05), blue (0.23), red (0.37).
    [colours[2], colours[1], colours[0]].forEach((colour, k) =>
      assert.ok(codes[k].every((v, c) => Math.abs(v - colour[c]) < 0.01), `code ${k}: ${codes[k]}`)
    );
    const tokens = tokenizer.encode(images);
    const decoded = tokenizer.decode(tokens);
    assert.deepEqual(decoded.shape, [50, 2, 2, 3]);
    tf.dispose([images, tokens, decoded]);
    tokenizer.dispose();
  });
});

Deno.test("trainKMeansTokenizer() names both image shapes it takes", async () => {
  await withoutLeaks(async () => {
    const flat = tf.zeros([4, 16]) as unknown as tf.Tensor3D;
    await assert.rejects(
      trainKMeansTokenizer(flat, { rng: createRng(0) }),
      new TypeError(
        "Cannot train a k-means tokenizer as 'images' must be of shape [N, H, W] or [N, H, W, C]: current value is [4,16]",
      ),
    );
    flat.dispose();
  });
});
