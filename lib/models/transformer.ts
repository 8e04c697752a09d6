/**
 * A MaskGIT-shaped bidirectional transformer: visual tokens and one class token in, logits over
 * the codebook (and the mask class) out at every visual position.
 *
 * @module
 */
import * as tf from "../backend/tf.ts";
import { embed, matMul } from "../backend/ops.ts";
import { checkIds } from "../backend/check.ts";
import { dropout as dropoutOp, type RandomKey } from "../backend/random.ts";
import { activeBufferLimits, type BufferLimits, checkBufferFits } from "../backend/buffer_limits.ts";
import type { Rng } from "../rng/mod.ts";
import { checkDtype, checkInRange, checkShape, errorMessage } from "../validate/mod.ts";
import { type TokenLayout, tokenLayout, type TransformerConfig } from "./config.ts";
import type { Condition, Denoiser } from "./denoiser.ts";
import { encodeText, textEncoderSpecs } from "./_text_encoder.ts";
import { block, blockSpecs, type Dropout } from "./_blocks.ts";
import { recomputed, replayableKeys } from "./_recompute.ts";
import { gelu, layerNorm, linear } from "./layers.ts";
import { denseSpecs, normSpecs, type ParameterSpec, ParameterStore } from "./_params.ts";

/**
 * Variance-preserving Gaussian noise on the visual-token embeddings, e' = σ·n + √(1−σ²)·e,
 * added before the position embeddings; the class token is left alone. Di[M]O perturbs the
 * student's input this way (σ = 0.1 for MaskGIT; docs/method.md §4).
 */
export interface EmbeddingNoise {
  /** σ in [0, 1); 0 leaves the embeddings unchanged. */
  readonly sigma: number;
  /**
   * n: standard-normal float32 `[B, L, d]`, drawn by the caller so that two forward passes
   * (the student's sampling pass and its gradient pass) can share it.
   */
  readonly noise: tf.Tensor3D;
}

/** Options of {@linkcode Transformer.apply}. */
export interface ApplyOptions {
  /**
   * Whether dropout is active.
   * @default {false}
   */
  readonly training?: boolean;
  /** Draws the dropout masks; required when `training` and the model's dropout is above 0. */
  readonly rng?: Rng;
  /** Perturbs the visual-token embeddings; none by default. */
  readonly embeddingNoise?: EmbeddingNoise;
  /**
   * Whether to check that token and class ids are in range. It reads two numbers back per
   * input; turn it off in hot loops whose ids are known to be valid.
   * @default {true}
   */
  readonly validateIds?: boolean;
  /**
   * The buffer limits its largest tensors (attention scores, the MLP's hidden layer, the logits)
   * are checked against before any work is queued.
   * @default {activeBufferLimits()} (the WebGPU device's; none on other backends)
   */
  readonly bufferLimits?: BufferLimits;
  /**
   * Whether, under a gradient tape, each block keeps only its input and runs again in the
   * backward pass (activation recomputation): about one more forward pass of compute for the
   * memory of one block's intermediates instead of every block's. Values and gradients are the
   * same either way.
   * @default {false}
   */
  readonly recomputeActivations?: boolean;
}

/** Where a {@linkcode Transformer}'s weights come from: a seeded initialiser or given tensors. */
export type TransformerSource =
  | { readonly rng: Rng }
  | { readonly weights: Readonly<Record<string, tf.Tensor>> };

/** The prefix of a prompt-conditioned model's text encoder parameters, frozen. */
const TEXT = "text";

/** Positions after the L visual tokens: the class (or pooled prompt) token and the prompt's P states. */
function conditionPositions(config: TransformerConfig): number {
  return 1 + (config.text?.contextLength ?? 0);
}

/** MaskGIT's four LayerNorms around the blocks use ε = 10⁻¹²; the blocks' own use PyTorch's 10⁻⁵. */
const MASKGIT_LAYER_EPS = 1e-12;

