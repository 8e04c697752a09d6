/**
 * The shape of a MaskGIT-style bidirectional transformer and its token layout.
 *
 * @module
 */
import { checkInRange, checkInteger, checkOneOf, errorMessage } from "../validate/mod.ts";
import { PROMPT_NULL_ID, PROMPT_PAD_ID } from "../data/prompt_tokenizer.ts";

/**
 * Hyper-parameters of a {@linkcode Transformer}. Defaults are MaskGIT's ImageNet-256 teacher
 * (`MaskGit_src/Network/transformer.py`, "base" configuration); small experiments override the
 * sizes and keep the layout.
 */
export interface TransformerConfig {
  /**
   * K: the number of codebook entries; token ids `0..K-1` are codes and `K` is the mask token.
   * @default {1024} (the VQGAN codebook of MaskGIT)
   */
  readonly codebookSize: number;
  /**
   * C: the number of classes; class ids `0..C-1` condition the model and id `C` is the null
   * class that means "unconditional" (classifier-free guidance).
   * @default {1000} (ImageNet)
   */
  readonly numClasses: number;
  /**
   * L: the number of visual tokens per sample (`seqLen`); the class token makes L + 1 positions.
   * @default {256} (a 16×16 token grid)
   */
  readonly seqLen: number;
  /**
   * d: the width of the residual stream and of every embedding.
   * @default {768} (MaskGIT base)
   */
  readonly width: number;
  /**
   * The number of attention heads; it must divide `width`.
   * @default {16} (MaskGIT base)
   */
  readonly heads: number;
  /**
   * The number of transformer blocks.
   * @default {24} (MaskGIT base)
   */
  readonly layers: number;
  /**
   * The MLP's hidden width as a multiple of `width`.
   * @default {4} (MaskGIT's 3072 = 4 × 768)
   */
  readonly mlpRatio: number;
  /**
   * The dropout rate on attention weights and in the MLP, applied only when training. Di[M]O
   * keeps it on for teacher, student and aux during distillation (docs/method.md §3).
   * @default {0.1} (MaskGIT)
   */
  readonly dropout: number;
  /**
   * Whether the output head reuses the token embedding table: logits = h · tok_embᵀ + bias, as
   * MaskGIT does; otherwise the head is its own linear layer.
   * @default {true} (MaskGIT)
   */
  readonly tiedHead: boolean;
  /**
   * Whether the head also scores the mask token, so `vocabSize` V = K + 1 (MaskGIT's head has
   * 1025 outputs); otherwise V = K.
   * @default {true} (MaskGIT)
   */
  readonly outputMaskClass: boolean;
  /**
   * A text encoder whose states condition the model instead of a class: its P token states join
   * the visual tokens in attention and its pooled state takes the class token's place (Meissonic
   * conditions on CLIP's states and pooled embedding). The encoder is frozen. With it, `numClasses`
   * must be 0 and the condition is prompt ids `[B, P]`.
   * @default {undefined} (class-conditional)
   */
  readonly text?: TextEncoderConfig;
  /**
   * Whether the blocks sit between MaskGIT's own `first_layer` and `last_layer`, as in its
   * checkpoints: LayerNorm → Linear → GELU → LayerNorm → Linear on the embeddings, and LayerNorm →
   * Linear → GELU → LayerNorm (ε = 10⁻¹² in all four norms) in place of the final LayerNorm. Set it
   * to load an official MaskGIT transformer; dimo's own networks leave it out.
   * @default {undefined} (one final LayerNorm)
   */
  readonly maskgitLayers?: boolean;
}

/**
 * The shape of a CLIP-shaped text encoder: id and position embeddings, bidirectional pre-norm
 * blocks, a final LayerNorm; one state per prompt id and a pooled state (the mean over non-padding ids).
 */
export interface TextEncoderConfig {
  /**
   * Prompt ids `0..vocabSize-1`, as the scene prompt tokenizer writes them: id 0 is padding (left
   * out of the pooled state) and id 1 opens the null prompt.
   */
  readonly vocabSize: number;
  /** P: ids per prompt. */
  readonly contextLength: number;
  /** The width of its states. */
  readonly width: number;
  /** Attention heads; they divide `width`. */
  readonly heads: number;
  /** Transformer blocks. */
  readonly layers: number;
  /** The MLP's hidden width as a multiple of `width`. */
  readonly mlpRatio: number;
}

