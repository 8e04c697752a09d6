/**
 * A small CLIP-shaped image–text dual encoder for 32 × 32 RGB scenes: a CNN image tower, a
 * transformer text tower ({@linkcode encodeText} under the prefix `text`), linear projections of
 * both into one joint space (or bilinear pooling), L2-normalised embeddings and a learned
 * temperature. Trained contrastively it stands in for CLIP (the teacher's pre-trained text
 * encoder is its `text.*` weights) and, pooled bilinearly and trained to rank degraded images and
 * perturbed prompts below the true ones, for HPS.
 *
 * @module
 */
import * as tf from "../backend/tf.ts";
import { valueRange } from "../backend/check.ts";
import { SCENE_PROMPT_MAX_WORDS, SCENE_VOCABULARY } from "../data/mod.ts";
import type { Rng } from "../rng/mod.ts";
import {
  checkDtype,
  checkInRange,
  checkInteger,
  checkOneOf,
  checkShape,
  errorMessage,
} from "../validate/mod.ts";
import { resolveTextEncoderConfig, type TextEncoderConfig } from "./config.ts";
import { conv2dSame, maxPool2 } from "./_conv.ts";
import { type FanInSpec, heLayer, heWeights } from "./_he_init.ts";
import { linear } from "./layers.ts";
import { ParameterStore } from "./_params.ts";
import { encodeText, textEncoderSpecs } from "./_text_encoder.ts";
import { bilinearImage, bilinearSpecs, bilinearText, bilinearWidth } from "./_bilinear_pooling.ts";

/** The shape of a {@linkcode DualEncoder}. */
export interface DualEncoderConfig {
  /** S: images are S × S RGB; a multiple of 4 (two 2× poolings). @default {32} (scenes) */
  readonly imageSize: number;
  /** Output channels of the image tower's two 3 × 3 convolutions. @default {[16, 32]} */
  readonly channels: readonly [number, number];
  /**
   * What the image tower's convolutions see: the RGB pixels, or each pixel's saturation (max − min
   * over the channels), blind to hue, so that what they learn of a shape holds in every colour.
   * @default {"rgb"}
   */
  readonly convInput: "rgb" | "saturation";
  /**
   * How both towers make their embedding:
   * - `dense`: the image tower's whole feature map through a dense layer (`featureWidth`) and a
   *   projection; the text tower's pooled state through a projection; both E = `embedWidth` wide;
   * - `bilinear`: Σ over the feature map's cells of [colour features of its pixels (`colorWidth`),
   *   x, y, 1] ⊗ parts features of the cell (`featureWidth`), and Σ over the prompt's words of two
   *   projections of their states, one of each width: E = (`colorWidth` + 3) · `featureWidth`.
   * @default {"dense"}
   */
  readonly pooling: "dense" | "bilinear";
  /**
   * `dense`: the width of the image tower's dense layer before its projection; `bilinear`: the
   * width of the parts features.
   * @default {128}
   */
  readonly featureWidth: number;
  /** `bilinear` only: colour features per pixel. @default {8} */
  readonly colorWidth: number;
  /** E: the width of the joint embedding space; `bilinear` sets it (see `pooling`). @default {64} */
  readonly embedWidth: number;
  /**
   * The text tower, named `text.*` like the teacher's text encoder.
   * @default {the scene vocabulary, context 10, width 32, 2 heads, 2 layers, MLP ratio 4}
   */
  readonly text: TextEncoderConfig;
  /**
   * τ at initialisation: similarities are multiplied by 1/τ, learned as `logit_scale` = log(1/τ)
   * and capped at 100 (CLIP's choices).
   * @default {0.07}
   */
  readonly temperature: number;
}

/** A partial {@linkcode DualEncoderConfig}: `text` fields override the default text tower's one by one. */
export type DualEncoderOverrides = Partial<Omit<DualEncoderConfig, "text">> & {
  readonly text?: Partial<TextEncoderConfig>;
};