function textSpecs(config: TransformerConfig): ParameterSpec[] {
  if (config.text === undefined) return [];
  return [
    ...textEncoderSpecs(TEXT, config.text),
    ...denseSpecs("cond.pooled", config.text.width, config.width),
    ...denseSpecs("cond.states", config.text.width, config.width),
  ];
}

/** MaskGIT's `first_layer`, and its `last_layer` in place of the final LayerNorm `ln_f`. */
function outerSpecs(config: TransformerConfig): { first: ParameterSpec[]; last: ParameterSpec[] } {
  const { width } = config;
  if (!config.maskgitLayers) return { first: [], last: normSpecs("ln_f", width) };
  return {
    first: [
      ...normSpecs("first.norm1", width),
      ...denseSpecs("first.fc1", width, width),
      ...normSpecs("first.norm2", width),
      ...denseSpecs("first.fc2", width, width),
    ],
    last: [
      ...normSpecs("last.norm1", width),
      ...denseSpecs("last.fc", width, width),
      ...normSpecs("last.norm2", width),
    ],
  };
}

function transformerSpecs(config: TransformerConfig): ParameterSpec[] {
  const { seqLen, width, layers, mlpRatio, tiedHead } = config;
  const { tableRows, vocabSize } = tokenLayout(config);
  const blocks = Array.from({ length: layers }, (_, i) => blockSpecs(`blocks.${i}`, width, mlpRatio * width));
  // MaskGIT's tied head has a bias per position and class; an untied head is a plain linear layer.
  const head: ParameterSpec[] = tiedHead
    ? [{ name: "head.bias", shape: [seqLen, vocabSize], init: "zeros" }]
    : denseSpecs("head", width, vocabSize);
  const { first, last } = outerSpecs(config);
  return [
    { name: "tok_emb.weight", shape: [tableRows, width], init: "normal" },
    { name: "pos_emb", shape: [seqLen + conditionPositions(config), width], init: "normal" },
    ...textSpecs(config),
    ...first,
    ...blocks.flat(),
    ...last,
    ...head,
  ];
}

/**
 * A bidirectional transformer MDM with MaskGIT's layout: one embedding table for the K codes,
 * the mask token K, the C classes (row K + 1 + y) and the null class (row K + 1 + C); the class
 * token appended after the L visual tokens; learned position embeddings; pre-norm blocks
 * (LayerNorm → attention → residual, LayerNorm → MLP with exact GELU → residual); a final
 * LayerNorm; and a head, tied to the embedding table or not, giving logits at the L visual
 * positions.
 *
 * Dropout (training only) acts where MaskGIT's does: on the attention weights, after the MLP's
 * GELU and after its output layer. MaskGIT (`Network/transformer.py` of Maskgit-pytorch) also wraps
 * the blocks in a `first_layer` and a `last_layer`: {@linkcode TransformerConfig.maskgitLayers}
 * adds them, to load its checkpoints; by default only a final LayerNorm follows the blocks.
 *
 * The model owns its `tf.Variable`s, named like PyTorch's state dict
 * (`blocks.0.attn.qkv.weight`); dense weights are stored `[in, out]`.
 *
 * @example Logits for two samples of a tiny model
 * ```ts
 * import assert from "node:assert";
 * import { createRng, resolveTransformerConfig, tf, Transformer, useBackend } from "@dimo/dimo";
 * await useBackend("cpu");
 * const config = resolveTransformerConfig({ codebookSize: 8, numClasses: 2, seqLen: 4, width: 8, heads: 2, layers: 1 });
 * const model = new Transformer(config, { rng: createRng(0) });
 * const tokens = tf.tensor2d([[0, 8, 3, 8], [1, 2, 8, 7]], [2, 4], "int32");
 * const logits = model.apply(tokens, tf.tensor1d([0, 2], "int32"));
 * assert.deepEqual(logits.shape, [2, 4, 9]);
 * model.dispose();
 * ```
 */
