/**
 * The VQGAN tokenizer of MaskGIT's ImageNet models (taming-transformers' `VQModel`, checkpoint
 * `vqgan_imagenet_f16_1024`), for inference: images to codebook ids and back, with parameters
 * named as the official state dict so a converted checkpoint loads as is.
 *
 * @module
 */
import * as tf from "../backend/tf.ts";
import { valueRange } from "../backend/check.ts";
import { embed } from "../backend/ops.ts";
import type { Rng } from "../rng/mod.ts";
import { checkDtype, checkInteger, checkShape, errorMessage } from "../validate/mod.ts";
import type { ParamLookup } from "./_blocks.ts";
import { type ParameterSpec, ParameterStore } from "./_params.ts";
import {
  attnBlock,
  conv,
  downsample,
  nearestCode,
  norm,
  resBlock,
  swish,
  upsample,
} from "./_vqgan_layers.ts";
import { type VqganConfig, vqganParameterShapes } from "./vqgan_config.ts";

/** Where a {@linkcode Vqgan}'s weights come from: a seeded initialiser (tests) or given tensors. */
export type VqganSource =
  | { readonly rng: Rng }
  | { readonly weights: Readonly<Record<string, tf.Tensor>> };

/** Options of {@linkcode Vqgan.encode}. */
export interface VqganEncodeOptions {
  /** Images per forward pass, bounding memory (a 256 × 256 × 128 float32 map is 32 MiB). @default {2} */
  readonly batch?: number;
  /**
   * Whether to read the input's range back and check it (pixels in [0, 1] to encode, ids ≥ 0 to
   * decode); skipped on webgpu, which cannot read back synchronously.
   * @default {true}
   */
  readonly validateRange?: boolean;
}

/** Options of {@linkcode Vqgan.decode}. */
export interface VqganDecodeOptions extends VqganEncodeOptions {
  /** The token grid `[h, w]`, rows of `w` tokens. @default {a square grid} */
  readonly grid?: readonly [number, number];
}

/** Test-only initial values: GroupNorm scales 1, biases 0, convolutions and codebook N(0, 0.02). */
function initialiser(name: string, shape: readonly number[]): ParameterSpec["init"] {
  if (name.endsWith(".bias")) return "zeros";
  return shape.length === 1 ? "ones" : "normal";
}

const DEFAULT_BATCH = 2;

/**
 * A VQGAN: a convolutional encoder to a grid of latents, each replaced by the id of its nearest
 * codebook entry, and a decoder from the entries back to pixels. The token grid is the image
 * over f = 2^(levels − 1) (16 × 16 tokens per 256 × 256 image for the ImageNet tokenizer).
 *
 * Parameters are named as taming's state dict (`encoder.conv_in.weight`,
 * `encoder.down.0.block.0.norm1.weight`, …, `decoder.up.4.attn.0.q.weight`, …,
 * `quantize.embedding.weight`, `quant_conv.*`, `post_quant_conv.*`; see
 * {@linkcode vqganParameterShapes}); convolutions are stored `[kh, kw, in, out]`.
 *
 * @example Tokenise two images and decode the tokens
 * ```ts
 * import assert from "node:assert";
 * import { createRng, resolveVqganConfig, tf, useBackend, Vqgan } from "@dimo/dimo";
 * await useBackend("cpu");
 * const config = resolveVqganConfig({
 *   channels: 32, channelMultipliers: [1, 2], resBlocks: 1, resolution: 16, attentionResolutions: [8],
 *   latentChannels: 8, embedDim: 8, codebookSize: 16,
 * });
 * const vqgan = new Vqgan(config, { rng: createRng(0) });
 * const images = tf.randomUniform([2, 16, 16, 3], 0, 1, "float32", 1) as tf.Tensor4D;
 * const tokens = vqgan.encode(images);
 * assert.deepEqual([tokens.shape, tokens.dtype], [[2, 64], "int32"]);
 * const decoded = vqgan.decode(tokens);
 * assert.deepEqual(decoded.shape, [2, 16, 16, 3]);
 * tf.dispose([images, tokens, decoded]);
 * vqgan.dispose();
 * ```
 */
export class Vqgan {
  /** The resolved configuration. */
  readonly config: VqganConfig;
  /** f: the image side over the token grid's side, 2^(levels − 1). */
  readonly factor: number;
  readonly #params: ParameterStore;
  readonly #names: Set<string>;