/** The defaults of {@linkcode DualEncoderConfig}: a tower pair for scenes and their prompts. */
export const DEFAULT_DUAL_ENCODER_CONFIG: DualEncoderConfig = Object.freeze({
  imageSize: 32,
  channels: Object.freeze([16, 32]) as readonly [number, number],
  convInput: "rgb",
  pooling: "dense",
  featureWidth: 128,
  colorWidth: 8,
  embedWidth: 64,
  text: Object.freeze({
    vocabSize: SCENE_VOCABULARY.length + 2,
    contextLength: SCENE_PROMPT_MAX_WORDS,
    width: 32,
    heads: 2,
    layers: 2,
    mlpRatio: 4,
  }),
  temperature: 0.07,
});

const FIELDS = Object.keys(DEFAULT_DUAL_ENCODER_CONFIG) as (keyof DualEncoderConfig)[];

/** The largest multiplier of the similarities, as in CLIP. */
const MAX_LOGIT_SCALE = 100;

/**
 * Checks a partial {@linkcode DualEncoderConfig} and fills defaults.
 *
 * @param config Fields to override.
 * @returns The complete, frozen configuration.
 * @throws {RangeError} If a field is unknown, a size is not a positive integer, `imageSize` is
 *   not a multiple of 4, the text tower is invalid, or `temperature` is outside (0, 1].
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { resolveDualEncoderConfig } from "@dimo/dimo";
 * const config = resolveDualEncoderConfig({ embedWidth: 16, text: { layers: 1 } });
 * assert.deepEqual([config.embedWidth, config.text.layers, config.text.contextLength], [16, 1, 10]);
 * assert.throws(() => resolveDualEncoderConfig({ imageSize: 30 }), /'imageSize' must be a multiple of 4/);
 * ```
 */
export function resolveDualEncoderConfig(config: DualEncoderOverrides = {}): DualEncoderConfig {
  const action = "configure the dual encoder";
  for (const key of Object.keys(config)) checkOneOf(action, "field", key, FIELDS);
  const c = {
    ...DEFAULT_DUAL_ENCODER_CONFIG,
    ...config,
    text: { ...DEFAULT_DUAL_ENCODER_CONFIG.text, ...config.text },
  };
  checkInteger(action, "imageSize", c.imageSize, 4);
  if (c.imageSize % 4 !== 0) {
    throw new RangeError(errorMessage(action, "imageSize", "a multiple of 4", c.imageSize));
  }
  if (!Array.isArray(c.channels) || c.channels.length !== 2) {
    throw new RangeError(errorMessage(action, "channels", "two channel counts", c.channels));
  }
  c.channels.forEach((n, i) => checkInteger(action, `channels[${i}]`, n, 1));
  checkOneOf(action, "convInput", c.convInput, ["rgb", "saturation"]);
  checkOneOf(action, "pooling", c.pooling, ["dense", "bilinear"]);
  checkInteger(action, "featureWidth", c.featureWidth, 1);
  checkInteger(action, "colorWidth", c.colorWidth, 1);
  if (c.pooling === "bilinear") {
    const width = bilinearWidth(c.colorWidth, c.featureWidth);
    if (config.embedWidth !== undefined && config.embedWidth !== width) {
      const rule = `(colorWidth + 3) · featureWidth = ${width} with bilinear pooling`;
      throw new RangeError(errorMessage(action, "embedWidth", rule, config.embedWidth));
    }
    c.embedWidth = width;
  }
  checkInteger(action, "embedWidth", c.embedWidth, 1);
  checkInRange(action, "temperature", c.temperature, 1 / MAX_LOGIT_SCALE, 1);
  return Object.freeze({
    ...c,
    channels: Object.freeze([...c.channels]) as readonly [number, number],
    text: resolveTextEncoderConfig(c.text, action),
  });
}

function imageSpecs(config: DualEncoderConfig): FanInSpec[] {
  const { imageSize, channels: [c1, c2], featureWidth } = config;
  const flat = (imageSize / 4) ** 2 * c2;
  const inputs = config.convInput === "saturation" ? 1 : 3;
  const convs = [
    ...heLayer("image.conv1", [3, 3, inputs, c1], 9 * inputs),
    ...heLayer("image.conv2", [3, 3, c1, c2], 9 * c1),
  ];
  return config.pooling === "bilinear"
    ? convs
    : [...convs, ...heLayer("image.fc", [flat, featureWidth], flat)];
}