const TEXT_FIELDS = ["vocabSize", "contextLength", "width", "heads", "layers", "mlpRatio"] as const;

/**
 * Validates a text encoder's configuration.
 *
 * @param config Every field, each an integer ≥ 1.
 * @param action What is being done, for messages.
 * @returns The configuration, frozen.
 * @throws {RangeError} If a field is missing, unknown or not an integer ≥ 1, or `heads` does not divide `width`.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { resolveTextEncoderConfig } from "@dimo/dimo";
 * const config = { vocabSize: 32, contextLength: 10, width: 32, heads: 2, layers: 1, mlpRatio: 4 };
 * assert.deepEqual(resolveTextEncoderConfig(config), config);
 * assert.throws(() => resolveTextEncoderConfig({ ...config, heads: 3 }), /'heads' must be a divisor of width 32/);
 * ```
 */
export function resolveTextEncoderConfig(
  config: TextEncoderConfig,
  action = "resolve the text encoder config",
): TextEncoderConfig {
  for (const key of Object.keys(config)) checkOneOf(action, "text field", key, TEXT_FIELDS);
  for (const key of TEXT_FIELDS) checkInteger(action, `text.${key}`, config[key], 1);
  if (config.width % config.heads !== 0) {
    throw new RangeError(errorMessage(action, "heads", `a divisor of width ${config.width}`, config.heads));
  }
  return Object.freeze({ ...config });
}

/** The defaults of {@linkcode TransformerConfig}: MaskGIT's ImageNet-256 teacher. */
export const DEFAULT_TRANSFORMER_CONFIG: TransformerConfig = Object.freeze({
  codebookSize: 1024,
  numClasses: 1000,
  seqLen: 256,
  width: 768,
  heads: 16,
  layers: 24,
  mlpRatio: 4,
  dropout: 0.1,
  tiedHead: true,
  outputMaskClass: true,
});

const FIELDS = [
  ...Object.keys(DEFAULT_TRANSFORMER_CONFIG),
  "text",
  "maskgitLayers",
] as (keyof TransformerConfig)[];

/**
 * Fills the defaults into a partial configuration and validates every field.
 *
 * @param partial The fields to override; unknown fields are rejected.
 * @returns The complete configuration, frozen.
 * @throws {RangeError} If a field is unknown, a size is not an integer ≥ 1 (`numClasses` is 0 with
 * `text`), `heads` does not divide `width`, or `dropout` is outside [0, 1).
 * @throws {TypeError} If `tiedHead` or `outputMaskClass` is not a boolean.
 *
 * @example A tiny model
 * ```ts
 * import assert from "node:assert";
 * import { resolveTransformerConfig } from "@dimo/dimo";
 * const config = resolveTransformerConfig({ codebookSize: 8, numClasses: 2, seqLen: 4, width: 16, heads: 2, layers: 1 });
 * assert.equal(config.mlpRatio, 4);
 * assert.throws(() => resolveTransformerConfig({ width: 16, heads: 3 }), RangeError);
 * ```
 *
 * @example Conditioned on prompts
 * ```ts
 * import assert from "node:assert";
 * import { resolveTransformerConfig } from "@dimo/dimo";
 * const text = { vocabSize: 32, contextLength: 10, width: 16, heads: 2, layers: 1, mlpRatio: 4 };
 * const config = resolveTransformerConfig({ codebookSize: 8, numClasses: 0, seqLen: 4, width: 16, heads: 2, layers: 1, text });
 * assert.equal(config.text?.contextLength, 10);
 * assert.throws(() => resolveTransformerConfig({ text }), /'numClasses' must be 0 when a text encoder conditions the model/);
 * ```
 */
