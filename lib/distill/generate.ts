/**
 * One-step generation with a distilled student: draw `x_init` and the embedding noise as in
 * training, one forward pass, one categorical draw.
 *
 * @module
 */
import * as tf from "../backend/tf.ts";
import { type InitConfig, sampleEmbeddingNoise, sampleXInit } from "../init/x_init.ts";
import type { Transformer } from "../models/transformer.ts";
import type { Condition } from "../models/denoiser.ts";
import type { Rng } from "../rng/mod.ts";
import type { CategoricalOptions } from "../sampling/categorical.ts";
import { sampleOneStep } from "../sampling/one_step.ts";

/**
 * Samples token sequences from a one-step student: `x_init` with `init.rInit` of its tokens
 * masked and the rest uniform codes, Gaussian noise of scale `init.sigma` on the input
 * embeddings (none at σ = 0), then {@linkcode sampleOneStep} — the draws of the training step.
 *
 * @param student The distilled generator (usually `state.studentEmaModel()`).
 * @param init The initial distribution it was distilled with (`config.init`).
 * @param condition Class labels, int32 `[B]`, or prompt ids, int32 `[B, P]`.
 * @param rng Draws `x_init`, the noise and the tokens.
 * @param options The draw's `temperature` and `topK`.
 * @returns Tokens, int32 `[B, L]`, every one in `[0, codebookSize)`.
 * @throws {RangeError} If a sampling option is out of range.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { createRng, generateOneStep, resolveInitConfig, resolveTransformerConfig, tf, Transformer, useBackend } from "@dimo/dimo";
 * await useBackend("cpu");
 * const student = new Transformer(
 *   resolveTransformerConfig({ codebookSize: 4, numClasses: 2, seqLen: 5, width: 8, heads: 2, layers: 1 }),
 *   { rng: createRng(0) },
 * );
 * const tokens = generateOneStep(student, resolveInitConfig({}), tf.tensor1d([0, 1], "int32"), createRng(1));
 * assert.deepEqual(tokens.shape, [2, 5]);
 * assert.ok(Array.from(await tokens.data()).every((t) => t >= 0 && t < 4));
 * student.dispose();
 * ```
 */
export function generateOneStep(
  student: Transformer,
  init: InitConfig,
  condition: Condition,
  rng: Rng,
  options: CategoricalOptions = {},
): tf.Tensor2D {
  const { seqLen, codebookSize, width } = student.config;
  const { maskId } = student.layout;
  return tf.tidy(() => {
    const batch = condition.shape[0];
    const xInit = sampleXInit(init.rInit, { batch, seqLen, codebookSize, maskId, rng });
    const noise = init.sigma > 0 ? sampleEmbeddingNoise([batch, seqLen, width], rng) : undefined;
    const embeddingNoise = noise && { sigma: init.sigma, noise };
    const denoiser = student.asDenoiser({ validateIds: false, embeddingNoise });
    return sampleOneStep(denoiser, xInit, condition, rng, { ...options, codebookSize });
  });
}
