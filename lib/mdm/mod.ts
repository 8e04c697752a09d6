/**
 * Training a masked diffusion model: the masked cross-entropy and condition dropout for CFG.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { maskedCrossEntropy, tf, useBackend } from "@dimo/dimo";
 * await useBackend("cpu");
 * const loss = maskedCrossEntropy(
 *   tf.zeros([1, 1, 2]) as tf.Tensor3D,
 *   tf.tensor2d([[0]], [1, 1], "int32"),
 *   tf.tensor2d([[true]], [1, 1], "bool"),
 * );
 * assert.ok(Math.abs((await loss.data())[0] - Math.LN2) < 1e-6);
 * ```
 *
 * @module
 */
export * from "./loss.ts";
export * from "./train.ts";
export * from "./train_loop.ts";
