/**
 * The four networks of the image experiment — tokenizer, feature classifier, teacher, Di[M]O
 * student — each loaded from a checkpoint directory when it holds one, else trained and saved
 * (see {@linkcode NetworkStore}): `tokenizer.safetensors`, `classifier.safetensors`,
 * `teacher.safetensors`, `student.safetensors` and `training.json`.
 *
 * @module
 */
import * as tf from "../lib/backend/tf.ts";
import type { Rng } from "../lib/rng/mod.ts";
import {
  type Classifier,
  loadClassifier,
  loadTransformer,
  resolveTransformerConfig,
  saveClassifier,
  saveTransformer,
  trainClassifier,
  type Transformer,
  type TransformerConfig,
} from "../lib/models/mod.ts";
import { PatchTokenizer, trainKMeansTokenizer } from "../lib/tokenizer/mod.ts";
import { resolveMdmTrainConfig, type TrainedTeacher, trainTeacher } from "../lib/mdm/mod.ts";
import type { DistillConfig } from "../lib/distill/mod.ts";
import { type CurvePoint, Progress, type ProgressReporter } from "../lib/progress/mod.ts";
import { TEACHER_STATE_FILE, type TeacherSettings } from "./settings.ts";
import { makeStudent, type NetworkRecord, NetworkStore } from "./network_store.ts";

/** The networks and their records. */
export interface ImageNetworks {
  readonly tokenizer: PatchTokenizer;
  readonly classifier: Classifier;
  readonly teacher: Transformer;
  readonly student: Transformer;
  /** Per network: where it came from and how it was trained. */
  readonly records: Readonly<Record<NetworkName, NetworkRecord>>;
  /** Training curves of the teacher and the student (from `training.json` when loaded; empty if it has none). */
  readonly curves: { readonly teacher: readonly CurvePoint[]; readonly student: readonly CurvePoint[] };
}

/** The networks, in the order they are made. */
export const NETWORK_NAMES = ["tokenizer", "classifier", "teacher", "student"] as const;

/** One of {@linkcode NETWORK_NAMES}. */
export type NetworkName = typeof NETWORK_NAMES[number];

/** Training images in [0, 1] and their labels. */
export interface TrainingData {
  readonly images: tf.Tensor3D;
  readonly labels: tf.Tensor1D;
}

/** The k-means tokenizer's codebook size, the patches it clusters and its Lloyd iterations. */
export interface TokenizerSettings {
  /** Codes in the codebook. */
  readonly codebookSize: number;
  /** Patches sampled from the training images to cluster. */
  readonly samplePatches: number;
  /** Most Lloyd iterations. */
  readonly iterations: number;
}

/** The feature classifier's passes over the training images. */
export interface ClassifierSettings {
  /** Passes over the training images. */
  readonly epochs: number;
}

/** What training the networks needs: data, settings and random streams. */
export interface NetworkTraining {
  /** The training data, asked for only when a network must be trained; the caller disposes it. */
  readonly data: () => Promise<TrainingData>;
  readonly classes: number;
  readonly tokenizer: TokenizerSettings;
  readonly classifier: ClassifierSettings;
  readonly teacher: TeacherSettings;
  readonly distill: { readonly iterations: number; readonly config: DistillConfig };
  readonly seed: number;
  readonly rng: Rng;
  /** A teacher checkpoint to load instead of the directory's or a trained one. */
  readonly teacherFile?: string;
  /** Where progress goes; stderr by default. */
  readonly progress?: ProgressReporter;
  /** Stops the distillation after the iteration in progress, its state saved. */
  readonly signal?: AbortSignal;
}

/**
 * Loads each network `from` holds and trains the others, saving every trained network (and the
 * updated `training.json`) to `out` as soon as it exists.
 *
 * @param from A checkpoint directory, or `undefined` to train everything.
 * @param out Where trained networks go.
 * @param training The data and settings for the networks to train.
 * @returns The four networks; the caller disposes them.
 */
