/**
 * The HPS stand-in's score and its validation: the preference score of an image for a prompt
 * is 100 × the cosine of their embeddings by a {@linkcode DualEncoder}, as HPS v2 scores, and
 * a good scorer ranks the true prompt above a one-attribute perturbation and a clean render
 * above its degraded copies, on held-out renders.
 *
 * @module
 */
import * as tf from "../backend/tf.ts";
import {
  createPromptTokenizer,
  heldOutPrompts,
  type PerturbKind,
  perturbPrompt,
  promptText,
  renderScene,
  sampleScene,
  scenesToTensor,
} from "../data/mod.ts";
import type { DualEncoder } from "../models/mod.ts";
import { createRng, shuffle } from "../rng/mod.ts";
import { checkInteger, errorMessage } from "../validate/mod.ts";
import {
  degradationKinds,
  degradeRenders,
  type RoundTrip,
  type SceneDegradation,
} from "./_scene_degradations.ts";
import type { JudgedRate } from "./scene_judge.ts";

export type { RoundTrip, SceneDegradation } from "./_scene_degradations.ts";

/** Row-wise cosines of two sets of unit embeddings, times 100. */
async function rowScores(a: tf.Tensor2D, b: tf.Tensor2D): Promise<Float32Array> {
  const scores = tf.tidy(() => tf.mul(tf.sum(tf.mul(a, b), 1), 100));
  const values = await scores.data() as Float32Array;
  scores.dispose();
  return values;
}

/**
 * Scores images against prompts, pair by pair: 100 × the cosine of their embeddings (HPS v2's
 * scale; a score lies in [-100, 100]).
 *
 * @param encoder The scorer.
 * @param images Renders, `[32, 32, 3]` bytes each (as `renderScene` writes them).
 * @param prompts One prompt text per image, in the scene vocabulary.
 * @returns One score per pair.
 * @throws {RangeError} If the lists are empty or differ in length, an image has the wrong size,
 *   or a prompt has a word outside the vocabulary.
 *
 * @example Scores lie in [-100, 100]
 * ```ts
 * import assert from "node:assert";
 * import { createRng, DualEncoder, preferenceScore, resolveDualEncoderConfig, useBackend } from "@dimo/dimo";
 * await useBackend("cpu");
 * const encoder = new DualEncoder(resolveDualEncoderConfig(), { rng: createRng(0) });
 * const image = new Uint8Array(32 * 32 * 3).fill(200);
 * const scores = await preferenceScore(encoder, [image, image], ["a photo of a square", "a sketch of two bars"]);
 * assert.ok(scores.length === 2 && scores.every((s) => Math.abs(s) <= 100));
 * encoder.dispose();
 * ```
 */
export async function preferenceScore(
  encoder: DualEncoder,
  images: readonly Uint8Array[],
  prompts: readonly string[],
): Promise<number[]> {
  const action = "compute preference scores";
  if (images.length === 0 || prompts.length !== images.length) {
    throw new RangeError(
      errorMessage(action, "prompts", `one per image (${images.length}, at least one)`, prompts.length),
    );
  }
  const ids = createPromptTokenizer({ contextLength: encoder.config.text.contextLength }).encodeBatch(
    prompts,
  );
  const pixels = scenesToTensor(images);
  try {
    const [a, b] = [encoder.embedImages(pixels, { validateRange: false }), encoder.embedPrompts(ids)];
    const scores = await rowScores(a, b);
    tf.dispose([a, b]);
    return [...scores];
  } finally {
    tf.dispose([ids, pixels]);
  }
}

/** Options of {@linkcode validatePreference}. */
export interface ValidatePreferenceOptions {
  /**
   * Held-out renders; prompts are the held-out list shuffled, repeated as needed.
   * @default {536, each held-out prompt once}
   */
  readonly count?: number;
  /** Seed of the prompt order, scenes, perturbations and degradations. @default {0} */
  readonly seed?: number;
  /** An image tokenizer's round trip, one more degradation (e.g. `sceneRoundTrip(tokenizer)`). */
  readonly roundTrip?: RoundTrip;
}

