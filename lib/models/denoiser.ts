/**
 * The one interface samplers and the distillation trainer see a network through.
 *
 * @module
 */
import type * as tf from "../backend/tf.ts";

/**
 * A masked-diffusion network as a function: token ids and a condition in, logits out.
 *
 * `tokens` is int32 `[B, L]` with values in `[0, maskId]`; `condition` is a {@linkcode Condition}:
 * class ids or prompt ids, whose null entry means "unconditional" (classifier-free guidance).
 * The result is float32 `[B, L, V]`: logits over the `V` output classes at every position
 * (`V` includes the mask class when the model's head has it, as MaskGIT's does).
 * A denoiser must not dispose its inputs; the caller owns the returned tensor.
 *
 * @example A denoiser that ignores its input
 * ```ts
 * import assert from "node:assert";
 * import { type Denoiser, tf, useBackend } from "@dimo/dimo";
 * await useBackend("cpu");
 * const uniform: Denoiser = (tokens) => tf.zeros([...tokens.shape, 4]) as tf.Tensor3D;
 * const z = uniform(tf.zeros([2, 3], "int32") as tf.Tensor2D, tf.zeros([2], "int32") as tf.Tensor1D);
 * assert.deepEqual(z.shape, [2, 3, 4]);
 * ```
 */
export type Denoiser = (tokens: tf.Tensor2D, condition: Condition) => tf.Tensor3D;

/**
 * What a denoiser is conditioned on, per sample: class ids, int32 `[B]` (the null class means
 * unconditional), or the ids of a prompt, int32 `[B, P]` (the null prompt means unconditional).
 *
 * @example A class condition and a prompt condition
 * ```ts
 * import assert from "node:assert";
 * import { type Condition, tf, useBackend } from "@dimo/dimo";
 * await useBackend("cpu");
 * const labels: Condition = tf.tensor1d([3, 1], "int32");
 * const prompts: Condition = tf.tensor2d([[2, 5, 0], [2, 7, 9]], [2, 3], "int32");
 * assert.equal(labels.shape[0], prompts.shape[0]);
 * ```
 */
export type Condition = tf.Tensor1D | tf.Tensor2D;
