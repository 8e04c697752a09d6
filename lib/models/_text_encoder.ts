/**
 * A CLIP-shaped text encoder: prompt ids in, one state per id and a pooled state out. The
 * text-conditioned teacher reads both (Meissonic conditions on CLIP's token states and its pooled
 * embedding), and the dual encoders are trained with it.
 *
 * @module
 */
import * as tf from "../backend/tf.ts";
import { embed } from "../backend/ops.ts";
import type { TextEncoderConfig } from "./config.ts";
import { block, blockSpecs, type Dropout, type ParamLookup } from "./_blocks.ts";
import { layerNorm } from "./layers.ts";
import { normSpecs, type ParameterSpec } from "./_params.ts";

/** The parameters of a text encoder under `prefix` (`text.tok_emb.weight`, `text.blocks.0…`). */
export function textEncoderSpecs(prefix: string, config: TextEncoderConfig): ParameterSpec[] {
  const { vocabSize, contextLength, width, layers, mlpRatio } = config;
  return [
    { name: `${prefix}.tok_emb.weight`, shape: [vocabSize, width], init: "normal" },
    { name: `${prefix}.pos_emb`, shape: [contextLength, width], init: "normal" },
    ...Array.from({ length: layers }, (_, i) => blockSpecs(`${prefix}.blocks.${i}`, width, mlpRatio * width))
      .flat(),
    ...normSpecs(`${prefix}.ln_f`, width),
  ];
}

/** What {@linkcode encodeText} returns. */
export interface TextStates {
  /** One state per prompt id, float32 `[B, P, width]`. */
  readonly states: tf.Tensor3D;
  /** The mean of the states of the non-padding ids, float32 `[B, width]`. */
  readonly pooled: tf.Tensor2D;
}

/**
 * Runs a text encoder: id and position embeddings, bidirectional pre-norm blocks, a final
 * LayerNorm; the pooled state averages the non-padding positions (a prompt has at least one).
 *
 * @param ids Prompt ids, int32 `[B, P]`, checked by the caller.
 * @param prefix Its parameters' prefix.
 * @param p Looks a parameter up.
 * @param config Its shape.
 * @param dropout Dropout when training; identity otherwise.
 * @returns The states and the pooled state.
 */
export function encodeText(
  ids: tf.Tensor2D,
  prefix: string,
  p: ParamLookup,
  config: TextEncoderConfig,
  dropout: Dropout = (x) => x,
): TextStates {
  const { contextLength: positions, width, heads, layers } = config;
  const batch = ids.shape[0];
  const embedded = tf.add(
    tf.reshape(embed(p(`${prefix}.tok_emb.weight`), ids), [batch, positions, width]),
    p(`${prefix}.pos_emb`),
  );
  let x = tf.reshape(embedded, [batch * positions, width]);
  for (let i = 0; i < layers; i++) {
    x = block(x, `${prefix}.blocks.${i}`, p, { batch, positions, heads }, dropout);
  }
  const normed = layerNorm(x, p(`${prefix}.ln_f.weight`), p(`${prefix}.ln_f.bias`));
  const states = tf.reshape(normed, [batch, positions, width]) as tf.Tensor3D;
  const kept = tf.cast(tf.notEqual(ids, 0), "float32");
  // Counted along the last axis: tfjs-webgpu transposes a float32 cast of a bool tensor to zeros.
  const count = tf.maximum(tf.sum(kept, 1, true), 1);
  const pooled = tf.div(tf.sum(tf.mul(states, tf.expandDims(kept, 2)), 1), count) as tf.Tensor2D;
  return { states, pooled };
}