  /**
   * Creates the model's variables.
   *
   * @param config A configuration from {@linkcode resolveVqganConfig}.
   * @param source `{ rng }` for test-only weights, or `{ weights }` to copy named tensors (a
   *   converted checkpoint).
   * @throws {TypeError} If given weights miss a name, have an extra one, a wrong shape or dtype.
   */
  constructor(config: VqganConfig, source: VqganSource) {
    this.config = config;
    this.factor = 2 ** (config.channelMultipliers.length - 1);
    const specs = vqganParameterShapes(config).map(({ name, shape }) => ({
      name,
      shape,
      init: initialiser(name, shape),
    }));
    this.#params = "weights" in source
      ? ParameterStore.fromWeights(specs, source.weights)
      : ParameterStore.initialise(specs, source.rng);
    this.#names = new Set(specs.map((s) => s.name));
  }

  #p: ParamLookup = (name) => this.#params.get(name);

  /** Applies a level's residual blocks, each followed by its attention block where the level has them. */
  #level(h: tf.Tensor4D, prefix: string, blocks: number): tf.Tensor4D {
    for (let i = 0; i < blocks; i++) {
      h = replace(h, (x) => resBlock(x, `${prefix}.block.${i}`, this.#p));
      if (this.#names.has(`${prefix}.attn.${i}.norm.weight`)) {
        h = replace(h, (x) => attnBlock(x, `${prefix}.attn.${i}`, this.#p));
      }
    }
    return h;
  }

  /** `mid.block_1` → `mid.attn_1` → `mid.block_2`. */
  #mid(h: tf.Tensor4D, prefix: string): tf.Tensor4D {
    h = replace(h, (x) => resBlock(x, `${prefix}.block_1`, this.#p));
    h = replace(h, (x) => attnBlock(x, `${prefix}.attn_1`, this.#p));
    return replace(h, (x) => resBlock(x, `${prefix}.block_2`, this.#p));
  }

  /** GroupNorm → swish → convolution: the end of the encoder and of the decoder. */
  #out(h: tf.Tensor4D, prefix: string): tf.Tensor4D {
    return replace(
      h,
      (x) => conv(swish(norm(x, `${prefix}.norm_out`, this.#p)), `${prefix}.conv_out`, this.#p),
    );
  }

  #encodeBatch(images: tf.Tensor4D): tf.Tensor2D {
    const p = this.#p;
    const levels = this.config.channelMultipliers.length;
    let h = conv(tf.sub(tf.mul(images, 2), 1), "encoder.conv_in", p);
    for (let level = 0; level < levels; level++) {
      h = this.#level(h, `encoder.down.${level}`, this.config.resBlocks);
      if (level < levels - 1) {
        h = replace(h, (x) => downsample(x, `encoder.down.${level}.downsample.conv`, p));
      }
    }
    h = this.#out(this.#mid(h, "encoder.mid"), "encoder");
    const z = conv(h, "quant_conv", p);
    const [b, gh, gw, d] = z.shape;
    const ids = nearestCode(tf.reshape(z, [b * gh * gw, d]), p("quantize.embedding.weight") as tf.Tensor2D);
    return tf.reshape(ids, [b, gh * gw]);
  }

  #decodeBatch(tokens: tf.Tensor2D, grid: readonly [number, number]): tf.Tensor4D {
    const p = this.#p;
    const { codebookSize, embedDim, resBlocks } = this.config;
    // MaskGIT clamps the mask id (codebookSize) to the last code before decoding.
    const ids = tf.minimum(tf.reshape(tokens, [-1]), tf.scalar(codebookSize - 1, "int32"));
    const latents = tf.reshape(embed(p("quantize.embedding.weight"), ids), [
      tokens.shape[0],
      ...grid,
      embedDim,
    ]);
    let h = conv(conv(latents as tf.Tensor4D, "post_quant_conv", p), "decoder.conv_in", p);
    h = this.#mid(h, "decoder.mid");
    for (let level = this.config.channelMultipliers.length - 1; level >= 0; level--) {
      h = this.#level(h, `decoder.up.${level}`, resBlocks + 1);
      if (level > 0) h = replace(h, (x) => upsample(x, `decoder.up.${level}.upsample.conv`, p));
    }
    const x = this.#out(h, "decoder");
    return tf.div(tf.add(tf.clipByValue(x, -1, 1), 1), 2);
  }

  /**
   * Tokenises images: pixels x ∈ [0, 1] become 2x − 1, run through the encoder and `quant_conv`,
   * and each latent becomes the id of its nearest codebook entry (squared distance, first index
   * on ties), as MaskGIT's trainer does.
   *
   * @param images RGB images, float32 `[B, H, W, inChannels]`, pixels in [0, 1]; H and W
   *   multiples of f (any size: `resolution` only places attention).
   * @param options Batch size and the range check.
   * @returns Token ids, int32 `[B, (H / f) · (W / f)]`, row-major over the token grid; the caller
   *   disposes them.
   * @throws {TypeError} If `images` is not float32 `[B, H, W, inChannels]` with H, W multiples of f.
   * @throws {RangeError} If there are no images, a pixel lies outside [0, 1], or `batch` is not a positive integer.
   */
  encode(images: tf.Tensor4D, options: VqganEncodeOptions = {}): tf.Tensor2D {
    const { batch = DEFAULT_BATCH, validateRange = true } = options;
    const action = "encode images";
    checkInteger(action, "batch", batch, 1);
    checkShape(action, "images", images.shape, [-1, -1, -1, this.config.inChannels]);
    checkDtype(action, "images", images.dtype, "float32");
    const [n, height, width] = images.shape;
    if (height === 0 || width === 0 || height % this.factor !== 0 || width % this.factor !== 0) {
      throw new TypeError(
        errorMessage(
          action,
          "images",
          `of height and width positive multiples of ${this.factor}`,
          images.shape,
        ),
      );
    }
    if (n === 0) throw new RangeError(errorMessage(action, "images", "at least one image", images.shape));
    const range = validateRange ? valueRange(images) : undefined;
    if (range !== undefined && !(range[0] >= 0 && range[1] <= 1)) {
      throw new RangeError(errorMessage(action, "images", "pixels in [0, 1]", `[${range[0]}, ${range[1]}]`));
    }
    return inBatches(images, batch, (x) => this.#encodeBatch(x as tf.Tensor4D));
  }

  /**
   * Decodes token ids to images: codebook lookup, `post_quant_conv`, the decoder, then
   * (clamp(x, −1, 1) + 1) / 2. Ids ≥ `codebookSize` (the mask token) are clamped to
   * `codebookSize − 1`, as MaskGIT does.
   *
   * @param tokens Token ids, int32 `[B, h · w]`, row-major over the grid.
   * @param options The grid (square by default), batch size and the range check.
   * @returns Images, float32 `[B, h · f, w · f, outChannels]` in [0, 1]; the caller disposes them.
   * @throws {TypeError} If `tokens` is not int32 `[B, L]`, or L is not h · w.
   * @throws {RangeError} If there are no rows, an id is negative, or `batch` is not a positive integer.
   */
  decode(tokens: tf.Tensor2D, options: VqganDecodeOptions = {}): tf.Tensor4D {
    const { batch = DEFAULT_BATCH, validateRange = true } = options;
    const action = "decode tokens";
    checkInteger(action, "batch", batch, 1);
    checkShape(action, "tokens", tokens.shape, [-1, -1]);
    checkDtype(action, "tokens", tokens.dtype, "int32");
    const [n, length] = tokens.shape;
    const side = Math.round(Math.sqrt(length));
    const grid = options.grid ?? [side, side];
    grid.forEach((size, i) => checkInteger(action, `grid[${i}]`, size, 1));
    if (grid[0] * grid[1] !== length) {
      const rule = options.grid
        ? `of shape [*, ${grid[0] * grid[1]}] for grid [${grid}]`
        : "a square grid of tokens per row (or pass 'grid')";
      throw new TypeError(errorMessage(action, "tokens", rule, tokens.shape));
    }
    if (n === 0) throw new RangeError(errorMessage(action, "tokens", "at least one row", tokens.shape));
    const range = validateRange ? valueRange(tokens) : undefined;
    if (range !== undefined && range[0] < 0) {
      throw new RangeError(errorMessage(action, "tokens", "ids ≥ 0", range[0]));
    }
    return inBatches(tokens, batch, (x) => this.#decodeBatch(x as tf.Tensor2D, grid)) as tf.Tensor4D;
  }

  /**
   * Every parameter by name, for checkpoints. The variables are the model's own: do not dispose
   * them.
   *
   * @returns The variables keyed by their state-dict names.
   */
  namedWeights(): Record<string, tf.Variable> {
    return this.#params.named();
  }

  /** Disposes the model's variables. */
  dispose(): void {
    this.#params.dispose();
  }
}

/** Applies `f` to `h` and frees `h`, so a long chain holds one feature map at a time. */
function replace(h: tf.Tensor4D, f: (x: tf.Tensor4D) => tf.Tensor4D): tf.Tensor4D {
  const next = tf.tidy(() => f(h));
  h.dispose();
  return next;
}

/** Runs `forward` on slices of at most `batch` rows, each in its own tidy, and joins the results. */
function inBatches<T extends tf.Tensor>(x: tf.Tensor, batch: number, forward: (part: tf.Tensor) => T): T {
  return tf.tidy(() => {
    const parts: T[] = [];
    for (let start = 0; start < x.shape[0]; start += batch) {
      const size = Math.min(batch, x.shape[0] - start);
      parts.push(tf.tidy(() => forward(tf.slice(x, start, size))));
    }
    return tf.concat(parts) as T;
  });
}