export class Transformer {
  /** The resolved configuration. */
  readonly config: TransformerConfig;
  /** Mask id, vocabulary size and class rows of {@linkcode Transformer.config}. */
  readonly layout: TokenLayout;
  readonly #params: ParameterStore;

  /**
   * Creates the model's variables.
   *
   * @param config A configuration from {@linkcode resolveTransformerConfig}.
   * @param source `{ rng }` to initialise (truncated normal with std 0.02 for weights and
   * embeddings, LayerNorm γ = 1 and β = 0, biases 0), or `{ weights }` to start from named
   * tensors (copied; see {@linkcode Transformer.loadWeights}).
   * @throws {TypeError} If given weights miss a name, have an extra one, or a wrong shape.
   */
  constructor(config: TransformerConfig, source: TransformerSource) {
    this.config = config;
    this.layout = tokenLayout(config);
    const specs = transformerSpecs(config);
    this.#params = "rng" in source
      ? ParameterStore.initialise(specs, source.rng)
      : ParameterStore.fromWeights(specs, source.weights);
    if (config.text !== undefined) this.#params.setTrainable([TEXT], false);
  }

  /**
   * Computes logits at the visual positions.
   *
   * @param tokens Visual token ids, int32 `[B, L]`, in `[0, K]` (K is the mask token).
   * @param condition Class ids, int32 `[B]`, in `[0, C]` (C is the null class); for a model
   * with a text encoder, prompt ids, int32 `[B, P]`, below the encoder's `vocabSize`.
   * @param options Dropout, embedding noise and id checks.
   * @returns Logits, float32 `[B, L, V]`.
   * @throws {TypeError} If a shape or dtype is wrong, or `training` with dropout lacks an `rng`.
   * @throws {RangeError} If an id is out of range or `sigma` is outside [0, 1).
   */
  apply(tokens: tf.Tensor2D, condition: Condition, options: ApplyOptions = {}): tf.Tensor3D {
    const { training = false, rng, embeddingNoise, validateIds = true, recomputeActivations = false } =
      options;
    const { seqLen, width, dropout: rate } = this.config;
    const action = "apply the transformer";
    checkShape(action, "tokens", tokens.shape, [-1, seqLen]);
    checkDtype(action, "tokens", tokens.dtype, "int32");
    const batch = tokens.shape[0];
    const { text } = this.config;
    const conditionName = text === undefined ? "labels" : "prompt ids";
    checkShape(
      action,
      conditionName,
      condition.shape,
      text === undefined ? [batch] : [batch, text.contextLength],
    );
    checkDtype(action, conditionName, condition.dtype, "int32");
    if (embeddingNoise !== undefined) {
      checkInRange(action, "embeddingNoise.sigma", embeddingNoise.sigma, 0, 1, true);
      checkShape(action, "embeddingNoise.noise", embeddingNoise.noise.shape, [batch, seqLen, width]);
      checkDtype(action, "embeddingNoise.noise", embeddingNoise.noise.dtype, "float32");
    }
    let drawKey: (() => RandomKey) | undefined;
    if (training && rate > 0) {
      if (rng === undefined) {
        throw new TypeError(errorMessage(action, "rng", "an Rng when training with dropout", rng));
      }
      drawKey = () => rng.drawKey();
    }
    if (validateIds) {
      checkIds(action, "tokens", tokens, this.layout.maskId + 1);
      checkIds(
        action,
        conditionName,
        condition,
        text === undefined ? this.layout.nullClass + 1 : text.vocabSize,
      );
    }
    this.checkBatchFits(batch, options.bufferLimits);
    return tf.tidy(() => this.#forward(tokens, condition, drawKey, embeddingNoise, recomputeActivations));
  }

  /**
   * Checks that a pass at `batch` fits the buffer limits: its largest tensors (attention scores,
   * the MLP's hidden layer, the logits) each fit one buffer. `apply` checks this itself; a run
   * that will make larger batches later (the guided teacher's 2B) can check them at its start.
   *
   * @param batch Samples in the pass.
   * @param limits The limits; by default the WebGPU device's (none on other backends).
   * @throws {RangeError} Naming the tensor, its shape and the limit it passes.
   *
   * @example A batch whose attention scores pass a 1 MiB binding
   * ```ts
   * import assert from "node:assert";
   * import { createRng, resolveTransformerConfig, Transformer, useBackend } from "@dimo/dimo";
   * await useBackend("cpu");
   * const model = new Transformer(
   *   resolveTransformerConfig({ codebookSize: 4, numClasses: 2, seqLen: 63, width: 8, heads: 2, layers: 1 }),
   *   { rng: createRng(0) },
   * );
   * const limits = { maxStorageBufferBindingSize: 2 ** 20, maxBufferSize: 2 ** 30 };
   * model.checkBatchFits(32, limits);
   * assert.throws(() => model.checkBatchFits(33, limits), /attention scores.*\[33, 2, 64, 64\]/);
   * model.dispose();
   * ```
   */
  checkBatchFits(batch: number, limits: BufferLimits | undefined = activeBufferLimits()): void {
    const { seqLen, width, heads, mlpRatio } = this.config;
    const positions = seqLen + conditionPositions(this.config);
    checkBufferFits("attention scores", [batch, heads, positions, positions], limits);
    checkBufferFits("MLP hidden layer", [batch * positions, mlpRatio * width], limits);
    checkBufferFits("logits", [batch, seqLen, this.layout.vocabSize], limits);
  }

  #forward(
    tokens: tf.Tensor2D,
    condition: Condition,
    drawKey: (() => RandomKey) | undefined,
    noise: EmbeddingNoise | undefined,
    recompute: boolean,
  ): tf.Tensor3D {
    const { seqLen, width, heads, layers, mlpRatio, dropout: rate } = this.config;
    const dropoutWith = (keys: (() => RandomKey) | undefined): Dropout =>
      keys === undefined ? (x) => x : (x) => dropoutOp(x, rate, keys());
    const dropout = dropoutWith(drawKey);
    const batch = tokens.shape[0];
    const positions = seqLen + conditionPositions(this.config);
    const p = (name: string) => this.#params.get(name);
    const table = p("tok_emb.weight");
    let visual = embed(table, tokens);
    if (noise !== undefined) {
      const { sigma } = noise;
      visual = tf.add(tf.mul(noise.noise, sigma), tf.mul(visual, Math.sqrt(1 - sigma * sigma)));
    }
    const embedded = tf.add(tf.concat([visual, this.#conditionTokens(condition)], 1), p("pos_emb"));
    let x = this.#first(tf.reshape(embedded, [batch * positions, width]), dropout);
    // A block's intermediates go when it ends (a tape keeps what its gradient needs): without one, a
    // forward pass holds one block's activations at a time instead of every block's.
    const shape = { batch, positions, heads };
    for (let i = 0; i < layers; i++) {
      const input = x;
      const prefix = `blocks.${i}`;
      if (recompute) {
        const keys = replayableKeys(drawKey);
        const names = blockSpecs(prefix, width, mlpRatio * width).map((spec) => spec.name);
        x = recomputed((h, q) => block(h, prefix, q, shape, dropoutWith(keys?.())), input, names, p);
      } else {
        x = tf.tidy(() => block(input, prefix, p, shape, dropout));
      }
    }
    // Only the visual positions are read out; the class position is dropped before the last norm.
    const visualOut = tf.slice(tf.reshape(x, [batch, positions, width]), [0, 0, 0], [batch, seqLen, width]);
    return this.#head(this.#last(tf.reshape(visualOut, [batch * seqLen, width]), dropout), batch);
  }

  /** MaskGIT's `first_layer`: LN → dropout → Linear → GELU → LN → dropout → Linear; else nothing. */
  #first(x: tf.Tensor, dropout: Dropout): tf.Tensor {
    if (!this.config.maskgitLayers) return x;
    const h = this.#dense(dropout(this.#norm(x, "first.norm1", MASKGIT_LAYER_EPS)), "first.fc1");
    return this.#dense(dropout(this.#norm(gelu(h), "first.norm2", MASKGIT_LAYER_EPS)), "first.fc2");
  }

  /** MaskGIT's `last_layer`: LN → dropout → Linear → GELU → LN; else the final LayerNorm. */
  #last(x: tf.Tensor, dropout: Dropout): tf.Tensor {
    if (!this.config.maskgitLayers) return this.#norm(x, "ln_f");
    const h = this.#dense(dropout(this.#norm(x, "last.norm1", MASKGIT_LAYER_EPS)), "last.fc");
    return this.#norm(gelu(h), "last.norm2", MASKGIT_LAYER_EPS);
  }

  #norm(x: tf.Tensor, name: string, eps?: number): tf.Tensor {
    return layerNorm(x, this.#params.get(`${name}.weight`), this.#params.get(`${name}.bias`), eps);
  }

  #dense(x: tf.Tensor, name: string): tf.Tensor {
    return linear(x, this.#params.get(`${name}.weight`), this.#params.get(`${name}.bias`));
  }

  /** The class token `[B, 1, d]`, or the pooled prompt state then the prompt's states, `[B, 1 + P, d]`. */
  #conditionTokens(condition: Condition): tf.Tensor3D {
    const { width, text } = this.config;
    const p = (name: string) => this.#params.get(name);
    const batch = condition.shape[0];
    if (text === undefined) {
      const classIds = tf.add(condition, tf.scalar(this.layout.classOffset, "int32"));
      return tf.reshape(embed(p("tok_emb.weight"), classIds), [batch, 1, width]);
    }
    const { states, pooled } = encodeText(condition as tf.Tensor2D, TEXT, p, text);
    const tokens = this.#dense(tf.reshape(states, [batch * text.contextLength, text.width]), "cond.states");
    return tf.concat([
      tf.reshape(this.#dense(pooled, "cond.pooled"), [batch, 1, width]),
      tf.reshape(tokens, [batch, text.contextLength, width]),
    ], 1);
  }

  #head(h: tf.Tensor, batch: number): tf.Tensor3D {
    const { seqLen, width, tiedHead } = this.config;
    const { vocabSize } = this.layout;
    const p = (name: string) => this.#params.get(name);
    if (!tiedHead) return tf.reshape(this.#dense(h, "head"), [batch, seqLen, vocabSize]);
    // MaskGIT scores every table row and keeps the first V; scoring only those is the same.
    const rows = tf.slice(p("tok_emb.weight"), [0, 0], [vocabSize, width]);
    const logits = tf.reshape(matMul(h, rows, true), [batch, seqLen, vocabSize]);
    return tf.add(logits, p("head.bias"));
  }

  /**
   * This model as a {@linkcode Denoiser}, the interface samplers and the distillation step use.
   *
   * @param options Passed to every {@linkcode Transformer.apply} call.
   * @returns A function of tokens and a condition that returns logits.
   *
   * @example
   * ```ts
   * import assert from "node:assert";
   * import { createRng, resolveTransformerConfig, tf, Transformer, useBackend } from "@dimo/dimo";
   * await useBackend("cpu");
   * const config = resolveTransformerConfig({ codebookSize: 4, numClasses: 1, seqLen: 2, width: 4, heads: 1, layers: 1 });
   * const teacher = new Transformer(config, { rng: createRng(1) }).asDenoiser();
   * const z = teacher(tf.tensor2d([[4, 4]], [1, 2], "int32"), tf.tensor1d([1], "int32"));
   * assert.deepEqual(z.shape, [1, 2, 5]);
   * ```
   */
  asDenoiser(options: ApplyOptions = {}): Denoiser {
    return (tokens, condition) => this.apply(tokens, condition, options);
  }

  /**
   * Freezes parameters: they keep `trainable = false` and leave
   * {@linkcode Transformer.trainableVariables}. With a tied head, freezing `tok_emb` freezes the
   * head's weights too (Di[M]O freezes both; docs/method.md §3).
   *
   * @param patterns Parameter names or dotted prefixes (`tok_emb`, `blocks.0.attn`).
   * @throws {RangeError} If a pattern names no parameter.
   *
   * @example Freeze the embeddings
   * ```ts
   * import assert from "node:assert";
   * import { createRng, resolveTransformerConfig, Transformer, useBackend } from "@dimo/dimo";
   * await useBackend("cpu");
   * const config = resolveTransformerConfig({ codebookSize: 4, numClasses: 1, seqLen: 2, width: 4, heads: 1, layers: 1 });
   * const model = new Transformer(config, { rng: createRng(1) });
   * model.freeze(["tok_emb", "pos_emb"]);
   * assert.equal(model.namedWeights()["tok_emb.weight"].trainable, false);
   * model.dispose();
   * ```
   */
  freeze(patterns: readonly string[]): void {
    this.#params.setTrainable(patterns, false);
  }

  /**
   * Undoes {@linkcode Transformer.freeze} for the parameters the patterns name.
   *
   * @param patterns Parameter names or dotted prefixes.
   * @throws {RangeError} If a pattern names no parameter.
   */
  unfreeze(patterns: readonly string[]): void {
    this.#params.setTrainable(patterns, true);
  }

  /**
   * The variables an optimiser should update: all but the frozen ones. Pass them as
   * `optimizer.minimize(f, true, model.trainableVariables())`; without a list, tfjs would update
   * every trainable variable of every model.
   *
   * @returns The trainable variables, in parameter order.
   */
  trainableVariables(): tf.Variable[] {
    return this.#params.trainable();
  }

  /**
   * Every parameter by name, frozen ones included, for checkpoints and EMA. The variables are
   * the model's own: do not dispose them.
   *
   * @returns The variables keyed by name.
   */
  namedWeights(): Record<string, tf.Variable> {
    return this.#params.named();
  }

  /**
   * Replaces every parameter's value with the tensor of the same name (the tensors stay the
   * caller's). Nothing changes when a check fails.
   *
   * @param weights One float32 tensor per parameter name, shaped like the parameter.
   * @throws {TypeError} Naming the first missing, unexpected or mis-shaped weight.
   *
   * @example Copy one model's weights into another
   * ```ts
   * import assert from "node:assert";
   * import { createRng, resolveTransformerConfig, Transformer, useBackend } from "@dimo/dimo";
   * await useBackend("cpu");
   * const config = resolveTransformerConfig({ codebookSize: 4, numClasses: 1, seqLen: 2, width: 4, heads: 1, layers: 1 });
   * const a = new Transformer(config, { rng: createRng(1) });
   * const b = new Transformer(config, { rng: createRng(2) });
   * b.loadWeights(a.namedWeights());
   * assert.deepEqual(b.namedWeights()["pos_emb"].dataSync(), a.namedWeights()["pos_emb"].dataSync());
   * a.dispose();
   * b.dispose();
   * ```
   */
  loadWeights(weights: Readonly<Record<string, tf.Tensor>>): void {
    this.#params.load(weights);
  }

  /**
   * An independent copy with the same weights and frozen parameters, e.g. the student and aux
   * made from the teacher.
   *
   * @returns A new model that owns its variables.
   */
  clone(): Transformer {
    const copy = new Transformer(this.config, { weights: this.namedWeights() });
    const frozen = Object.entries(this.namedWeights()).filter(([, v]) => !v.trainable).map(([name]) => name);
    if (frozen.length > 0) copy.freeze(frozen);
    return copy;
  }

  /** Disposes the model's variables. */
  dispose(): void {
    this.#params.dispose();
  }
}