/** The projections into the joint space (no bias, as CLIP's), or the bilinear head. */
function jointSpecs(config: DualEncoderConfig): FanInSpec[] {
  const { featureWidth, embedWidth, text } = config;
  if (config.pooling === "bilinear") {
    const { channels: [, convChannels], colorWidth } = config;
    return bilinearSpecs({ convChannels, colorWidth, partsWidth: featureWidth, text });
  }
  return [
    { name: "image_proj.weight", shape: [featureWidth, embedWidth], init: "normal", fanIn: featureWidth },
    { name: "text_proj.weight", shape: [text.width, embedWidth], init: "normal", fanIn: text.width },
  ];
}

/** Where a {@linkcode DualEncoder}'s weights come from: a seeded initialiser or given tensors. */
export type DualEncoderSource =
  | { readonly rng: Rng }
  | { readonly weights: Readonly<Record<string, tf.Tensor>> };

/**
 * A batch of contrastive pairs: image i goes with prompt i; the negatives go with none. With a
 * ranking term ({@linkcode ContrastiveLossOptions}), negative image i and negative prompt i are
 * pair i's own: a degraded copy of its image and a perturbation of its prompt.
 */
export interface ContrastiveBatch {
  /** Images, float32 `[B, S, S, 3]`, pixels in [0, 1]. */
  readonly images: tf.Tensor4D;
  /** Their prompts' ids, int32 `[B, P]`. */
  readonly prompts: tf.Tensor2D;
  /** Images that match no prompt (degraded copies), float32 `[K, S, S, 3]`. */
  readonly negativeImages?: tf.Tensor4D;
  /** Prompts that match no image (perturbed prompts), int32 `[M, P]`. */
  readonly negativePrompts?: tf.Tensor2D;
}

/** Options of the embedding methods of {@linkcode DualEncoder}. */
export interface EmbedOptions {
  /** Inputs per forward pass, bounding memory. @default {256} */
  readonly batch?: number;
  /**
   * Whether to read the inputs' range back and check it (pixels in [0, 1], ids below the
   * vocabulary size); skipped on webgpu, which cannot read back synchronously.
   * @default {true}
   */
  readonly validateRange?: boolean;
}

/** Options of {@linkcode DualEncoder.contrastiveLoss}. */
export interface ContrastiveLossOptions {
  /**
   * Weight of the ranking term: the mean over pairs of softplus(s·(negative − positive)), s the
   * logit scale, for the pair's image against its own negative prompt and its prompt against its
   * own negative image (both needed, one per pair). 0 leaves plain InfoNCE.
   * @default {0}
   */
  readonly rankingWeight?: number;
}

const l2Normalise = (x: tf.Tensor2D): tf.Tensor2D =>
  tf.div(x, tf.sqrt(tf.add(tf.sum(tf.square(x), 1, true), 1e-12)));

/**
 * A CLIP-shaped dual encoder. Image tower: 3 × 3 convolution (16 channels) → ReLU → 2 × 2 max
 * pool → 3 × 3 convolution (32) → ReLU → max pool → dense (128) → ReLU → `image_proj`. The dense
 * layer sees the whole feature map, so positions (relations) survive. Text tower:
 * {@linkcode encodeText} → pooled state → `text_proj`. Both embeddings are L2-normalised; their
 * dot product is a cosine in [-1, 1].
 *
 * Parameters: `image.conv1.weight` … `image.fc.bias`, `image_proj.weight`, `text.tok_emb.weight`,
 * `text.pos_emb`, `text.blocks.i.…`, `text.ln_f.*`, `text_proj.weight`, `logit_scale`.
 *
 * Variants (see {@linkcode DualEncoderConfig}): `convInput: "saturation"` feeds the convolutions
 * each pixel's saturation instead of RGB; `pooling: "bilinear"` replaces the dense layer and both
 * projections by sums of outer products over image cells and prompt words, with parameters
 * `image.color.*`, `image.parts.*`, `text_proj.color` and `text_proj.parts` instead.
 *
 * @example Embeddings of two images and two prompts
 * ```ts
 * import assert from "node:assert";
 * import { createPromptTokenizer, createRng, DualEncoder, resolveDualEncoderConfig, tf, useBackend } from "@dimo/dimo";
 * await useBackend("cpu");
 * const encoder = new DualEncoder(resolveDualEncoderConfig({ embedWidth: 8 }), { rng: createRng(0) });
 * const ids = createPromptTokenizer().encodeBatch(["a photo of a square", "a sketch of two bars"]);
 * const [images, texts] = [encoder.embedImages(tf.zeros([2, 32, 32, 3])), encoder.embedPrompts(ids)];
 * assert.deepEqual([images.shape, texts.shape], [[2, 8], [2, 8]]);
 * const norms = tf.norm(texts, 2, 1);
 * assert.ok((await norms.data()).every((n) => Math.abs(n - 1) < 1e-5));
 * tf.dispose([ids, images, texts, norms]);
 * encoder.dispose();
 * ```
 */
