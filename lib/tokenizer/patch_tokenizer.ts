/**
 * A vector-quantising image tokenizer without a network: each `p × p` patch of an image becomes
 * the id of its nearest codebook entry, and a token decodes to that entry's pixels. A 28×28 image
 * with 4×4 patches is a sequence of 7 × 7 = 49 tokens, the MDM's `seqLen`. Images have one
 * channel (`[N, H, W]`, grey) or C (`[N, H, W, C]`, e.g. RGB); a code holds a patch's `p · p · C`
 * values.
 *
 * @module
 */
import * as tf from "../backend/tf.ts";
import { loadSafetensors, saveSafetensors } from "../io/safetensors_file.ts";
import { parseConfigJson, stringifyConfigJson } from "../io/json.ts";
import { checkDtype, checkInteger, checkShape, errorMessage } from "../validate/mod.ts";
import { type CodebookTerms, codebookTerms, fromPatches, nearestCodes, toPatches } from "./_patches.ts";

/** The shape of a {@linkcode PatchTokenizer}. */
export interface PatchTokenizerConfig {
  /** Image height in pixels, a multiple of `patch`. */
  readonly height: number;
  /** Image width in pixels, a multiple of `patch`. */
  readonly width: number;
  /** Patch side p in pixels; a code has p² · channels values. */
  readonly patch: number;
  /** K, the number of codes; tokens are `0 … K − 1`. */
  readonly codebookSize: number;
  /** C, values per pixel: 1 for `[N, H, W]` images, more for `[N, H, W, C]` (3 for RGB). */
  readonly channels: number;
}

/** Images a {@linkcode PatchTokenizer} takes and gives: `[N, H, W]` for one channel, `[N, H, W, C]` for more. */
export type TokenizerImages = tf.Tensor3D | tf.Tensor4D;

/** The shape a {@linkcode PatchTokenizer} is made with: its configuration less K, `channels` optional. */
export type PatchTokenizerShape = Omit<PatchTokenizerConfig, "codebookSize" | "channels"> & {
  /** C, values per pixel. @default {1} */
  readonly channels?: number;
};

/** How well a tokenizer reproduces some images, from {@linkcode PatchTokenizer.reconstructionError}. */
export interface ReconstructionReport {
  /** Mean squared error per pixel value (per channel of a colour pixel), values in [0, 1]. */
  readonly mse: number;
  /** Peak signal-to-noise ratio of that mean, 10·log10(1 / mse), in dB. */
  readonly psnr: number;
  /** Number of distinct codes the images' tokens use. */
  readonly codesUsed: number;
  /** exp of the entropy of the token frequencies: the number of equally used codes it matches. */
  readonly perplexity: number;
}

/** The metadata key of the configuration in a saved tokenizer. */
const CONFIG_KEY = "dimo.patch_tokenizer";

/** Images per chunk in encode: 256 · 49 patches × 512 codes of distances is 25 MB. */
const CHUNK_IMAGES = 256;

/** Checks a configuration; `action` names what was being done. */
function checkConfig(action: string, config: PatchTokenizerConfig): void {
  const { height, width, patch, codebookSize, channels } = config;
  checkInteger(action, "patch", patch, 1);
  checkInteger(action, "codebookSize", codebookSize, 1);
  checkInteger(action, "channels", channels, 1);
  for (const [field, size] of [["height", height], ["width", width]] as const) {
    if (!Number.isInteger(size) || size < patch || size % patch !== 0) {
      throw new RangeError(errorMessage(action, field, `a positive multiple of patch (${patch})`, size));
    }
  }
}

