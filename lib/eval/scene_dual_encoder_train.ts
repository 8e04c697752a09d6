/**
 * Training the two scene dual encoders: the CLIP stand-in (plain contrastive on training renders
 * and prompts; its text tower becomes the teacher's frozen text encoder) and the HPS stand-in
 * (bilinear pooling over a hue-blind convolution, degraded renders and one-attribute-perturbed
 * prompts as negatives and ranked against, a different seed). They share code, never weights,
 * so the generator is not graded by its own encoder.
 *
 * @module
 */
import {
  createPromptTokenizer,
  perturbPrompt,
  promptText,
  renderScene,
  sampleScenes,
  scenesToTensor,
  type SceneTask,
} from "../data/mod.ts";
import {
  type ContrastiveBatch,
  type DualEncoderOverrides,
  resolveDualEncoderConfig,
  trainDualEncoder,
  type TrainedDualEncoder,
} from "../models/mod.ts";
import type { ProgressReporter } from "../progress/mod.ts";
import { createRng } from "../rng/mod.ts";
import { checkInteger, errorMessage } from "../validate/mod.ts";
import { degradationKinds, degradeRenders, type RoundTrip } from "./_scene_degradations.ts";

/** Options of {@linkcode sceneContrastiveBatches}. */
export interface SceneContrastiveBatchesOptions {
  /** Seed of the scenes and negatives. */
  readonly seed: number;
  /** Pairs per batch. @default {64} */
  readonly batch?: number;
  /** Ids per prompt: the text tower's context length. @default {10} */
  readonly contextLength?: number;
  /**
   * Add, for each pair, a degraded copy of its render (blur, noise, round trip, wrong attribute,
   * in turn) as a negative image and a one-attribute perturbation of its prompt as a negative prompt.
   * @default {false}
   */
  readonly hardNegatives?: boolean;
  /** An image tokenizer's round trip, one more degradation (e.g. `sceneRoundTrip(tokenizer)`). */
  readonly roundTrip?: RoundTrip;
  /** Relative weight of each task (as `sampleScenes` takes it). @default {equal weights} */
  readonly tasks?: Partial<Record<SceneTask, number>>;
}

/**
 * A source of training batches of scenes: fresh training-split renders and prompts each
 * iteration, and with `hardNegatives` their degraded copies and perturbed prompts. No negative
 * shows or names a held-out combination.
 *
 * @param options Seed, batch size, context length, negatives and the round trip.
 * @returns The batch of an iteration (the same iteration gives the same batch), once its round trips
 * are read back; the caller disposes its tensors.
 * @throws {RangeError} If `batch` or `contextLength` is not a positive integer, or `seed` not a safe integer.
 *
 * @example Negatives double both sides
 * ```ts
 * import assert from "node:assert";
 * import { sceneContrastiveBatches, tf, useBackend } from "@dimo/dimo";
 * await useBackend("cpu");
 * const batch = await sceneContrastiveBatches({ seed: 0, batch: 4, hardNegatives: true })(0);
 * assert.deepEqual([batch.images.shape, batch.negativeImages?.shape], [[4, 32, 32, 3], [4, 32, 32, 3]]);
 * assert.deepEqual(batch.negativePrompts?.shape, [4, 10]);
 * tf.dispose(Object.values(batch));
 * ```
 */