export class DualEncoder {
  /** The resolved configuration. */
  readonly config: DualEncoderConfig;
  readonly #params: ParameterStore;

  /**
   * Creates the model's variables.
   *
   * @param config A configuration from {@linkcode resolveDualEncoderConfig}.
   * @param source `{ rng }` for fresh weights (He-normal in the image tower and projections, the
   *   transformer's truncated normal in the text tower), or `{ weights }` to copy named tensors.
   * @throws {TypeError} If given weights miss a name, have an extra one, or a wrong shape.
   */
  constructor(config: DualEncoderConfig, source: DualEncoderSource) {
    this.config = config;
    const textSpecs = textEncoderSpecs("text", config.text);
    const heSpecs = [...imageSpecs(config), ...jointSpecs(config)];
    const specs = [...imageSpecs(config), ...textSpecs, ...jointSpecs(config), {
      name: "logit_scale",
      shape: [],
      init: "zeros" as const,
    }];
    if ("weights" in source) {
      this.#params = ParameterStore.fromWeights(specs, source.weights);
      return;
    }
    const text = ParameterStore.initialise(textSpecs, source.rng.fork("text"));
    const weights = {
      ...heWeights(heSpecs, source.rng.fork("he")),
      ...text.named(),
      logit_scale: tf.scalar(Math.log(1 / config.temperature)),
    };
    try {
      this.#params = ParameterStore.fromWeights(specs, weights);
    } finally {
      tf.dispose(Object.values(weights));
    }
  }

  #p = (name: string): tf.Tensor => this.#params.get(name);

