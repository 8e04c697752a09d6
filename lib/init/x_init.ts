/**
 * The student's initial state `x_init`: random codebook tokens with a fraction `rInit` of the
 * positions masked, plus the standard-normal noise the student mixes into its token embeddings
 * with weight σ.
 *
 * `rInit = 1` is the "all masked" start a teacher's sampler uses, `rInit = 0` "all random"; the
 * paper's case is in between (MaskGIT 0.6, Meissonic 0.5): entropy from the random tokens, while
 * staying close to the teacher's training inputs.
 *
 * @module
 */
import * as tf from "../backend/tf.ts";
import type { Rng } from "../rng/mod.ts";
import { standardNormal } from "../backend/random.ts";
import { checkInRange, checkInteger, errorMessage } from "../validate/mod.ts";
import { markRandomSubset } from "../masking/mod.ts";

/** The mask fraction of `x_init`: fixed, or drawn per sample from U(low, high). */
export type RInit =
  | { readonly kind: "fixed"; readonly value: number }
  | { readonly kind: "uniform"; readonly low: number; readonly high: number };

/** The initial distribution of the student. */
export interface InitConfig {
  /** Mask fraction of `x_init`. @default {{ kind: "fixed", value: 0.6 }} (official MaskGIT config, `fix_0.6`) */
  readonly rInit: RInit;
  /** σ, the variance-preserving embedding noise weight, in [0, 1). @default {0.1} (official MaskGIT config) */
  readonly sigma: number;
}

/** The paper's MaskGIT initial distribution: 60 % masked, σ = 0.1. */
export const DEFAULT_INIT: InitConfig = Object.freeze({
  rInit: Object.freeze({ kind: "fixed", value: 0.6 }),
  sigma: 0.1,
});

/**
 * Checks an {@linkcode InitConfig} and returns it frozen.
 *
 * @param config A partial config; missing fields take {@linkcode DEFAULT_INIT}'s.
 * @returns The complete, frozen config.
 * @throws {RangeError} If `rInit` is outside [0, 1] (or `low > high`), or σ is outside [0, 1).
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { resolveInitConfig } from "@dimo/dimo";
 * assert.equal(resolveInitConfig({ sigma: 0 }).rInit.kind, "fixed");
 * assert.throws(() => resolveInitConfig({ rInit: { kind: "fixed", value: 1.5 } }), /rInit/);
 * ```
 */
export function resolveInitConfig(config: Partial<InitConfig> = {}): InitConfig {
  const { rInit = DEFAULT_INIT.rInit, sigma = DEFAULT_INIT.sigma } = config;
  const action = "configure x_init";
  switch (rInit?.kind) {
    case "fixed":
      checkInRange(action, "rInit.value", rInit.value, 0, 1);
      break;
    case "uniform":
      checkInRange(action, "rInit.low", rInit.low, 0, 1);
      checkInRange(action, "rInit.high", rInit.high, rInit.low, 1);
      break;
    default:
      throw new RangeError(errorMessage(action, "rInit.kind", `"fixed" or "uniform"`, rInit));
  }
  checkInRange(action, "sigma", sigma, 0, 1, true);
  return Object.freeze({ rInit: Object.freeze({ ...rInit }), sigma });
}

/** Sizes and ids {@linkcode sampleXInit} needs. */
export interface XInitOptions {
  /** Number of samples B. */
  readonly batch: number;
  /** Sequence length L. */
  readonly seqLen: number;
  /** K: random tokens are drawn uniformly from `[0, K)`. */
  readonly codebookSize: number;
  /** The mask id written at masked positions. */
  readonly maskId: number;
  /** The generator for tokens, ratios and positions. */
  readonly rng: Rng;
}

/**
 * Draws `x_init`: every position a uniform random code, then round(L · r) positions per row
 * (uniformly chosen) set to the mask id, with r = `rInit` (or r ~ U(low, high) per sample).
 *
 * Unlike the official code, which masks at least one position, `rInit = 0` gives an all-random
 * state, matching the paper's "all random" ablation; the two differ only for r < 1/(2L).
 *
 * @param rInit The mask fraction, as in a resolved {@linkcode InitConfig}.
 * @param options Sizes, ids and the generator.
 * @returns `x_init`, int32 `[B, L]`.
 * @throws {RangeError} If a size is not a positive integer or `rInit` is outside [0, 1].
 *
 * @example Half masked
 * ```ts
 * import assert from "node:assert";
 * import { createRng, sampleXInit, useBackend } from "@dimo/dimo";
 * await useBackend("cpu");
 * const xInit = sampleXInit({ kind: "fixed", value: 0.5 }, {
 *   batch: 1, seqLen: 4, codebookSize: 8, maskId: 8, rng: createRng(0),
 * });
 * assert.equal(Array.from(await xInit.data()).filter((t) => t === 8).length, 2);
 * ```
 */
export function sampleXInit(rInit: RInit, options: XInitOptions): tf.Tensor2D {
  const { batch, seqLen, codebookSize, maskId, rng } = options;
  const action = "sample x_init";
  checkInteger(action, "batch", batch, 1);
  checkInteger(action, "seqLen", seqLen, 1);
  checkInteger(action, "codebookSize", codebookSize, 1);
  checkInteger(action, "maskId", maskId, 0);
  resolveInitConfig({ rInit, sigma: 0 });
  const tokens = new Int32Array(batch * seqLen);
  const mask = new Uint8Array(seqLen);
  for (let b = 0; b < batch; b++) {
    const ratio = rInit.kind === "fixed" ? rInit.value : rInit.low + (rInit.high - rInit.low) * rng.next();
    mask.fill(0);
    markRandomSubset(mask, Math.round(seqLen * ratio), rng);
    for (let i = 0; i < seqLen; i++) {
      tokens[b * seqLen + i] = mask[i] ? maskId : rng.int(codebookSize);
    }
  }
  return tf.tensor2d(tokens, [batch, seqLen], "int32");
}

/**
 * Draws the standard-normal noise n that the student mixes into its visual-token embeddings as
 * e' = σ·n + √(1 − σ²)·e. Keep it to reuse the same noise in the surrogate's second forward pass.
 *
 * @param shape `[B, L, D]`: batch, sequence length, embedding width.
 * @param rng The generator.
 * @returns float32 `[B, L, D]`, N(0, 1) entries, drawn on the device (`standardNormal`).
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { createRng, sampleEmbeddingNoise, useBackend } from "@dimo/dimo";
 * await useBackend("cpu");
 * assert.deepEqual(sampleEmbeddingNoise([2, 3, 4], createRng(0)).shape, [2, 3, 4]);
 * ```
 */
export function sampleEmbeddingNoise(shape: [number, number, number], rng: Rng): tf.Tensor3D {
  shape.forEach((d, i) => checkInteger("sample embedding noise", `shape[${i}]`, d, 1));
  return standardNormal(shape, rng.drawKey()) as tf.Tensor3D;
}
