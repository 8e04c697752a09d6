/**
 * The shape of a taming-transformers VQGAN (the tokenizer of MaskGIT's ImageNet models) and the
 * names and shapes of its parameters, computed without allocating any.
 *
 * @module
 */
import { checkInteger, checkOneOf, errorMessage } from "../validate/mod.ts";
import { GROUPS } from "./_vqgan_layers.ts";

/**
 * Hyper-parameters of a {@linkcode Vqgan}, named after taming's `ddconfig` in camelCase. Defaults
 * are `vqgan_imagenet_f16_1024` (taming's `configs/imagenet_vqgan.yaml`), the tokenizer of
 * MaskGIT's ImageNet-256 models: 16 × 16 tokens per 256 × 256 image, 1024 codes.
 */
export interface VqganConfig {
  /**
   * `ch`: the width of the first level; level l has `channels · channelMultipliers[l]`. A
   * multiple of 32, as every GroupNorm has 32 groups.
   * @default {128}
   */
  readonly channels: number;
  /**
   * `ch_mult`: one width multiplier per level; images shrink 2× between levels, so the token
   * grid is the image over 2^(levels − 1).
   * @default {[1, 1, 2, 2, 4]} (f = 16)
   */
  readonly channelMultipliers: readonly number[];
  /**
   * `num_res_blocks`: residual blocks per encoder level (the decoder has one more per level).
   * @default {2}
   */
  readonly resBlocks: number;
  /**
   * `attn_resolutions`: the feature-map sizes, at `resolution`, of the levels that have
   * self-attention after each residual block.
   * @default {[16]}
   */
  readonly attentionResolutions: readonly number[];
  /**
   * The image size the levels' sizes are counted from; it only places attention: other image
   * sizes (multiples of 2^(levels − 1)) run with the same weights.
   * @default {256}
   */
  readonly resolution: number;
  /** `in_channels`: image channels read by the encoder. @default {3} */
  readonly inChannels: number;
  /** `out_ch`: image channels written by the decoder. @default {3} */
  readonly outChannels: number;
  /** `z_channels`: the channels of the encoder's output and the decoder's input. @default {256} */
  readonly latentChannels: number;
  /** `embed_dim`: the width of a codebook entry. @default {256} */
  readonly embedDim: number;
  /** `n_embed`: the number of codebook entries; token ids are `0..codebookSize-1`. @default {1024} */
  readonly codebookSize: number;
}

/** The defaults of {@linkcode VqganConfig}: taming's `vqgan_imagenet_f16_1024`. */
export const DEFAULT_VQGAN_CONFIG: VqganConfig = Object.freeze({
  channels: 128,
  channelMultipliers: Object.freeze([1, 1, 2, 2, 4]),
  resBlocks: 2,
  attentionResolutions: Object.freeze([16]),
  resolution: 256,
  inChannels: 3,
  outChannels: 3,
  latentChannels: 256,
  embedDim: 256,
  codebookSize: 1024,
});

const FIELDS = Object.keys(DEFAULT_VQGAN_CONFIG) as (keyof VqganConfig)[];

/** The feature-map size of each level at the configured resolution, level 0 first. */
function levelResolutions(config: VqganConfig): number[] {
  return config.channelMultipliers.map((_, level) => config.resolution / 2 ** level);
}

function checkIntegerList(action: string, field: string, value: unknown, allowEmpty: boolean): number[] {
  if (!Array.isArray(value) || (!allowEmpty && value.length === 0)) {
    const rule = allowEmpty ? "an array of integers" : "a non-empty array of integers";
    throw new RangeError(errorMessage(action, field, rule, value));
  }
  value.forEach((v, i) => checkInteger(action, `${field}[${i}]`, v, 1));
  return [...value];
}

