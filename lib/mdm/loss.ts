/**
 * The MDM training loss: cross-entropy on the masked positions, with label smoothing, and the
 * condition dropout that makes a model usable with classifier-free guidance.
 *
 * @module
 */
import * as tf from "../backend/tf.ts";
import { oneHot } from "../backend/ops.ts";
import { checkIds } from "../backend/check.ts";
import type { Rng } from "../rng/mod.ts";
import { checkDtype, checkInRange, checkInteger, checkShape, errorMessage } from "../validate/mod.ts";

/** Options of {@linkcode maskedCrossEntropy}. */
export interface MaskedCrossEntropyOptions {
  /**
   * ε: the target is (1 − ε)·onehot + ε/V, as PyTorch's and TensorFlow's label smoothing.
   * MaskGIT trains its teacher, and Di[M]O its auxiliary model, with 0.1.
   * @default {0}
   */
  readonly labelSmoothing?: number;
}

/**
 * Mean cross-entropy over the masked positions: (1/|M|) Σ_{(b,i)∈M} −Σ_v t_v log softmax(z_{b,i})_v
 * with t the (smoothed) one-hot of the target token. Unmasked positions do not contribute; a
 * batch without masked positions gives 0.
 *
 * @param logits float32 `[B, L, V]`.
 * @param targets The clean tokens x_0, int32 `[B, L]`, ids in `[0, V)` at masked positions.
 * @param masked Which positions count, bool `[B, L]`.
 * @param options Label smoothing.
 * @returns The loss, a float32 scalar.
 * @throws {TypeError} If shapes or dtypes disagree.
 * @throws {RangeError} If `labelSmoothing` is outside [0, 1] or a target id is outside [0, V).
 *
 * @example A uniform prediction costs log V
 * ```ts
 * import assert from "node:assert";
 * import { maskedCrossEntropy, tf, useBackend } from "@dimo/dimo";
 * await useBackend("cpu");
 * const loss = maskedCrossEntropy(
 *   tf.zeros([1, 2, 4]) as tf.Tensor3D,
 *   tf.tensor2d([[1, 3]], [1, 2], "int32"),
 *   tf.tensor2d([[true, false]], [1, 2], "bool"),
 * );
 * assert.ok(Math.abs((await loss.data())[0] - Math.log(4)) < 1e-6);
 * ```
 */
export function maskedCrossEntropy(
  logits: tf.Tensor3D,
  targets: tf.Tensor2D,
  masked: tf.Tensor2D,
  options: MaskedCrossEntropyOptions = {},
): tf.Scalar {
  const { labelSmoothing = 0 } = options;
  const action = "compute the masked cross-entropy";
  checkShape(action, "logits", logits.shape, [-1, -1, -1]);
  const [batch, length, vocab] = logits.shape;
  checkShape(action, "targets", targets.shape, [batch, length]);
  checkShape(action, "masked", masked.shape, [batch, length]);
  checkDtype(action, "targets", targets.dtype, "int32");
  checkDtype(action, "masked", masked.dtype, "bool");
  checkInRange(action, "labelSmoothing", labelSmoothing, 0, 1);
  checkIds(action, "targets", targets, vocab);
  return tf.tidy(() => {
    const logProbs = tf.logSoftmax(logits);
    const target = oneHot(targets, vocab);
    const smoothed = labelSmoothing === 0
      ? target
      : tf.add(tf.mul(target, 1 - labelSmoothing), labelSmoothing / vocab);
    const perToken = tf.neg(tf.sum(tf.mul(smoothed, logProbs), -1));
    const weight = tf.cast(masked, "float32");
    const count = tf.maximum(tf.sum(weight), 1);
    return tf.div(tf.sum(tf.mul(perToken, weight)), count) as tf.Scalar;
  });
}

/**
 * Condition dropout for classifier-free guidance: replaces each label by the null class with
 * probability `rate`, so one network learns both p(x | y) and p(x).
 *
 * @param labels Class ids, int32 `[B]`.
 * @param options `rate` ∈ [0, 1] (MaskGIT: 0.1), `nullClass` (the unconditional id), and `rng`.
 * @returns The new labels, int32 `[B]`.
 * @throws {RangeError} If `rate` is outside [0, 1] or `nullClass` is not a non-negative integer.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { createRng, dropLabels, tf, useBackend } from "@dimo/dimo";
 * await useBackend("cpu");
 * const dropped = dropLabels(tf.tensor1d([0, 1, 2], "int32"), { rate: 1, nullClass: 10, rng: createRng(0) });
 * assert.deepEqual(Array.from(await dropped.data()), [10, 10, 10]);
 * ```
 */
export function dropLabels(
  labels: tf.Tensor1D,
  options: { readonly rate: number; readonly nullClass: number; readonly rng: Rng },
): tf.Tensor1D {
  const { rate, nullClass, rng } = options;
  checkDtype("drop labels", "labels", labels.dtype, "int32");
  checkInRange("drop labels", "rate", rate, 0, 1);
  checkInteger("drop labels", "nullClass", nullClass, 0);
  const drop = Uint8Array.from({ length: labels.shape[0] }, () => (rng.next() < rate ? 1 : 0));
  return tf.tidy(() =>
    tf.where(tf.tensor1d(drop, "bool"), tf.fill(labels.shape, nullClass, "int32"), labels) as tf.Tensor1D
  );
}

/**
 * Condition dropout for classifier-free guidance on prompts: replaces each prompt by the null
 * prompt with probability `rate` (Meissonic drops the text condition this way).
 *
 * @param prompts Prompt ids, int32 `[B, P]`.
 * @param options `rate` ∈ [0, 1], `nullPrompt` (P ids of the unconditional prompt), and `rng`.
 * @returns The new prompt ids, int32 `[B, P]`.
 * @throws {RangeError} If `rate` is outside [0, 1] or `nullPrompt` is not P ids.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { createRng, dropPrompts, tf, useBackend } from "@dimo/dimo";
 * await useBackend("cpu");
 * const prompts = tf.tensor2d([[5, 6, 0], [7, 8, 9]], [2, 3], "int32");
 * const dropped = dropPrompts(prompts, { rate: 1, nullPrompt: [1, 0, 0], rng: createRng(0) });
 * assert.deepEqual(await dropped.array(), [[1, 0, 0], [1, 0, 0]]);
 * ```
 */
export function dropPrompts(
  prompts: tf.Tensor2D,
  options: { readonly rate: number; readonly nullPrompt: ArrayLike<number>; readonly rng: Rng },
): tf.Tensor2D {
  const { rate, nullPrompt, rng } = options;
  const action = "drop prompts";
  checkDtype(action, "prompts", prompts.dtype, "int32");
  checkShape(action, "prompts", prompts.shape, [-1, -1]);
  checkInRange(action, "rate", rate, 0, 1);
  const [batch, length] = prompts.shape;
  if (nullPrompt.length !== length) {
    throw new RangeError(
      errorMessage(action, "nullPrompt", `${length} ids (the prompts' length)`, nullPrompt),
    );
  }
  const drop = Uint8Array.from({ length: batch }, () => (rng.next() < rate ? 1 : 0));
  return tf.tidy(() => {
    const nulls = tf.tile(tf.tensor2d(Array.from(nullPrompt), [1, length], "int32"), [batch, 1]);
    return tf.where(
      tf.tile(tf.tensor2d(drop, [batch, 1], "bool"), [1, length]),
      nulls,
      prompts,
    ) as tf.Tensor2D;
  });
}