  #imageForward(images: tf.Tensor4D): tf.Tensor2D {
    const p = this.#p;
    const block = (x: tf.Tensor4D, name: string) =>
      maxPool2(tf.relu(tf.add(conv2dSame(x, p(`${name}.weight`) as tf.Tensor4D), p(`${name}.bias`))));
    // Saturation: the background and shadows are grey, every palette colour is saturated.
    const input = this.config.convInput === "saturation"
      ? tf.sub(tf.max(images, 3, true), tf.min(images, 3, true)) as tf.Tensor4D
      : images;
    const h = block(block(input, "image.conv1"), "image.conv2");
    if (this.config.pooling === "bilinear") return l2Normalise(bilinearImage(images, h, p));
    const flat = tf.reshape(h, [h.shape[0], -1]);
    const features = tf.relu(linear(flat, p("image.fc.weight"), p("image.fc.bias")));
    return l2Normalise(tf.matMul(features, p("image_proj.weight")) as tf.Tensor2D);
  }

  #textForward(ids: tf.Tensor2D): tf.Tensor2D {
    if (this.config.pooling === "bilinear") return l2Normalise(bilinearText(ids, this.#p, this.config.text));
    const { pooled } = encodeText(ids, "text", this.#p, this.config.text);
    return l2Normalise(tf.matMul(pooled, this.#p("text_proj.weight")));
  }

  #inBatches(x: tf.Tensor, batch: number, forward: (part: tf.Tensor) => tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => {
      const parts: tf.Tensor2D[] = [];
      for (let start = 0; start < x.shape[0]; start += batch) {
        const size = Math.min(batch, x.shape[0] - start);
        parts.push(tf.tidy(() => forward(tf.slice(x, start, size))));
      }
      return tf.concat(parts);
    });
  }

  /**
   * Embeds images, in batches.
   *
   * @param images RGB images, float32 `[N, S, S, 3]`, pixels in [0, 1].
   * @param options Batch size and the range check.
   * @returns Unit-norm embeddings, float32 `[N, E]`; the caller disposes them.
   * @throws {TypeError} If `images` is not float32 `[N, S, S, 3]`.
   * @throws {RangeError} If there are no images, a pixel lies outside [0, 1], or `batch` is not a positive integer.
   */
  embedImages(images: tf.Tensor4D, options: EmbedOptions = {}): tf.Tensor2D {
    const { batch = 256, validateRange = true } = options;
    const action = "embed images";
    checkInteger(action, "batch", batch, 1);
    const s = this.config.imageSize;
    checkShape(action, "images", images.shape, [-1, s, s, 3]);
    checkDtype(action, "images", images.dtype, "float32");
    if (images.shape[0] === 0) {
      throw new RangeError(errorMessage(action, "images", "at least one image", "[]"));
    }
    const range = validateRange ? valueRange(images) : undefined;
    if (range !== undefined && !(range[0] >= 0 && range[1] <= 1)) {
      throw new RangeError(errorMessage(action, "images", "pixels in [0, 1]", `[${range[0]}, ${range[1]}]`));
    }
    return this.#inBatches(images, batch, (x) => this.#imageForward(x as tf.Tensor4D));
  }

  /**
   * Embeds prompts, in batches.
   *
   * @param ids Prompt ids, int32 `[B, P]` (e.g. from `createPromptTokenizer().encodeBatch`).
   * @param options Batch size and the range check.
   * @returns Unit-norm embeddings, float32 `[B, E]`; the caller disposes them.
   * @throws {TypeError} If `ids` is not int32 `[B, P]` with P the text tower's context length.
   * @throws {RangeError} If there are no prompts, an id lies outside the vocabulary, or `batch` is not a positive integer.
   */
  embedPrompts(ids: tf.Tensor2D, options: EmbedOptions = {}): tf.Tensor2D {
    const { batch = 256, validateRange = true } = options;
    const action = "embed prompts";
    checkInteger(action, "batch", batch, 1);
    const { contextLength, vocabSize } = this.config.text;
    checkShape(action, "ids", ids.shape, [-1, contextLength]);
    checkDtype(action, "ids", ids.dtype, "int32");
    if (ids.shape[0] === 0) throw new RangeError(errorMessage(action, "ids", "at least one prompt", "[]"));
    const range = validateRange ? valueRange(ids) : undefined;
    if (range !== undefined && !(range[0] >= 0 && range[1] < vocabSize)) {
      throw new RangeError(
        errorMessage(action, "ids", `ids in [0, ${vocabSize - 1}]`, `[${range[0]}, ${range[1]}]`),
      );
    }
    return this.#inBatches(ids, batch, (x) => this.#textForward(x as tf.Tensor2D));
  }

  /**
   * The multiplier of the cosines in the contrastive loss, 1/τ = exp(`logit_scale`) capped at 100.
   *
   * @returns A float32 scalar; the caller disposes it.
   */
  logitScale(): tf.Scalar {
    return tf.tidy(() => tf.minimum(tf.exp(this.#p("logit_scale")), MAX_LOGIT_SCALE) as tf.Scalar);
  }

  /**
   * The symmetric InfoNCE loss of a batch, for training (inputs not checked): the mean of the
   * image→prompt cross-entropy over the batch's prompts and the negative prompts, and the
   * prompt→image cross-entropy over the batch's images and the negative images. Another pair of
   * the batch with the very same prompt ids is no negative: its logit is masked out. With a
   * `rankingWeight`, plus that weight times the ranking term of each pair against its own
   * negatives (see {@linkcode ContrastiveLossOptions}).
   *
   * @param batch The pairs and the negatives.
   * @param options The ranking term's weight.
   * @returns A float32 scalar.
   * @throws {RangeError} If `rankingWeight` is negative, or positive without one negative image
   *   and one negative prompt per pair.
   */
  contrastiveLoss(batch: ContrastiveBatch, options: ContrastiveLossOptions = {}): tf.Scalar {
    const { rankingWeight = 0 } = options;
    const action = "compute the contrastive loss";
    checkInRange(action, "rankingWeight", rankingWeight, 0, Infinity);
    if (rankingWeight > 0) {
      const b = batch.images.shape[0];
      for (const field of ["negativeImages", "negativePrompts"] as const) {
        const rows = batch[field]?.shape[0] ?? 0;
        if (rows !== b) throw new RangeError(errorMessage(action, field, `one per pair (${b})`, rows));
      }
    }
    return tf.tidy(() => {
      const { images, prompts, negativeImages, negativePrompts } = batch;
      const b = images.shape[0];
      const allImages = negativeImages ? tf.concat([images, negativeImages]) : images;
      const allPrompts = negativePrompts ? tf.concat([prompts, negativePrompts]) : prompts;
      const imageEmb = this.#imageForward(allImages as tf.Tensor4D);
      const textEmb = this.#textForward(allPrompts as tf.Tensor2D);
      const scale = this.logitScale();
      const crossEntropy = (anchors: tf.Tensor2D, others: tf.Tensor2D, mask: tf.Tensor) => {
        const logits = tf.mul(tf.matMul(anchors, others, false, true), scale);
        const masked = tf.where(mask, tf.fill(logits.shape, -1e9), logits);
        const target = tf.oneHot(tf.range(0, b, 1, "int32"), others.shape[0]);
        return tf.neg(tf.mean(tf.sum(tf.mul(target, tf.logSoftmax(masked)), 1)));
      };
      // A column with the same ids as pair i, other than pair i itself, repeats its prompt: no negative.
      const notSelf = (columns: number) =>
        tf.logicalNot(tf.cast(tf.oneHot(tf.range(0, b, 1, "int32"), columns), "bool"));
      const sameIds = (others: tf.Tensor) =>
        tf.all(tf.equal(tf.expandDims(prompts, 1), tf.expandDims(others, 0)), 2);
      const textColumns = allPrompts.shape[0];
      const imageColumns = allImages.shape[0];
      const imageToText = crossEntropy(
        tf.slice(imageEmb, 0, b),
        textEmb,
        tf.logicalAnd(sameIds(allPrompts), notSelf(textColumns)),
      );
      const repeated = tf.pad(tf.cast(sameIds(prompts), "int32"), [[0, 0], [0, imageColumns - b]]);
      const textToImage = crossEntropy(
        tf.slice(textEmb, 0, b),
        imageEmb,
        tf.logicalAnd(tf.cast(repeated, "bool"), notSelf(imageColumns)),
      );
      const infoNce = tf.div(tf.add(imageToText, textToImage), 2) as tf.Scalar;
      if (rankingWeight === 0) return infoNce;
      const rowCosines = (x: tf.Tensor2D, y: tf.Tensor2D) => tf.sum(tf.mul(x, y), 1);
      const [image, prompt] = [tf.slice(imageEmb, 0, b), tf.slice(textEmb, 0, b)];
      const positive = rowCosines(image, prompt);
      const margins = tf.concat([
        tf.sub(rowCosines(image, tf.slice(textEmb, b, b)), positive),
        tf.sub(rowCosines(tf.slice(imageEmb, b, b), prompt), positive),
      ]);
      const ranking = tf.mean(tf.softplus(tf.mul(margins, scale)));
      return tf.add(infoNce, tf.mul(ranking, rankingWeight)) as tf.Scalar;
    });
  }

  /**
   * The variables an optimiser updates.
   *
   * @returns Every trainable variable, in parameter order.
   */
  trainableVariables(): tf.Variable[] {
    return this.#params.trainable();
  }

  /**
   * Every parameter by name, for checkpoints. The variables are the model's own: do not dispose
   * them.
   *
   * @returns The variables keyed by name.
   */
  namedWeights(): Record<string, tf.Variable> {
    return this.#params.named();
  }

  /**
   * The text tower's parameters (`text.tok_emb.weight`, `text.pos_emb`, `text.blocks.i.…`,
   * `text.ln_f.*`), named as the teacher names its frozen text encoder. The variables are the
   * model's own: copy them, do not dispose them.
   *
   * @returns The variables keyed by name.
   */
  textEncoderWeights(): Record<string, tf.Variable> {
    return Object.fromEntries(
      Object.entries(this.#params.named()).filter(([name]) => name.startsWith("text.")),
    );
  }

  /** Disposes the model's variables. */
  dispose(): void {
    this.#params.dispose();
  }
}