/** A rate overall and by kind. */
export interface RankingRates<K extends string> {
  /** Comparisons in all. */
  readonly n: number;
  /** The fraction ranked the right way (ties count as wrong). */
  readonly rate: number;
  /** The same per kind. */
  readonly byKind: Readonly<Partial<Record<K, JudgedRate>>>;
}

/** What {@linkcode validatePreference} measured. */
export interface PreferenceValidation {
  /** The true prompt scores above a one-attribute perturbation of it, on the same render. */
  readonly prompt: RankingRates<PerturbKind>;
  /** The clean render scores above its degraded copy, for the true prompt. */
  readonly image: RankingRates<SceneDegradation>;
}

function rates<K extends string>(wins: readonly boolean[], kinds: readonly K[]): RankingRates<K> {
  const rate = (ok: readonly boolean[]) => ok.filter(Boolean).length / ok.length;
  const byKind: Partial<Record<K, JudgedRate>> = {};
  for (const kind of new Set(kinds)) {
    const group = wins.filter((_, i) => kinds[i] === kind);
    byKind[kind] = { n: group.length, rate: rate(group) };
  }
  return { n: wins.length, rate: rate(wins), byKind };
}

/**
 * Validates a preference scorer on held-out renders (prompts from `heldOutPrompts`, scenes of
 * the held-out split): for each render, (a) its prompt against one random one-attribute
 * perturbation ({@linkcode perturbPrompt}), and (b) the render against each degraded copy of it
 * (blur, noise, the round trip if given, a wrong attribute by `wrongScene`), both for its prompt.
 *
 * @param encoder The scorer.
 * @param options Sample size, seed and the round trip.
 * @returns The rate at which each comparison goes the right way, overall and by kind.
 * @throws {RangeError} If `count` is not a positive integer or `seed` not a safe integer.
 *
 * @example An untrained encoder ranks about at chance
 * ```ts
 * import assert from "node:assert";
 * import { createRng, DualEncoder, resolveDualEncoderConfig, useBackend, validatePreference } from "@dimo/dimo";
 * await useBackend("cpu");
 * const encoder = new DualEncoder(resolveDualEncoderConfig(), { rng: createRng(0) });
 * const { prompt, image } = await validatePreference(encoder, { count: 24 });
 * assert.deepEqual([prompt.n, image.n], [24, 72]);
 * assert.ok(prompt.rate < 0.95);
 * encoder.dispose();
 * ```
 */
export async function validatePreference(
  encoder: DualEncoder,
  options: ValidatePreferenceOptions = {},
): Promise<PreferenceValidation> {
  const prompts = heldOutPrompts();
  const { count = prompts.length, seed = 0, roundTrip } = options;
  const action = "validate the preference score";
  checkInteger(action, "count", count, 1);
  checkInteger(action, "seed", seed, Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
  const rng = createRng(seed);
  const order = shuffle(prompts.map((_, i) => i), rng);
  const chosen = Array.from({ length: count }, (_, i) => prompts[order[i % order.length]!]!);
  const scenes = chosen.map(({ prompt, style }) => sampleScene(prompt, { style, rng, split: "heldout" }));
  const renders = scenes.map(renderScene);
  const perturbations = scenes.map((s) => perturbPrompt(s.prompt, { rng }));
  const kinds = degradationKinds(roundTrip);
  const degradedKinds = kinds.flatMap((kind) => scenes.map(() => kind));
  const degraded = await degradeRenders(
    kinds.flatMap(() => scenes),
    kinds.flatMap(() => renders),
    degradedKinds,
    {
      rng,
      split: "heldout",
      roundTrip,
    },
  );
  const truePrompts = chosen.map((c) => c.text);
  const clean = await preferenceScore(encoder, renders, truePrompts);
  const perturbedTexts = perturbations.map((p, i) => promptText(p.prompt, scenes[i]!.style));
  const perturbed = await preferenceScore(encoder, renders, perturbedTexts);
  const worse = await preferenceScore(encoder, degraded, kinds.flatMap(() => truePrompts));
  return {
    prompt: rates(clean.map((s, i) => s > perturbed[i]!), perturbations.map((p) => p.kind)),
    image: rates(worse.map((s, i) => clean[i % count]! > s), degradedKinds),
  };
}
