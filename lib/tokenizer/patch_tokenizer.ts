/**
 * A vector-quantising image tokenizer without a network: each `p × p` patch of an image becomes
 * the id of its nearest codebook entry, and a token decodes to that entry's pixels. A 28×28 image
 * with 4×4 patches is a sequence of 7 × 7 = 49 tokens, the MDM's `seqLen`.
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
  /** Patch side p in pixels; a code has p² values. */
  readonly patch: number;
  /** K, the number of codes; tokens are `0 … K − 1`. */
  readonly codebookSize: number;
}

/** How well a tokenizer reproduces some images, from {@linkcode PatchTokenizer.reconstructionError}. */
export interface ReconstructionReport {
  /** Mean squared error per pixel, pixels in [0, 1]. */
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
  const { height, width, patch, codebookSize } = config;
  checkInteger(action, "patch", patch, 1);
  checkInteger(action, "codebookSize", codebookSize, 1);
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
 * {@linkcode trainKMeansTokenizer}.
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
 */
export class PatchTokenizer {
  /** The frozen configuration. */
  readonly config: PatchTokenizerConfig;
  /** The codes, float32 `[K, p²]`, owned by the tokenizer (do not dispose). */
  readonly codebook: tf.Tensor2D;
  /** Tokens per image, (height / p) · (width / p). */
  readonly seqLen: number;
  readonly #terms: CodebookTerms;

  /**
   * Creates a tokenizer from a codebook, which is copied (the caller still owns `codebook`).
   *
   * @param codebook The codes, float32 `[K, p²]`, each a patch flattened row-major.
   * @param shape The image `height` and `width` and the `patch` side p.
   * @throws {TypeError} If `codebook` is not float32 `[K, p²]`.
   * @throws {RangeError} If a size is not a positive integer or an image side is not a multiple of p.
   */
  constructor(codebook: tf.Tensor2D, shape: Omit<PatchTokenizerConfig, "codebookSize">) {
    const action = "create a patch tokenizer";
    const config = Object.freeze({ ...shape, codebookSize: codebook.shape[0] });
    checkConfig(action, config);
    checkShape(action, "codebook", codebook.shape, [-1, config.patch * config.patch]);
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
   * @param images float32 `[N, height, width]`, pixels in [0, 1].
   * @returns Token ids, int32 `[N, seqLen]`, raster order over the patch grid.
   * @throws {TypeError} If `images` is not float32 `[N, height, width]`.
   */
  encode(images: tf.Tensor3D): tf.Tensor2D {
    this.#checkImages("encode images", images);
    const { height, width, patch } = this.config;
    const n = images.shape[0];
    return tf.tidy(() => {
      const chunks: tf.Tensor2D[] = [];
      for (let start = 0; start < n; start += CHUNK_IMAGES) {
        const count = Math.min(CHUNK_IMAGES, n - start);
        const chunk = tf.slice(images, [start, 0, 0], [count, height, width]);
        chunks.push(tf.reshape(nearestCodes(toPatches(chunk, patch), this.#terms), [count, this.seqLen]));
      }
      return chunks.length === 0 ? tf.zeros([0, this.seqLen], "int32") : tf.concat(chunks, 0);
    });
  }

  /**
   * Turns tokens back into images: each token becomes its code's pixels.
   *
   * @param tokens Token ids, int32 `[N, seqLen]`, in `[0, K)` (not checked: a mask id has no pixels).
   * @returns Images, float32 `[N, height, width]`.
   * @throws {TypeError} If `tokens` is not int32 `[N, seqLen]`.
   */
  decode(tokens: tf.Tensor2D): tf.Tensor3D {
    const action = "decode tokens";
    checkShape(action, "tokens", tokens.shape, [-1, this.seqLen]);
    checkDtype(action, "tokens", tokens.dtype, "int32");
    const { height, width, patch } = this.config;
    return tf.tidy(() => {
      const patches = tf.gather(this.codebook, tf.reshape(tokens, [-1])) as tf.Tensor2D;
      return fromPatches(patches, height, width, patch);
    });
  }

  /**
   * Measures how well `decode(encode(images))` reproduces images, and how the codes are used.
   *
   * @param images float32 `[N, height, width]`, pixels in [0, 1], N ≥ 1.
   * @returns The per-pixel MSE, the PSNR of that MSE, and the codes' usage.
   * @throws {TypeError} If `images` is not float32 `[N, height, width]` with N ≥ 1.
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
  async reconstructionError(images: tf.Tensor3D): Promise<ReconstructionReport> {
    const action = "measure the reconstruction error";
    this.#checkImages(action, images);
    const [n, height, width] = images.shape;
    if (n === 0) throw new TypeError(errorMessage(action, "images", "at least one image", images.shape));
    const counts = new Float64Array(this.config.codebookSize);
    let squaredError = 0;
    for (let start = 0; start < n; start += CHUNK_IMAGES) {
      const count = Math.min(CHUNK_IMAGES, n - start);
      const [tokens, error] = tf.tidy(() => {
        const chunk = tf.slice(images, [start, 0, 0], [count, height, width]);
        const tokens = this.encode(chunk);
        return [tokens, tf.sum(tf.squaredDifference(this.decode(tokens), chunk))];
      });
      const [ids, sum] = await Promise.all([tokens.data(), error.data()]);
      tf.dispose([tokens, error]);
      for (const id of ids) counts[id]++;
      squaredError += sum[0];
    }
    const mse = squaredError / (n * height * width);
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
    await saveSafetensors(path, { codebook: this.codebook }, {
      metadata: { [CONFIG_KEY]: stringifyConfigJson(this.config, 0) },
    });
  }

  /**
   * Loads a tokenizer written by {@linkcode PatchTokenizer.save}.
   *
   * @param path The file.
   * @returns The tokenizer; the caller disposes it.
   * @throws {TypeError} If the file has no tokenizer configuration or no float32 `[K, p²]`
   * `codebook` that matches it.
   * @throws {RangeError} If the stored configuration is invalid.
   * @throws {SafetensorsError} If the file is not valid safetensors.
   */
  static async load(path: string): Promise<PatchTokenizer> {
    const action = `load patch tokenizer "${path}"`;
    const { tensors, metadata } = await loadSafetensors(path);
    try {
      const text = metadata[CONFIG_KEY];
      if (text === undefined) throw new TypeError(errorMessage(action, CONFIG_KEY, "in the metadata", text));
      const config = parseConfigJson<PatchTokenizerConfig>(text);
      checkConfig(action, config);
      const { codebook } = tensors;
      if (codebook === undefined) {
        throw new TypeError(errorMessage(action, "codebook", "a tensor in the file", Object.keys(tensors)));
      }
      checkShape(action, "codebook", codebook.shape, [config.codebookSize, config.patch * config.patch]);
      return new PatchTokenizer(codebook as tf.Tensor2D, config);
    } finally {
      tf.dispose(Object.values(tensors));
    }
  }

  /** Frees the tokenizer's tensors. */
  dispose(): void {
    tf.dispose([this.codebook, this.#terms.codebookT, this.#terms.codeNorms]);
  }

  #checkImages(action: string, images: tf.Tensor3D): void {
    checkShape(action, "images", images.shape, [-1, this.config.height, this.config.width]);
    checkDtype(action, "images", images.dtype, "float32");
  }
}