/**
 * Fills the defaults into a partial configuration and validates every field.
 *
 * @param partial The fields to override; unknown fields are rejected.
 * @returns The complete configuration, frozen.
 * @throws {RangeError} If a field is unknown, a size is not an integer ≥ 1, `channels` is not a
 *   multiple of 32, `channelMultipliers` is empty, `resolution` is not a multiple of
 *   2^(levels − 1), or an attention resolution is not the size of a level.
 *
 * @example A tiny VQGAN and a refused width
 * ```ts
 * import assert from "node:assert";
 * import { resolveVqganConfig } from "@dimo/dimo";
 * const config = resolveVqganConfig({ channels: 32, channelMultipliers: [1, 2], resolution: 16, attentionResolutions: [8] });
 * assert.equal(config.codebookSize, 1024);
 * assert.throws(() => resolveVqganConfig({ channels: 48 }), /'channels' must be a multiple of 32/);
 * ```
 */
export function resolveVqganConfig(partial: Partial<VqganConfig> = {}): VqganConfig {
  const action = "resolve the VQGAN config";
  for (const key of Object.keys(partial)) checkOneOf(action, "field", key, FIELDS);
  const config = { ...DEFAULT_VQGAN_CONFIG, ...partial };
  for (
    const key of [
      "channels",
      "resBlocks",
      "resolution",
      "inChannels",
      "outChannels",
      "latentChannels",
      "embedDim",
      "codebookSize",
    ] as const
  ) {
    checkInteger(action, key, config[key], 1);
  }
  if (config.channels % GROUPS !== 0) {
    throw new RangeError(
      errorMessage(action, "channels", `a multiple of ${GROUPS} (GroupNorm groups)`, config.channels),
    );
  }
  const channelMultipliers = checkIntegerList(action, "channelMultipliers", config.channelMultipliers, false);
  const factor = 2 ** (channelMultipliers.length - 1);
  if (config.resolution % factor !== 0) {
    throw new RangeError(
      errorMessage(action, "resolution", `a multiple of ${factor} (2^(levels - 1))`, config.resolution),
    );
  }
  const attentionResolutions = checkIntegerList(
    action,
    "attentionResolutions",
    config.attentionResolutions,
    true,
  );
  const sizes = levelResolutions({ ...config, channelMultipliers });
  for (const [i, size] of attentionResolutions.entries()) {
    if (!sizes.includes(size)) {
      const rule = `the size of a level (${sizes.join(", ")})`;
      throw new RangeError(errorMessage(action, `attentionResolutions[${i}]`, rule, size));
    }
  }
  return Object.freeze({
    ...config,
    channelMultipliers: Object.freeze(channelMultipliers),
    attentionResolutions: Object.freeze(attentionResolutions),
  });
}

/** A parameter's name, as in the official state dict, and its shape in dimo's layout. */
export interface VqganParameterShape {
  /** The state-dict name, e.g. `encoder.down.0.block.0.norm1.weight`. */
  readonly name: string;
  /** Convolutions `[kh, kw, in, out]`, biases and GroupNorms `[C]`, the codebook `[codebookSize, embedDim]`. */
  readonly shape: readonly number[];
}

/** Whether the level's blocks are followed by self-attention (fixed at build time, as in taming). */
function hasAttention(config: VqganConfig, level: number): boolean {
  return config.attentionResolutions.includes(config.resolution / 2 ** level);
}

function conv(name: string, kernel: number, inputs: number, outputs: number): VqganParameterShape[] {
  return [
    { name: `${name}.weight`, shape: [kernel, kernel, inputs, outputs] },
    { name: `${name}.bias`, shape: [outputs] },
  ];
}

function norm(name: string, width: number): VqganParameterShape[] {
  return [
    { name: `${name}.weight`, shape: [width] },
    { name: `${name}.bias`, shape: [width] },
  ];
}

function resBlock(name: string, inputs: number, outputs: number): VqganParameterShape[] {
  return [
    ...norm(`${name}.norm1`, inputs),
    ...conv(`${name}.conv1`, 3, inputs, outputs),
    ...norm(`${name}.norm2`, outputs),
    ...conv(`${name}.conv2`, 3, outputs, outputs),
    ...(inputs === outputs ? [] : conv(`${name}.nin_shortcut`, 1, inputs, outputs)),
  ];
}

function attnBlock(name: string, width: number): VqganParameterShape[] {
  return [
    ...norm(`${name}.norm`, width),
    ...["q", "k", "v", "proj_out"].flatMap((part) => conv(`${name}.${part}`, 1, width, width)),
  ];
}