export function resolveTransformerConfig(partial: Partial<TransformerConfig> = {}): TransformerConfig {
  const action = "resolve the transformer config";
  for (const key of Object.keys(partial)) checkOneOf(action, "field", key, FIELDS);
  const config = { ...DEFAULT_TRANSFORMER_CONFIG, ...partial };
  for (
    const key of ["codebookSize", "seqLen", "width", "heads", "layers", "mlpRatio"] as const
  ) {
    checkInteger(action, key, config[key], 1);
  }
  if (config.text === undefined) checkInteger(action, "numClasses", config.numClasses, 1);
  else if (config.numClasses !== 0) {
    throw new RangeError(
      errorMessage(action, "numClasses", "0 when a text encoder conditions the model", config.numClasses),
    );
  }
  if (config.width % config.heads !== 0) {
    throw new RangeError(errorMessage(action, "heads", `a divisor of width ${config.width}`, config.heads));
  }
  checkInRange(action, "dropout", config.dropout, 0, 1, true);
  for (const key of ["tiedHead", "outputMaskClass"] as const) {
    if (typeof config[key] !== "boolean") {
      throw new TypeError(errorMessage(action, key, "a boolean", config[key]));
    }
  }
  const { text, maskgitLayers, ...rest } = config;
  if (maskgitLayers !== undefined && typeof maskgitLayers !== "boolean") {
    throw new TypeError(errorMessage(action, "maskgitLayers", "a boolean", maskgitLayers));
  }
  // Optional fields appear only when set, so configurations saved before they existed compare equal.
  return Object.freeze({
    ...rest,
    ...(text === undefined ? {} : { text: resolveTextEncoderConfig(text, action) }),
    ...(maskgitLayers ? { maskgitLayers } : {}),
  });
}

/**
 * The official MaskGIT ImageNet-256 transformer of Maskgit-pytorch (`MaskGIT_ImageNet_256.pth`):
 * the defaults with its `first_layer` and `last_layer` ({@linkcode TransformerConfig.maskgitLayers}),
 * 174,160,874 parameters in its checkpoint.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { MASKGIT_IMAGENET_CONFIG } from "@dimo/dimo";
 * assert.equal(MASKGIT_IMAGENET_CONFIG.heads, 16);
 * assert.equal(MASKGIT_IMAGENET_CONFIG.maskgitLayers, true);
 * ```
 */
export const MASKGIT_IMAGENET_CONFIG: TransformerConfig = resolveTransformerConfig({ maskgitLayers: true });

/** Where each kind of token lives in the embedding table and the output head. */
export interface TokenLayout {
  /** The mask token id, K. */
  readonly maskId: number;
  /** V: the number of head outputs, K + 1 with the mask class, else K. */
  readonly vocabSize: number;
  /** The row of class 0 in the embedding table, K + 1 (class y is row K + 1 + y). */
  readonly classOffset: number;
  /** The null-class id, C (table row K + 1 + C). */
  readonly nullClass: number;
  /** The number of rows of the embedding table: K codes, the mask, C classes and the null class. */
  readonly tableRows: number;
  /**
   * With a text encoder, the null prompt's P ids: {@linkcode PROMPT_NULL_ID} then padding, the
   * unconditional input of classifier-free guidance; absent for class-conditional models.
   */
  readonly nullPrompt?: readonly number[];
}

/**
 * The token layout of a configuration, MaskGIT's: codes, mask, classes, null class in one table.
 *
 * @param config A resolved configuration.
 * @returns Its {@linkcode TokenLayout}.
 *
 * @example MaskGIT's ImageNet layout
 * ```ts
 * import assert from "node:assert";
 * import { resolveTransformerConfig, tokenLayout } from "@dimo/dimo";
 * const layout = tokenLayout(resolveTransformerConfig());
 * assert.deepEqual(layout, { maskId: 1024, vocabSize: 1025, classOffset: 1025, nullClass: 1000, tableRows: 2026 });
 * ```
 */
export function tokenLayout(config: TransformerConfig): TokenLayout {
  const { codebookSize: k, numClasses: c, text } = config;
  const layout = {
    maskId: k,
    vocabSize: config.outputMaskClass ? k + 1 : k,
    classOffset: k + 1,
    nullClass: c,
    tableRows: k + 2 + c,
  };
  if (text === undefined) return layout;
  const nullPrompt = Array.from(
    { length: text.contextLength },
    (_, i) => (i === 0 ? PROMPT_NULL_ID : PROMPT_PAD_ID),
  );
  return { ...layout, nullPrompt: Object.freeze(nullPrompt) };
}
