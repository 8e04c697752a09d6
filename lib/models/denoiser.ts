/**
 * The one interface samplers and the distillation trainer see a network through.
 *
 * @module
 */
import type * as tf from "../backend/tf.ts";

/**
 * A masked-diffusion network as a function: token ids and class labels in, logits out.
 *
 * `tokens` is int32 `[B, L]` with values in `[0, maskId]`; `labels` is int32 `[B]` holding class
 * ids, where the model's null class means "unconditional" (used by classifier-free guidance).
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
export type Denoiser = (tokens: tf.Tensor2D, labels: tf.Tensor1D) => tf.Tensor3D;
