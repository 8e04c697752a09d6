/**
 * The layers of taming-transformers' VQGAN (`taming/modules/diffusionmodules/model.py`,
 * `taming/modules/vqvae/quantize.py`) on NHWC tensors, for inference: GroupNorm, swish, the
 * residual and attention blocks, the resamplings and the nearest-code search.
 *
 * @module
 */
import * as tf from "../backend/tf.ts";
import { matMul } from "../backend/ops.ts";
import type { ParamLookup } from "./_blocks.ts";

/** Every GroupNorm of the VQGAN splits its channels into this many contiguous groups. */
export const GROUPS = 32;

/** taming's `Normalize`: `GroupNorm(32, C, eps=1e-6)`. */
const EPS = 1e-6;

/**
 * GroupNorm over contiguous channel groups: each group is normalised by its mean and biased
 * variance over positions and the group's channels, then scaled and shifted per channel.
 *
 * @param x float32 `[B, H, W, C]`, C a multiple of `groups`.
 * @param gamma float32 `[C]`.
 * @param beta float32 `[C]`.
 * @returns float32 `[B, H, W, C]`.
 */
export function groupNorm(x: tf.Tensor4D, gamma: tf.Tensor, beta: tf.Tensor, groups = GROUPS): tf.Tensor4D {
  return tf.tidy(() => {
    const [b, h, w, c] = x.shape;
    const grouped = tf.reshape(x, [b, h * w, groups, c / groups]);
    const { mean, variance } = tf.moments(grouped, [1, 3], true);
    const normed = tf.mul(tf.sub(grouped, mean), tf.rsqrt(tf.add(variance, EPS)));
    return tf.add(tf.mul(tf.reshape(normed, x.shape), gamma), beta) as tf.Tensor4D;
  });
}

/** taming's `nonlinearity`: x · sigmoid(x). */
export function swish(x: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => tf.mul(x, tf.sigmoid(x)));
}

/** A convolution `${name}.weight` `[kh, kw, in, out]` plus `${name}.bias`; odd kernels keep the size. */
export function conv(x: tf.Tensor4D, name: string, p: ParamLookup): tf.Tensor4D {
  return tf.fused.conv2d({
    x,
    filter: p(`${name}.weight`) as tf.Tensor4D,
    strides: 1,
    pad: "same",
    bias: p(`${name}.bias`),
  });
}

/** {@linkcode groupNorm} with the scale `${name}.weight` and the shift `${name}.bias`. */
export const norm = (x: tf.Tensor4D, name: string, p: ParamLookup): tf.Tensor4D =>
  groupNorm(x, p(`${name}.weight`), p(`${name}.bias`));

/**
 * `ResnetBlock` without time embedding or dropout: x' + conv2(swish(norm2(conv1(swish(norm1(x)))))),
 * where x' is x or, when the width changes, its 1 × 1 `nin_shortcut`.
 */
export function resBlock(x: tf.Tensor4D, name: string, p: ParamLookup): tf.Tensor4D {
  return tf.tidy(() => {
    const h = conv(swish(norm(x, `${name}.norm1`, p)), `${name}.conv1`, p);
    const out = conv(swish(norm(h, `${name}.norm2`, p)), `${name}.conv2`, p);
    const skip = x.shape[3] === out.shape[3] ? x : conv(x, `${name}.nin_shortcut`, p);
    return tf.add(skip, out);
  });
}

/** A 1 × 1 convolution as a dense layer on rows `[N, C]`. */
function dense(rows: tf.Tensor, name: string, p: ParamLookup): tf.Tensor {
  const weight = p(`${name}.weight`);
  const [, , inputs, outputs] = weight.shape;
  return matMul(rows, tf.reshape(weight, [inputs, outputs]), false, p(`${name}.bias`));
}

/**
 * `AttnBlock`: single-head self-attention over all positions of each image,
 * x + proj_out(softmax(q·kᵀ / √C) · v) with q, k, v 1 × 1 convolutions of GroupNorm(x).
 */
export function attnBlock(x: tf.Tensor4D, name: string, p: ParamLookup): tf.Tensor4D {
  return tf.tidy(() => {
    const [b, h, w, c] = x.shape;
    const rows = tf.reshape(norm(x, `${name}.norm`, p), [b * h * w, c]);
    const [q, k, v] = ["q", "k", "v"].map((part) =>
      tf.reshape(dense(rows, `${name}.${part}`, p), [b, h * w, c])
    );
    const weights = tf.softmax(tf.mul(matMul(q, k, true), c ** -0.5));
    const mixed = tf.reshape(matMul(weights, v), [b * h * w, c]);
    return tf.add(x, tf.reshape(dense(mixed, `${name}.proj_out`, p), x.shape));
  });
}

/** `Downsample`: one zero row below and one zero column right, then a 3 × 3 stride-2 valid convolution. */
export function downsample(x: tf.Tensor4D, name: string, p: ParamLookup): tf.Tensor4D {
  return tf.tidy(() =>
    tf.fused.conv2d({
      x: tf.pad(x, [[0, 0], [0, 1], [0, 1], [0, 0]]),
      filter: p(`${name}.weight`) as tf.Tensor4D,
      strides: 2,
      pad: "valid",
      bias: p(`${name}.bias`),
    })
  );
}

/** `Upsample`: nearest-neighbour 2× (each value fills its 2 × 2 block), then a 3 × 3 convolution. */
export function upsample(x: tf.Tensor4D, name: string, p: ParamLookup): tf.Tensor4D {
  return tf.tidy(() => {
    const [b, h, w, c] = x.shape;
    // Rank-3 tiles (every backend has them): each pixel twice along its row, then each row twice.
    const pixels = tf.tile(tf.reshape(x, [b * h * w, 1, c]), [1, 2, 1]);
    const rows = tf.tile(tf.reshape(pixels, [b * h, 1, 2 * w * c]), [1, 2, 1]);
    return conv(tf.reshape(rows, [b, 2 * h, 2 * w, c]), name, p);
  });
}

/**
 * The nearest codebook entry of each row by squared Euclidean distance, ‖z‖² + ‖e‖² − 2 z·e as
 * taming computes it; the first index wins a tie.
 *
 * @param z float32 `[N, D]`.
 * @param codebook float32 `[K, D]`.
 * @returns int32 `[N]`.
 */
export function nearestCode(z: tf.Tensor2D, codebook: tf.Tensor2D): tf.Tensor1D {
  return tf.tidy(() => {
    const distances = tf.sub(
      tf.add(tf.sum(tf.square(z), 1, true), tf.sum(tf.square(codebook), 1)),
      tf.mul(2, matMul(z, codebook, true)),
    );
    return tf.argMin(distances, 1);
  });
}
