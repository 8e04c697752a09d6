/**
 * The five networks of the scenes experiment — the VQ tokenizer, the CLIP stand-in whose text
 * encoder conditions the teacher, the text-conditioned teacher, its Di[M]O one-step student, and
 * the HPS stand-in that scores the samples — each loaded from a checkpoint directory when it holds
 * one, else trained and saved (see {@linkcode NetworkStore}).
 *
 * @module
 */
import * as tf from "../lib/backend/tf.ts";
import type { Rng } from "../lib/rng/mod.ts";
import { createPromptTokenizer, renderScene, sampleScenes, scenesToTensor } from "../lib/data/mod.ts";
import {
  type DualEncoder,
  loadDualEncoder,
  loadTransformer,
  resolveTransformerConfig,
  saveDualEncoder,
  saveTransformer,
  type Transformer,
  type TransformerConfig,
} from "../lib/models/mod.ts";
import { PatchTokenizer, trainKMeansTokenizer } from "../lib/tokenizer/mod.ts";
import { resolveMdmTrainConfig, trainTeacher } from "../lib/mdm/mod.ts";
import type { DistillConditioning, DistillConfig } from "../lib/distill/mod.ts";
import { sceneRoundTrip, trainClipStandIn, trainPreferenceModel } from "../lib/eval/mod.ts";
import { type CurvePoint, Progress, type ProgressReporter } from "../lib/progress/mod.ts";
import { TEACHER_STATE_FILE, type TeacherSettings } from "./settings.ts";
import { makeStudent, type NetworkRecord, NetworkStore } from "./network_store.ts";
import type { TokenizerSettings } from "./image_networks.ts";

/** The networks, in the order they are made. */
export const SCENE_NETWORK_NAMES = ["tokenizer", "clip", "teacher", "student", "hps"] as const;

/** One of {@linkcode SCENE_NETWORK_NAMES}. */
export type SceneNetworkName = typeof SCENE_NETWORK_NAMES[number];

/** The k-means tokenizer of the scenes: the image tokenizer's settings and its patch size. */
export interface SceneTokenizerSettings extends TokenizerSettings {
  /** Pixels per patch side: one token per patch. */
  readonly patch: number;
  /** Training renders the patches are sampled from. */
  readonly trainImages: number;
}

/** A dual encoder's contrastive training. */
export interface EncoderSettings {
  /** Adam steps. */
  readonly iterations: number;
  /** Render–prompt pairs per batch. */
  readonly batch: number;
}

/** What training the scene networks needs. */
export interface SceneNetworkTraining {
  readonly tokenizer: SceneTokenizerSettings;
  readonly clip: EncoderSettings;
  readonly hps: EncoderSettings;
  /** The teacher's size and training, and the training scenes it sees. */
  readonly teacher: TeacherSettings & { readonly trainScenes: number };
  readonly distill: {
    readonly iterations: number;
    readonly config: DistillConfig;
    /** The teacher's unconditional prompt in guidance, when not the null prompt. */
    readonly negativePrompt?: string;
  };
  readonly seed: number;
  readonly rng: Rng;
  /** A teacher checkpoint to load instead of the directory's or a trained one. */
  readonly teacherFile?: string;
  /** Where progress goes; stderr by default. */
  readonly progress?: ProgressReporter;
  /** Stops the distillation after the iteration in progress, its state saved. */
  readonly signal?: AbortSignal;
}

/** The networks and their records. */
export interface SceneNetworks {
  readonly tokenizer: PatchTokenizer<tf.Tensor4D>;
  readonly clip: DualEncoder;
  readonly hps: DualEncoder;
  readonly teacher: Transformer;
  readonly student: Transformer;
  /** Per network: where it came from and how it was trained. */
  readonly records: Readonly<Record<SceneNetworkName, NetworkRecord>>;
  /** Training curves where known (from `training.json` when loaded). */
  readonly curves: Readonly<Record<SceneNetworkName, readonly CurvePoint[]>>;
}

/** `count` training-split scenes drawn from `rng`, and their renders as `[N, 32, 32, 3]` in [0, 1]. */
function trainingScenes(count: number, rng: Rng) {
  const samples = sampleScenes(count, { rng, split: "train" });
  return { samples, images: scenesToTensor(samples.map((s) => renderScene(s.scene))) };
}

/**
 * Loads each network `from` holds and trains the others, saving every trained network (and
 * `training.json`) to `out` as soon as it exists.
 *
 * @param from A checkpoint directory, or `undefined` to train everything.
 * @param out Where trained networks go.
 * @param t The settings of the networks to train.
 * @returns The five networks; the caller disposes them.
 */
