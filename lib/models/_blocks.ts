/**
 * The pre-norm transformer block of MaskGIT (`MaskGit_src/Network/transformer.py`), on a residual
 * stream kept flat as `[B·T, d]` so every dense layer is one 2-D matmul.
 *
 * @module
 */
import * as tf from "../backend/tf.ts";
import { matMul } from "../backend/ops.ts";
import { projectHeads } from "../backend/heads.ts";
import { gelu, layerNorm, linear } from "./layers.ts";
import { denseSpecs, normSpecs, type ParameterSpec } from "./_params.ts";

/** Looks a parameter up by name. */
export type ParamLookup = (name: string) => tf.Tensor;

/** Dropout as the forward pass wants it: identity at evaluation, seeded when training. */
export type Dropout = (x: tf.Tensor) => tf.Tensor;

/** The sizes a block needs to unflatten the stream into heads. */
export interface StreamShape {
  /** B. */
  readonly batch: number;
  /** T: visual tokens plus the class token. */
  readonly positions: number;
  readonly heads: number;
}

/**
 * Bidirectional multi-head self-attention, softmax(q·kᵀ/√dh)·v, with no mask. Dropout acts on the
 * attention weights, as in PyTorch's `nn.MultiheadAttention(dropout=…)`.
 */
function attention(
  x: tf.Tensor,
  prefix: string,
  p: ParamLookup,
  shape: StreamShape,
  dropout: Dropout,
): tf.Tensor {
  const { batch, positions, heads } = shape;
  const [rows, width] = x.shape;
  // PyTorch's packed in-projection: the columns of qkv.weight hold q, k and v side by side.
  const [q, kT, v] = projectHeads(x, p(`${prefix}.qkv.weight`), p(`${prefix}.qkv.bias`), {
    batch,
    positions,
    heads,
    scale: 1 / Math.sqrt(width / heads),
  });
  const scores = matMul(q, kT);
  const mixed = matMul(dropout(tf.softmax(scores)), v);
  const merged = tf.reshape(tf.transpose(mixed, [0, 2, 1, 3]), [rows, width]);
  return linear(merged, p(`${prefix}.proj.weight`), p(`${prefix}.proj.bias`));
}

/** Linear → GELU → dropout → Linear → dropout, as MaskGIT's `FeedForward`. */
function mlp(x: tf.Tensor, prefix: string, p: ParamLookup, dropout: Dropout): tf.Tensor {
  const hidden = dropout(gelu(linear(x, p(`${prefix}.fc1.weight`), p(`${prefix}.fc1.bias`))));
  return dropout(linear(hidden, p(`${prefix}.fc2.weight`), p(`${prefix}.fc2.bias`)));
}

/**
 * One pre-norm block: x + attn(LN(x)), then h + mlp(LN(h)).
 *
 * @param x The residual stream, float32 `[B·T, d]`.
 * @returns float32 `[B·T, d]`.
 */
export function block(
  x: tf.Tensor,
  prefix: string,
  p: ParamLookup,
  shape: StreamShape,
  dropout: Dropout,
): tf.Tensor {
  const norm = (t: tf.Tensor, name: string) =>
    layerNorm(t, p(`${prefix}.${name}.weight`), p(`${prefix}.${name}.bias`));
  const h = tf.add(x, attention(norm(x, "ln1"), `${prefix}.attn`, p, shape, dropout));
  return tf.add(h, mlp(norm(h, "ln2"), `${prefix}.mlp`, p, dropout));
}

/** The names and shapes of one block's parameters, in the order {@linkcode block} uses them. */
export function blockSpecs(prefix: string, width: number, hidden: number): ParameterSpec[] {
  return [
    ...normSpecs(`${prefix}.ln1`, width),
    ...denseSpecs(`${prefix}.attn.qkv`, width, 3 * width),
    ...denseSpecs(`${prefix}.attn.proj`, width, width),
    ...normSpecs(`${prefix}.ln2`, width),
    ...denseSpecs(`${prefix}.mlp.fc1`, width, hidden),
    ...denseSpecs(`${prefix}.mlp.fc2`, hidden, width),
  ];
}