export async function loadOrTrainNetworks(
  from: string | undefined,
  out: string,
  training: NetworkTraining,
): Promise<ImageNetworks> {
  const store = await NetworkStore.open<NetworkName>(from, out, training.seed);
  const make = store.make.bind(store);
  const t = training;
  const makeAll = async () => {
    const tokenizer = await make(
      "tokenizer",
      (path) => PatchTokenizer.load(path),
      async () => {
        const { images } = await t.data();
        const progress = new Progress("tokenizer", t.tokenizer.iterations, {
          every: 1,
          unit: "iterations",
          reporter: t.progress,
        });
        const network = await trainKMeansTokenizer(images, {
          rng: t.rng.fork("tokenizer"),
          ...t.tokenizer,
          onIteration: ({ iteration, inertia }) => progress.tick(iteration, { inertia }),
        });
        return { network, details: { ...t.tokenizer, trainImages: images.shape[0] } };
      },
      (path, network) => network.save(path),
    );
    const classifier = await make(
      "classifier",
      (path) => loadClassifier(path),
      async () => {
        const { images, labels } = await t.data();
        const progress = new Progress("classifier", t.classifier.epochs, {
          every: 1,
          unit: "epochs",
          reporter: t.progress,
        });
        const network = await trainClassifier(images, labels, {
          rng: t.rng.fork("classifier"),
          epochs: t.classifier.epochs,
          onEpoch: ({ epoch, loss }) => progress.tick(epoch, { loss }),
          signal: t.signal,
        });
        return { network, details: { ...t.classifier, trainImages: images.shape[0] } };
      },
      saveClassifier,
    );
    const config = teacherConfig(t, tokenizer);
    const teacher = await make(
      "teacher",
      (path) => loadTransformer(path, { expected: config }),
      async () => {
        const { teacher: network, curve, resumedFrom, seconds } = await trainImageTeacher(
          config,
          t,
          tokenizer,
          out,
        );
        const { iterations, batch, lr } = t.teacher;
        const finalLoss = curve.at(-1)?.loss;
        return {
          network,
          details: { iterations, batch, lr, resumedFrom, iterationSeconds: seconds, finalLoss, curve },
        };
      },
      saveTransformer,
      t.teacherFile,
    );
    const { seed, progress, signal } = t;
    const student = await makeStudent(store, teacher, out, { ...t.distill, seed, progress, signal });
    return { tokenizer, classifier, teacher, student };
  };
  let networks: Pick<ImageNetworks, "tokenizer" | "classifier" | "teacher" | "student">;
  try {
    networks = await makeAll();
  } catch (error) {
    store.disposeAll();
    throw error;
  }
  return {
    ...networks,
    records: store.records as Record<NetworkName, NetworkRecord>,
    curves: { teacher: store.curveOf("teacher"), student: store.curveOf("student") },
  };
}

/** The class-conditional MDM over the tokenizer's codes. */
function teacherConfig(training: NetworkTraining, tokenizer: PatchTokenizer): TransformerConfig {
  const { width, layers, heads } = training.teacher;
  return resolveTransformerConfig({
    codebookSize: tokenizer.config.codebookSize,
    numClasses: training.classes,
    seqLen: tokenizer.seqLen,
    width,
    layers,
    heads,
  });
}

/** MaskGIT-style teacher training on random batches of the tokenised training set (label drop 0.1 for CFG). */
async function trainImageTeacher(
  config: TransformerConfig,
  training: NetworkTraining,
  tokenizer: PatchTokenizer,
  out: string,
): Promise<TrainedTeacher> {
  const { iterations, batch, lr } = training.teacher;
  const rng = training.rng.fork("teacher");
  const data = await training.data();
  const tokens = tokenizer.encode(data.images);
  const n = tokens.shape[0];
  const nextBatch = (pick: Rng) =>
    tf.tidy(() => {
      const ids = tf.tensor1d(Int32Array.from({ length: batch }, () => pick.int(n)), "int32");
      return {
        tokens: tf.gather(tokens, ids) as tf.Tensor2D,
        condition: tf.gather(data.labels, ids) as tf.Tensor1D,
      };
    });
  const warmupSteps = Math.min(500, iterations / 10);
  try {
    return await trainTeacher(
      config,
      { iterations, lr, warmupSteps, config: resolveMdmTrainConfig({}), nextBatch },
      {
        rng,
        progress: training.progress,
        checkpoint: `${out}/${TEACHER_STATE_FILE}`,
        signal: training.signal,
      },
    );
  } finally {
    tokens.dispose();
  }
}
