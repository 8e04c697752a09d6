// The loop shared by the multi-step samplers (MaskGIT, ancestral); private to lib/sampling.
//
// Start fully masked; at step i, sample a token at every position from the (guided, tempered)
// denoiser with the non-code classes forbidden, score the positions, and reveal the plan[i]
// highest-scoring positions that are still masked. Samplers differ only in the score.
import * as tf from "../backend/tf.ts";
import type { Condition, Denoiser } from "../models/denoiser.ts";
import type { Rng } from "../rng/mod.ts";
import { checkInteger, errorMessage } from "../validate/mod.ts";
import { sampleCategorical } from "./categorical.ts";
import { guidanceScaleAt, type GuidanceSchedule, guidedLogits } from "./guidance.ts";
import type { MultiStepSamplerOptions } from "./options.ts";
import {
  checkCondition,
  checkDenoiserOutput,
  checkGuidanceSchedule,
  checkNullCondition,
  checkTemperature,
} from "./_check.ts";

/** What a sampler's score function sees at one step. */
export interface StepState {
  /** Step index in `[0, steps − 1]`. */
  readonly step: number;
  /** The logits tokens were drawn from: forbidden classes at −∞, tempered; float32 `[B, L, V]`. */
  readonly logits: tf.Tensor3D;
  /** The tokens drawn at every position, int32 `[B, L]`. */
  readonly sampled: tf.Tensor2D;
}

/** Options of {@linkcode unmask}, already defaulted by the sampler. */
export interface UnmaskOptions {
  readonly seqLen: number;
  readonly maskId: number;
  readonly codebookSize: number;
  readonly plan: readonly number[];
  readonly guidance: GuidanceSchedule;
  readonly nullClass: number | undefined;
  readonly nullPrompt: ArrayLike<number> | undefined;
  readonly temperature: number;
  /** Scores every position, float32 `[B, L]`; the highest-scoring masked positions are revealed. */
  readonly score: (state: StepState) => tf.Tensor;
}

/** Validates the options every multi-step sampler shares, before any tensor work. */
function checkUnmaskOptions(action: string, condition: tf.Tensor, options: UnmaskOptions): void {
  const { seqLen, maskId, codebookSize, plan, guidance, temperature } = options;
  checkCondition(action, condition);
  checkInteger(action, "seqLen", seqLen, 1);
  checkInteger(action, "codebookSize", codebookSize, 1);
  checkInteger(action, "maskId", maskId, codebookSize);
  checkPlan(action, plan, seqLen);
  checkGuidanceSchedule(action, guidance);
  if (guidance.scale !== 1) checkNullCondition(action, options, condition);
  checkTemperature(action, temperature);
}

/**
 * What every multi-step sampler does once it has its plan and score: fill in the shared defaults
 * (no guidance, temperature 1), validate, and run {@linkcode unmask}.
 */
export function runUnmasking(
  action: string,
  denoiser: Denoiser,
  condition: Condition,
  rng: Rng,
  options: MultiStepSamplerOptions,
  sampler: { readonly plan: readonly number[]; readonly score: (state: StepState) => tf.Tensor },
): tf.Tensor2D {
  const { seqLen, maskId, codebookSize, nullClass, nullPrompt } = options;
  const { guidance = { kind: "constant", scale: 1 }, temperature = 1 } = options;
  const unmaskOptions = {
    seqLen,
    maskId,
    codebookSize,
    guidance,
    nullClass,
    nullPrompt,
    temperature,
    ...sampler,
  };
  checkUnmaskOptions(action, condition, unmaskOptions);
  return unmask(denoiser, condition, rng, unmaskOptions);
}

/** Throws a `RangeError` unless `plan` is positive integers summing to `seqLen`. */
function checkPlan(action: string, plan: readonly number[], seqLen: number): void {
  const valid = Array.isArray(plan) && plan.length >= 1 && plan.every((k) => Number.isInteger(k) && k >= 1) &&
    plan.reduce((a, b) => a + b, 0) === seqLen;
  if (!valid) {
    throw new RangeError(errorMessage(action, "plan", `integers >= 1 summing to seqLen (${seqLen})`, plan));
  }
}

/**
 * Validates `seqLen` and `steps` and returns the plan: the caller's (which must have `steps`
 * entries) or `defaultPlan(steps, seqLen)`.
 */