export function sceneContrastiveBatches(
  options: SceneContrastiveBatchesOptions,
): (iteration: number) => Promise<ContrastiveBatch> {
  const { seed, batch = 64, contextLength = 10, hardNegatives = false, roundTrip, tasks } = options;
  const action = "draw contrastive scene batches";
  checkInteger(action, "seed", seed, Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
  checkInteger(action, "batch", batch, 1);
  checkInteger(action, "contextLength", contextLength, 1);
  const tokenizer = createPromptTokenizer({ contextLength });
  const kinds = degradationKinds(roundTrip);
  return async (iteration) => {
    const rng = createRng(seed).fork(`batch ${iteration}`);
    const samples = sampleScenes(batch, { rng, split: "train", ...(tasks ? { tasks } : {}) });
    const scenes = samples.map((s) => s.scene);
    const renders = scenes.map(renderScene);
    const pairs = {
      images: scenesToTensor(renders),
      prompts: tokenizer.encodeBatch(samples.map((s) => s.text)),
    };
    if (!hardNegatives) return pairs;
    const degraded = await degradeRenders(
      scenes,
      renders,
      scenes.map((_, i) => kinds[(i + iteration) % kinds.length]!),
      {
        rng,
        split: "train",
        roundTrip,
      },
    );
    const perturbed = scenes.map((s) =>
      promptText(perturbPrompt(s.prompt, { rng, split: "train" }).prompt, s.style)
    );
    return {
      ...pairs,
      negativeImages: scenesToTensor(degraded),
      negativePrompts: tokenizer.encodeBatch(perturbed),
    };
  };
}

/**
 * The shape of the HPS stand-in: its convolutions see saturation, blind to hue, and both towers
 * pool bilinearly (colour and place ⊗ parts, see `DualEncoderConfig.pooling`), so a colour is
 * bound to the shape it lies on and a held-out colour–shape pair is scored from its colour and
 * its shape, each seen in training with others. The text tower is the default one.
 *
 * @example The embedding is (8 + 3) · 16 wide
 * ```ts
 * import assert from "node:assert";
 * import { PREFERENCE_MODEL_CONFIG, resolveDualEncoderConfig } from "@dimo/dimo";
 * assert.equal(resolveDualEncoderConfig(PREFERENCE_MODEL_CONFIG).embedWidth, 176);
 * ```
 */
export const PREFERENCE_MODEL_CONFIG: DualEncoderOverrides = Object.freeze({
  convInput: "saturation",
  pooling: "bilinear",
  featureWidth: 16,
  colorWidth: 8,
});

/** Options of {@linkcode trainClipStandIn} and {@linkcode trainPreferenceModel}. */
export interface TrainSceneEncoderOptions {
  /** Adam steps. @default {600} (CLIP stand-in), {1200} (HPS stand-in) */
  readonly iterations?: number;
  /** Pairs per batch. @default {64} */
  readonly batch?: number;
  /** Seed of the weights and batches. @default {1} (CLIP stand-in), {2} (HPS stand-in) */
  readonly seed?: number;
  /** Adam's peak learning rate. @default {2e-3} */
  readonly lr?: number;
  /**
   * The HPS stand-in only: weight of the loss's ranking term, each pair's render against its own
   * perturbed prompt and its prompt against its own degraded render (see `ContrastiveLossOptions`).
   * @default {1} (HPS stand-in); the CLIP stand-in has no negatives and takes only 0
   */
  readonly rankingWeight?: number;
  /**
   * The encoder's shape: fields override the defaults of the model trained.
   * @default {DEFAULT_DUAL_ENCODER_CONFIG} (CLIP stand-in), {PREFERENCE_MODEL_CONFIG} (HPS stand-in)
   */
  readonly config?: DualEncoderOverrides;
  /** The HPS stand-in only: an image tokenizer's round trip, one more degradation. */
  readonly roundTrip?: RoundTrip;
  /** Relative weight of each task in the batches. @default {equal weights} */
  readonly tasks?: Partial<Record<SceneTask, number>>;
  /** Where progress goes. @default {stderrProgress} */
  readonly progress?: ProgressReporter;
  /** Stops the training before its next iteration (see `TrainDualEncoderOptions.signal`). */
  readonly signal?: AbortSignal;
}

/** What differs between the two stand-ins. */
interface SceneEncoderRecipe {
  readonly seed: number;
  readonly label: string;
  readonly iterations: number;
  readonly config: DualEncoderOverrides;
  /** Degraded renders and perturbed prompts in every batch, and the weight of ranking against them. */
  readonly hardNegatives: boolean;
  readonly rankingWeight: number;
}

async function trainScene(
  options: TrainSceneEncoderOptions,
  recipe: SceneEncoderRecipe,
): Promise<TrainedDualEncoder> {
  const {
    iterations = recipe.iterations,
    batch = 64,
    seed = recipe.seed,
    lr,
    rankingWeight = recipe.rankingWeight,
    roundTrip,
    tasks,
    progress,
    signal,
  } = options;
  if (!recipe.hardNegatives && rankingWeight !== 0) {
    throw new RangeError(
      errorMessage(`train the ${recipe.label}`, "rankingWeight", "0 (no negatives to rank)", rankingWeight),
    );
  }
  const config = resolveDualEncoderConfig({
    ...recipe.config,
    ...options.config,
    text: { ...recipe.config.text, ...options.config?.text },
  });
  const nextBatch = sceneContrastiveBatches({
    seed,
    batch,
    contextLength: config.text.contextLength,
    hardNegatives: recipe.hardNegatives,
    roundTrip,
    tasks,
  });
  return await trainDualEncoder({
    rng: createRng(seed),
    iterations,
    nextBatch,
    config,
    label: recipe.label,
    rankingWeight,
    signal,
    ...(lr === undefined ? {} : { lr }),
    ...(progress === undefined ? {} : { progress }),
  });
}

/**
 * Trains the CLIP stand-in: plain symmetric InfoNCE on training-split renders and prompts. Its
 * `textEncoderWeights()` are the teacher's pre-trained text encoder.
 *
 * @param options Iterations, batch size, seed, learning rate, configuration and progress.
 * @returns The encoder and its loss curve; the caller disposes the encoder.
 * @throws {RangeError} If an option is out of range.
 *
 * @example A few iterations lower the loss
 * ```ts
 * import assert from "node:assert";
 * import { silentProgress, trainClipStandIn, useBackend } from "@dimo/dimo";
 * await useBackend("cpu");
 * const config = { channels: [4, 4] as [number, number], featureWidth: 16, embedWidth: 16, text: { width: 16, layers: 1 } };
 * const { encoder, curve } = await trainClipStandIn({ iterations: 40, batch: 16, config, progress: silentProgress });
 * assert.ok(curve.at(-1)!.loss < curve[0]!.loss);
 * assert.ok("text.tok_emb.weight" in encoder.textEncoderWeights());
 * encoder.dispose();
 * ```
 */
export function trainClipStandIn(options: TrainSceneEncoderOptions = {}): Promise<TrainedDualEncoder> {
  return trainScene(options, {
    seed: 1,
    label: "CLIP stand-in",
    iterations: 600,
    config: {},
    hardNegatives: false,
    rankingWeight: 0,
  });
}

/**
 * Trains the HPS stand-in, shaped by {@linkcode PREFERENCE_MODEL_CONFIG}: symmetric InfoNCE on
 * training-split renders and prompts, each batch with a degraded copy of every render (blur,
 * noise, the round trip if given, a wrong attribute) as a negative for every prompt and a
 * one-attribute perturbation of every prompt as a negative for every image, plus the ranking of
 * each pair against its own two negatives — the comparisons {@linkcode validatePreference}
 * makes on held-out renders.
 *
 * @param options Iterations, batch size, seed, learning rate, ranking weight, configuration, round trip and progress.
 * @returns The encoder and its loss curve; the caller disposes the encoder.
 * @throws {RangeError} If an option is out of range.
 *
 * @example A few iterations lower the loss
 * ```ts
 * import assert from "node:assert";
 * import { silentProgress, trainPreferenceModel, useBackend } from "@dimo/dimo";
 * await useBackend("cpu");
 * const config = { channels: [4, 4] as [number, number], featureWidth: 4, text: { width: 16, layers: 1 } };
 * const { encoder, curve } = await trainPreferenceModel({ iterations: 20, batch: 16, config, progress: silentProgress });
 * assert.ok(curve.at(-1)!.loss < curve[0]!.loss);
 * assert.equal(encoder.config.pooling, "bilinear");
 * encoder.dispose();
 * ```
 */
export function trainPreferenceModel(options: TrainSceneEncoderOptions = {}): Promise<TrainedDualEncoder> {
  return trainScene(options, {
    seed: 2,
    label: "HPS stand-in",
    iterations: 1200,
    config: PREFERENCE_MODEL_CONFIG,
    hardNegatives: true,
    rankingWeight: 1,
  });
}
