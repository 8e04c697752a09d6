/**
 * Optimisation shared by teacher training and distillation: Adam with warm-up and clipping,
 * and the EMA of weights.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { Adam, tf, useBackend } from "@dimo/dimo";
 * await useBackend("cpu");
 * const w = tf.variable(tf.scalar(1));
 * const adam = new Adam([w], { lr: 0.5, warmupSteps: 2 });
 * assert.equal(adam.lr, 0.25);
 * adam.dispose();
 * ```
 *
 * @module
 */
export * from "./adam.ts";
export * from "./ema.ts";