export function resolvePlan(
  action: string,
  steps: number,
  options: { readonly seqLen: number; readonly plan?: readonly number[] },
  defaultPlan: (steps: number, seqLen: number) => number[],
): readonly number[] {
  checkInteger(action, "seqLen", options.seqLen, 1);
  checkInteger(action, "steps", steps, 1, options.seqLen);
  if (options.plan === undefined) return defaultPlan(steps, options.seqLen);
  if (!Array.isArray(options.plan) || options.plan.length !== steps) {
    throw new RangeError(errorMessage(action, "plan", `an array of steps (${steps}) counts`, options.plan));
  }
  return options.plan;
}

/** Checks the Gumbel temperature of the MaskGIT sampler (a finite number ≥ 0). */
export function checkGumbelTemperature(action: string, gumbelTemperature: number): void {
  if (typeof gumbelTemperature !== "number" || !Number.isFinite(gumbelTemperature) || gumbelTemperature < 0) {
    throw new RangeError(
      errorMessage(action, "gumbelTemperature", "a finite number >= 0", gumbelTemperature),
    );
  }
}

/**
 * Runs the unmasking loop; returns int32 `[B, L]` tokens in `[0, codebookSize)`. Only the running
 * tokens live across steps; each step's tensors are freed by its own tidy.
 */
function unmask(
  denoiser: Denoiser,
  condition: Condition,
  rng: Rng,
  options: UnmaskOptions,
): tf.Tensor2D {
  const { seqLen, maskId, plan, guidance, nullClass, nullPrompt } = options;
  const batch = condition.shape[0];
  const steps = plan.length;
  return tf.tidy(() => {
    let tokens: tf.Tensor2D = tf.fill([batch, seqLen], maskId, "int32");
    for (let step = 0; step < steps; step++) {
      const next = tf.tidy(() => {
        const scale = guidanceScaleAt(guidance, step, steps);
        const z = guidedLogits(denoiser, tokens, condition, { scale, nullClass, nullPrompt });
        checkDenoiserOutput("sample tokens", z, batch, seqLen, options.codebookSize);
        const logits = tf.div(forbidNonCodes(z, options.codebookSize), options.temperature) as tf.Tensor3D;
        const sampled = sampleCategorical(logits, rng) as tf.Tensor2D;
        const masked = tf.equal(tokens, maskId);
        const score = tf.where(
          masked,
          options.score({ step, logits, sampled }),
          -Infinity,
        ) as tf.Tensor2D;
        const reveal = topKPositions(score, plan[step]);
        return tf.where(reveal, sampled, tokens) as tf.Tensor2D;
      });
      tokens.dispose();
      tokens = next;
    }
    return tokens;
  });
}

/** Sets the logits of classes ≥ `codebookSize` (the mask class, when the head has one) to −∞. */
function forbidNonCodes(logits: tf.Tensor3D, codebookSize: number): tf.Tensor {
  const vocabSize = logits.shape[2];
  if (vocabSize === codebookSize) return logits;
  const penalty = Array.from({ length: vocabSize }, (_, v) => (v < codebookSize ? 0 : -Infinity));
  return tf.add(logits, tf.tensor1d(penalty));
}

/** A bool `[B, L]` mask of the `k` highest scores of each row (exactly `k`, ties broken by topk). */
function topKPositions(score: tf.Tensor2D, k: number): tf.Tensor {
  const [batch, seqLen] = score.shape;
  const { indices } = tf.topk(score, k);
  const rows = tf.tile(tf.reshape(tf.range(0, batch, 1, "int32"), [batch, 1]), [1, k]);
  const chosen = tf.scatterND(tf.stack([rows, indices], 2), tf.onesLike(indices), [batch, seqLen]);
  return tf.cast(chosen, "bool");
}

/** `log p(sampled)` under `softmax(logits)`, float32 `[B, L]`. */
export function logProbOfSampled(logits: tf.Tensor3D, sampled: tf.Tensor2D): tf.Tensor {
  const [batch, seqLen, vocabSize] = logits.shape;
  // gatherND at (position, sampled): no [B, L, V] mask to build (tfjs-wasm compares with
  // broadcasting slowly), and no flat index B·L·V computed in a tensor op (tfjs-webgpu multiplies
  // int32 in float32, exact only below 2^24).
  const positions = tf.range(0, batch * seqLen, 1, "int32");
  const at = tf.stack([positions, tf.reshape(sampled, [-1])], 1);
  const picked = tf.reshape(tf.gatherND(tf.reshape(logits, [batch * seqLen, vocabSize]), at), [
    batch,
    seqLen,
  ]);
  return tf.sub(picked, tf.logSumExp(logits, -1));
}