export async function loadOrTrainSceneNetworks(
  from: string | undefined,
  out: string,
  t: SceneNetworkTraining,
): Promise<SceneNetworks> {
  const store = await NetworkStore.open<SceneNetworkName>(from, out, t.seed);
  const makeAll = async () => {
    const tokenizer = await store.make(
      "tokenizer",
      (path) => PatchTokenizer.load<tf.Tensor4D>(path),
      async () => {
        const { trainImages, patch, codebookSize, samplePatches, iterations } = t.tokenizer;
        const { images } = trainingScenes(trainImages, t.rng.fork("tokenizer data"));
        const progress = new Progress("tokenizer", iterations, {
          every: 1,
          unit: "iterations",
          reporter: t.progress,
        });
        try {
          const network = await trainKMeansTokenizer(images, {
            rng: t.rng.fork("tokenizer"),
            patch,
            codebookSize,
            samplePatches,
            iterations,
            onIteration: ({ iteration, inertia }) => progress.tick(iteration, { inertia }),
          });
          return { network, details: { ...t.tokenizer } };
        } finally {
          images.dispose();
        }
      },
      (path, network) => network.save(path),
    );
    const encoder = (name: "clip" | "hps", train: typeof trainClipStandIn) =>
      store.make(
        name,
        (path) => loadDualEncoder(path),
        async () => {
          const { encoder: network, curve } = await train({
            ...t[name],
            seed: t.seed + (name === "clip" ? 1 : 2),
            progress: t.progress,
            signal: t.signal,
            ...(name === "hps" ? { roundTrip: sceneRoundTrip(tokenizer) } : {}),
          });
          return { network, details: { ...t[name], finalLoss: curve.at(-1)?.loss, curve } };
        },
        saveDualEncoder,
      );
    const clip = await encoder("clip", trainClipStandIn);
    const config = teacherConfig(t.teacher, tokenizer, clip);
    const teacher = await store.make(
      "teacher",
      (path) => loadTransformer(path, { expected: config }),
      async () => {
        const { teacher: network, curve, resumedFrom, seconds } = await trainSceneTeacher(
          config,
          t,
          tokenizer,
          clip,
          out,
        );
        const { iterations, batch, lr, trainScenes } = t.teacher;
        return {
          network,
          details: {
            iterations,
            batch,
            lr,
            trainScenes,
            resumedFrom,
            iterationSeconds: seconds,
            finalLoss: curve.at(-1)?.loss,
            curve,
          },
        };
      },
      saveTransformer,
      t.teacherFile,
    );
    const student = await makeStudent(store, teacher, out, {
      ...t.distill,
      seed: t.seed,
      progress: t.progress,
      signal: t.signal,
      conditioning: distillConditioning(teacher, t.distill.negativePrompt),
    }, { negativePrompt: t.distill.negativePrompt ?? null });
    const hps = await encoder("hps", trainPreferenceModel);
    return { tokenizer, clip, hps, teacher, student };
  };
  try {
    const networks = await makeAll();
    const curves = Object.fromEntries(SCENE_NETWORK_NAMES.map((name) => [name, store.curveOf(name)]));
    return {
      ...networks,
      records: store.records as Record<SceneNetworkName, NetworkRecord>,
      curves: curves as Record<SceneNetworkName, CurvePoint[]>,
    };
  } catch (error) {
    store.disposeAll();
    throw error;
  }
}

/** The prompt-conditioned MDM over the tokenizer's codes, reading the CLIP stand-in's text encoder. */
function teacherConfig(settings: TeacherSettings, tokenizer: PatchTokenizer<tf.Tensor4D>, clip: DualEncoder) {
  const { width, layers, heads } = settings;
  return resolveTransformerConfig({
    codebookSize: tokenizer.config.codebookSize,
    numClasses: 0,
    seqLen: tokenizer.seqLen,
    width,
    layers,
    heads,
    text: clip.config.text,
  });
}

/** Training-split prompts for the prompt-only distillation, and the negative prompt if any. */
function distillConditioning(teacher: Transformer, negativePrompt?: string): DistillConditioning {
  const tokenizer = createPromptTokenizer({ contextLength: teacher.config.text!.contextLength });
  return {
    prompts: (batch, rng) =>
      tokenizer.encodeBatch(sampleScenes(batch, { rng, split: "train" }).map((s) => s.text)),
    ...(negativePrompt === undefined ? {} : { negativePrompt: tokenizer.encode(negativePrompt) }),
  };
}

/** MaskGIT-style training on tokenised training scenes and their prompts (prompt drop 0.1 for CFG). */
async function trainSceneTeacher(
  config: TransformerConfig,
  training: SceneNetworkTraining,
  tokenizer: PatchTokenizer<tf.Tensor4D>,
  clip: DualEncoder,
  out: string,
) {
  const { iterations, batch, lr, trainScenes } = training.teacher;
  const rng = training.rng.fork("teacher");
  const { samples, images } = trainingScenes(trainScenes, rng.fork("data"));
  const tokens = tf.tidy(() => tokenizer.encode(images));
  images.dispose();
  const prompts = createPromptTokenizer({ contextLength: config.text!.contextLength })
    .encodeBatch(samples.map((s) => s.text));
  const nextBatch = (pick: Rng) =>
    tf.tidy(() => {
      const ids = tf.tensor1d(Int32Array.from({ length: batch }, () => pick.int(trainScenes)), "int32");
      return {
        tokens: tf.gather(tokens, ids) as tf.Tensor2D,
        condition: tf.gather(prompts, ids) as tf.Tensor2D,
      };
    });
  try {
    return await trainTeacher(
      config,
      {
        iterations,
        lr,
        warmupSteps: Math.min(500, Math.floor(iterations / 10)),
        config: resolveMdmTrainConfig({}),
        nextBatch,
      },
      {
        rng,
        progress: training.progress,
        textEncoder: clip.textEncoderWeights(),
        checkpoint: `${out}/${TEACHER_STATE_FILE}`,
        signal: training.signal,
      },
    );
  } finally {
    tf.dispose([tokens, prompts]);
  }
}