/**
 * Patch tokenizer: images ↔ token sequences through a codebook of `p × p` patches.
 *
 * It owns its tensors: call {@linkcode PatchTokenizer.dispose} when done. Train one with
 * {@linkcode trainKMeansTokenizer}. The type parameter is the rank of its images: `tf.Tensor3D`
 * for one channel, `tf.Tensor4D` for more.
 *
 * @example Encode and decode with a two-code codebook
 * ```ts
 * import assert from "node:assert";
 * import { PatchTokenizer, tf, useBackend } from "@dimo/dimo";
 * await useBackend("cpu");
 * const codebook = tf.tensor2d([[0, 0, 0, 0], [1, 1, 1, 1]]); // black and white 2×2 patches
 * const tokenizer = new PatchTokenizer(codebook, { height: 2, width: 4, patch: 2 });
 * codebook.dispose();
 * const images = tf.tensor3d([[[0.1, 0, 0.9, 1], [0, 0.2, 0.8, 1]]]);
 * const tokens = tokenizer.encode(images);
 * assert.deepEqual(Array.from(await tokens.data()), [0, 1]);
 * const decoded = tokenizer.decode(tokens);
 * assert.deepEqual(Array.from(await decoded.data()), [0, 0, 1, 1, 0, 0, 1, 1]);
 * tf.dispose([images, tokens, decoded]);
 * tokenizer.dispose();
 * ```
 *
 * @example Colour: a code is a patch's pixels, each with its RGB values
 * ```ts
 * import assert from "node:assert";
 * import { PatchTokenizer, tf, useBackend } from "@dimo/dimo";
 * await useBackend("cpu");
 * const codebook = tf.tensor2d([[1, 0, 0], [0, 0, 1]]); // red and blue 1×1 patches
 * const tokenizer = new PatchTokenizer<tf.Tensor4D>(codebook, { height: 1, width: 2, patch: 1, channels: 3 });
 * codebook.dispose();
 * const images = tf.tensor4d([[[[0.1, 0.2, 0.9], [0.8, 0.1, 0]]]]);
 * const tokens = tokenizer.encode(images);
 * assert.deepEqual(Array.from(await tokens.data()), [1, 0]);
 * const decoded = tokenizer.decode(tokens);
 * assert.deepEqual(decoded.shape, [1, 1, 2, 3]);
 * assert.deepEqual(Array.from(await decoded.data()), [0, 0, 1, 1, 0, 0]);
 * tf.dispose([images, tokens, decoded]);
 * tokenizer.dispose();
 * ```
 */
export class PatchTokenizer<Images extends TokenizerImages = tf.Tensor3D> {
  /** The frozen configuration. */
  readonly config: PatchTokenizerConfig;
  /** The codes, float32 `[K, p² · C]`, owned by the tokenizer (do not dispose). */
  readonly codebook: tf.Tensor2D;
  /** Tokens per image, (height / p) · (width / p). */
  readonly seqLen: number;
  readonly #terms: CodebookTerms;

  /**
   * Creates a tokenizer from a codebook, which is copied (the caller still owns `codebook`).
   *
   * @param codebook The codes, float32 `[K, p² · C]`, each a patch flattened row-major (row,
   *   column, channel).
   * @param shape The image `height` and `width`, the `patch` side p and the `channels` C (default 1).
   * @throws {TypeError} If `codebook` is not float32 `[K, p² · C]`.
   * @throws {RangeError} If a size is not a positive integer or an image side is not a multiple of p.
   */
  constructor(codebook: tf.Tensor2D, shape: PatchTokenizerShape) {
    const action = "create a patch tokenizer";
    const { height, width, patch, channels = 1 } = shape;
    const config = Object.freeze({ height, width, patch, codebookSize: codebook.shape[0], channels });
    checkConfig(action, config);
    checkShape(action, "codebook", codebook.shape, [-1, codeLength(config)]);
    checkDtype(action, "codebook", codebook.dtype, "float32");
    this.config = config;
    this.seqLen = (config.height / config.patch) * (config.width / config.patch);
    // Kept, so a tokenizer made inside a caller's tidy outlives it.
    this.codebook = tf.keep(tf.clone(codebook));
    const { codebookT, codeNorms } = tf.tidy(() => ({ ...codebookTerms(this.codebook) }));
    this.#terms = { codebookT: tf.keep(codebookT), codeNorms: tf.keep(codeNorms) };
  }