function mid(name: string, width: number): VqganParameterShape[] {
  return [
    ...resBlock(`${name}.block_1`, width, width),
    ...attnBlock(`${name}.attn_1`, width),
    ...resBlock(`${name}.block_2`, width, width),
  ];
}

function encoderParameters(config: VqganConfig): VqganParameterShape[] {
  const { channels: ch, channelMultipliers: mult, resBlocks } = config;
  const specs = conv("encoder.conv_in", 3, config.inChannels, ch);
  let width = ch;
  for (const [level, m] of mult.entries()) {
    const prefix = `encoder.down.${level}`;
    const out = ch * m;
    for (let i = 0; i < resBlocks; i++) {
      specs.push(...resBlock(`${prefix}.block.${i}`, i === 0 ? width : out, out));
    }
    if (hasAttention(config, level)) {
      for (let i = 0; i < resBlocks; i++) specs.push(...attnBlock(`${prefix}.attn.${i}`, out));
    }
    if (level < mult.length - 1) specs.push(...conv(`${prefix}.downsample.conv`, 3, out, out));
    width = out;
  }
  return [
    ...specs,
    ...mid("encoder.mid", width),
    ...norm("encoder.norm_out", width),
    ...conv("encoder.conv_out", 3, width, config.latentChannels),
  ];
}

function decoderParameters(config: VqganConfig): VqganParameterShape[] {
  const { channels: ch, channelMultipliers: mult, resBlocks } = config;
  const top = ch * mult[mult.length - 1];
  const levels: VqganParameterShape[][] = [];
  let width = top;
  // Built from the smallest level up, but named and listed by level index (`up.0` first).
  for (let level = mult.length - 1; level >= 0; level--) {
    const prefix = `decoder.up.${level}`;
    const out = ch * mult[level];
    const specs: VqganParameterShape[] = [];
    for (let i = 0; i <= resBlocks; i++) {
      specs.push(...resBlock(`${prefix}.block.${i}`, i === 0 ? width : out, out));
    }
    if (hasAttention(config, level)) {
      for (let i = 0; i <= resBlocks; i++) specs.push(...attnBlock(`${prefix}.attn.${i}`, out));
    }
    if (level > 0) specs.push(...conv(`${prefix}.upsample.conv`, 3, out, out));
    levels[level] = specs;
    width = out;
  }
  return [
    ...conv("decoder.conv_in", 3, config.latentChannels, top),
    ...mid("decoder.mid", top),
    ...levels.flat(),
    ...norm("decoder.norm_out", width),
    ...conv("decoder.conv_out", 3, width, config.outChannels),
  ];
}

/**
 * The names and shapes of a VQGAN's parameters, without allocating them: the encoder, decoder,
 * codebook and the two 1 × 1 convolutions around it, in the order of the official state dict
 * (taming's `VQModel`, whose `loss.*` tensors are not part of the model). Names are PyTorch's;
 * shapes are dimo's layout (PyTorch's convolution `[out, in, kh, kw]` transposed by [2, 3, 1, 0]).
 *
 * @param config A resolved configuration.
 * @returns One entry per tensor.
 *
 * @example The ImageNet tokenizer has 343 tensors and 72,141,699 parameters
 * ```ts
 * import assert from "node:assert";
 * import { resolveVqganConfig, vqganParameterShapes } from "@dimo/dimo";
 * const shapes = vqganParameterShapes(resolveVqganConfig());
 * assert.equal(shapes.length, 343);
 * assert.equal(shapes.reduce((n, { shape }) => n + shape.reduce((a, b) => a * b, 1), 0), 72_141_699);
 * assert.deepEqual(shapes[0], { name: "encoder.conv_in.weight", shape: [3, 3, 3, 128] });
 * ```
 */
export function vqganParameterShapes(config: VqganConfig): VqganParameterShape[] {
  return [
    ...encoderParameters(config),
    ...decoderParameters(config),
    { name: "quantize.embedding.weight", shape: [config.codebookSize, config.embedDim] },
    ...conv("quant_conv", 1, config.latentChannels, config.embedDim),
    ...conv("post_quant_conv", 1, config.embedDim, config.latentChannels),
  ];
}