  /**
   * Tokenizes images: each patch becomes the id of the nearest code (squared Euclidean distance,
   * computed as ‖c‖² − 2x·c in chunks of 256 images).
   *
   * @param images float32 `[N, height, width]` (one channel) or `[N, height, width, channels]`,
   *   values in [0, 1].
   * @returns Token ids, int32 `[N, seqLen]`, raster order over the patch grid.
   * @throws {TypeError} If `images` is not float32 of that shape.
   */
  encode(images: Images): tf.Tensor2D {
    this.#checkImages("encode images", images);
    const { patch } = this.config;
    const n = images.shape[0];
    return tf.tidy(() => {
      const chunks: tf.Tensor2D[] = [];
      for (let start = 0; start < n; start += CHUNK_IMAGES) {
        const count = Math.min(CHUNK_IMAGES, n - start);
        // Each chunk's own tidy frees its distance matrix before the next: only the codes accumulate.
        chunks.push(tf.tidy(() => {
          const chunk = sliceImages(images, start, count);
          return tf.reshape(nearestCodes(toPatches(chunk, patch), this.#terms), [count, this.seqLen]);
        }));
      }
      return chunks.length === 0 ? tf.zeros([0, this.seqLen], "int32") : tf.concat(chunks, 0);
    });
  }

  /**
   * Turns tokens back into images: each token becomes its code's pixels.
   *
   * @param tokens Token ids, int32 `[N, seqLen]`, in `[0, K)` (not checked: a mask id has no pixels).
   * @returns Images, float32 `[N, height, width]` (one channel) or `[N, height, width, channels]`.
   * @throws {TypeError} If `tokens` is not int32 `[N, seqLen]`.
   */
  decode(tokens: tf.Tensor2D): Images {
    const action = "decode tokens";
    checkShape(action, "tokens", tokens.shape, [-1, this.seqLen]);
    checkDtype(action, "tokens", tokens.dtype, "int32");
    const { height, width, patch, channels } = this.config;
    return tf.tidy(() => {
      const patches = tf.gather(this.codebook, tf.reshape(tokens, [-1])) as tf.Tensor2D;
      return fromPatches(patches, height, width, patch, channels) as Images;
    });
  }

  /**
   * Measures how well `decode(encode(images))` reproduces images, and how the codes are used.
   *
   * @param images float32 `[N, height, width]` (one channel) or `[N, height, width, channels]`,
   *   values in [0, 1], N ≥ 1.
   * @returns The per-value MSE, the PSNR of that MSE, and the codes' usage.
   * @throws {TypeError} If `images` is not float32 of that shape with N ≥ 1.
   *
   * @example A codebook that holds the image's patches reproduces it exactly
   * ```ts
   * import assert from "node:assert";
   * import { PatchTokenizer, tf, useBackend } from "@dimo/dimo";
   * await useBackend("cpu");
   * const codebook = tf.tensor2d([[0, 0, 0, 0], [1, 1, 1, 1]]);
   * const tokenizer = new PatchTokenizer(codebook, { height: 2, width: 4, patch: 2 });
   * const images = tf.tensor3d([[[0, 0, 1, 1], [0, 0, 1, 1]]]);
   * const report = await tokenizer.reconstructionError(images);
   * assert.equal(report.mse, 0);
   * assert.equal(report.psnr, Infinity);
   * assert.equal(report.codesUsed, 2);
   * tf.dispose([codebook, images]);
   * tokenizer.dispose();
   * ```
   */
  async reconstructionError(images: Images): Promise<ReconstructionReport> {
    const action = "measure the reconstruction error";
    this.#checkImages(action, images);
    const n = images.shape[0];
    if (n === 0) throw new TypeError(errorMessage(action, "images", "at least one image", images.shape));
    const counts = new Float64Array(this.config.codebookSize);
    let squaredError = 0;
    for (let start = 0; start < n; start += CHUNK_IMAGES) {
      const count = Math.min(CHUNK_IMAGES, n - start);
      const [tokens, error] = tf.tidy(() => {
        const chunk = sliceImages(images, start, count);
        const tokens = this.encode(chunk);
        return [tokens, tf.sum(tf.squaredDifference(this.decode(tokens), chunk))];
      });
      const [ids, sum] = await Promise.all([tokens.data(), error.data()]);
      tf.dispose([tokens, error]);
      for (const id of ids) counts[id]++;
      squaredError += sum[0];
    }
    const mse = squaredError / images.size;
    const total = n * this.seqLen;
    const entropy = counts.reduce((h, c) => (c > 0 ? h - (c / total) * Math.log(c / total) : h), 0);
    return {
      mse,
      psnr: 10 * Math.log10(1 / mse),
      codesUsed: counts.filter((c) => c > 0).length,
      perplexity: Math.exp(entropy),
    };
  }

  /**
   * Saves the codebook as safetensors with the configuration in the metadata, atomically.
   *
   * @param path The file to create or replace; its directory must exist.
   * @returns When the file is in place.
   *
   * @example Save and load
   * ```ts
   * import assert from "node:assert";
   * import { PatchTokenizer, tf, useBackend } from "@dimo/dimo";
   * await useBackend("cpu");
   * const codebook = tf.tensor2d([[0, 0, 0, 0], [1, 1, 1, 1]]);
   * const tokenizer = new PatchTokenizer(codebook, { height: 2, width: 2, patch: 2 });
   * await Deno.mkdir(".tmp", { recursive: true });
   * const dir = await Deno.makeTempDir({ dir: ".tmp" });
   * await tokenizer.save(`${dir}/tokenizer.safetensors`);
   * const loaded = await PatchTokenizer.load(`${dir}/tokenizer.safetensors`);
   * assert.deepEqual(loaded.config, tokenizer.config);
   * assert.deepEqual(await loaded.codebook.data(), await codebook.data());
   * [tokenizer, loaded].forEach((t) => t.dispose());
   * codebook.dispose();
   * await Deno.remove(dir, { recursive: true });
   * ```
   */
  async save(path: string): Promise<void> {
    // One channel is left out, so a grey tokenizer's file is what it was before colour.
    const { channels, ...grey } = this.config;
    const config = channels === 1 ? grey : this.config;
    await saveSafetensors(path, { codebook: this.codebook }, {
      metadata: { [CONFIG_KEY]: stringifyConfigJson(config, 0) },
    });
  }

  /**
   * Loads a tokenizer written by {@linkcode PatchTokenizer.save}; a configuration without
   * `channels` has one. The type argument is the caller's claim of the image rank
   * (`tf.Tensor4D` for a colour file): check `config.channels` where the file may be either.
   *
   * @param path The file.
   * @returns The tokenizer; the caller disposes it.
   * @throws {TypeError} If the file has no tokenizer configuration or no float32 `[K, p² · C]`
   * `codebook` that matches it.
   * @throws {RangeError} If the stored configuration is invalid.
   * @throws {SafetensorsError} If the file is not valid safetensors.
   */
  static async load<Images extends TokenizerImages = tf.Tensor3D>(
    path: string,
  ): Promise<PatchTokenizer<Images>> {
    const action = `load patch tokenizer "${path}"`;
    const { tensors, metadata } = await loadSafetensors(path);
    try {
      const text = metadata[CONFIG_KEY];
      if (text === undefined) throw new TypeError(errorMessage(action, CONFIG_KEY, "in the metadata", text));
      const { channels = 1, ...shape } = parseConfigJson<PatchTokenizerShape & { codebookSize: number }>(
        text,
      );
      const config = { ...shape, channels };
      checkConfig(action, config);
      const { codebook } = tensors;
      if (codebook === undefined) {
        throw new TypeError(errorMessage(action, "codebook", "a tensor in the file", Object.keys(tensors)));
      }
      checkShape(action, "codebook", codebook.shape, [config.codebookSize, codeLength(config)]);
      return new PatchTokenizer<Images>(codebook as tf.Tensor2D, config);
    } finally {
      tf.dispose(Object.values(tensors));
    }
  }

  /** Frees the tokenizer's tensors. */
  dispose(): void {
    tf.dispose([this.codebook, this.#terms.codebookT, this.#terms.codeNorms]);
  }

  #checkImages(action: string, images: Images): void {
    const { height, width, channels } = this.config;
    checkShape(
      action,
      "images",
      images.shape,
      channels === 1 ? [-1, height, width] : [-1, height, width, channels],
    );
    checkDtype(action, "images", images.dtype, "float32");
  }
}

/** Values in a code: p² · C. */
function codeLength(config: Pick<PatchTokenizerConfig, "patch" | "channels">): number {
  return config.patch * config.patch * config.channels;
}

/** Images `start … start + count − 1` of a batch, any rank. Call inside a tidy. */
function sliceImages<Images extends TokenizerImages>(images: Images, start: number, count: number): Images {
  return tf.slice(images, [start], [count]) as Images;
}
