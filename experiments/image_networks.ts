/**
 * The four networks of the image experiment — tokenizer, feature classifier, teacher, Di[M]O
 * student — each loaded from a checkpoint directory when it holds one, else trained and saved.
 *
 * A directory of checkpoints holds `tokenizer.safetensors`, `classifier.safetensors`,
 * `teacher.safetensors` and `student.safetensors`, and `training.json`: how each network there
 * was trained (settings, seconds, final losses, backend, date). A run that trains writes all five
 * to its output directory, each network as soon as it is trained, so a run that stopped can go on
 * from there with `--checkpoints`.
 *
 * @module
 */
import * as tf from "../lib/backend/tf.ts";
import type { Rng } from "../lib/rng/mod.ts";
import { resolve } from "node:path";
import { CheckpointMismatchError, writeTextFileAtomic } from "../lib/io/mod.ts";
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
import { type DistillConfig, distillStudent } from "../lib/distill/mod.ts";
import { type CurvePoint, Progress, type ProgressReporter } from "../lib/progress/mod.ts";
import { DISTILL_STATE_FILE, type TeacherSettings } from "./settings.ts";
import { pathKind } from "./files.ts";

/** How one network came to be: trained in this run, or loaded (with what its directory says). */
export interface NetworkRecord {
  /** `trained` here, or the checkpoint file it was loaded from. */
  readonly source: string;
  /** Seconds spent training it in this run (0 when loaded). */
  readonly seconds: number;
  /** Training settings and outcomes (from `training.json` when loaded). */
  readonly [detail: string]: unknown;
}

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

/** The name of the file describing a checkpoint directory's networks. */
export const TRAINING_FILE = "training.json";

const isFile = async (path: string) => await pathKind(path) === "file";

/** `training.json` of a directory, or `{}` when it has none. */
async function readTrainingRecords(dir: string): Promise<Partial<Record<NetworkName, NetworkRecord>>> {
  const path = `${dir}/${TRAINING_FILE}`;
  if (!await isFile(path)) return {};
  const parsed = JSON.parse(await Deno.readTextFile(path));
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new TypeError(`Cannot read "${path}": expected a JSON object of network records`);
  }
  return parsed;
}

/**
 * Which networks a checkpoint directory holds and which a run from it will train, checked before
 * anything is loaded or trained.
 *
 * @param dir The checkpoint directory.
 * @param teacherFile A teacher checkpoint given apart (`--teacher`), which replaces the directory's.
 * @returns The networks loaded (from `dir` or `teacherFile`) and those to train, in order, and one
 *   line saying so.
 * @throws {Error} If `dir` holds none of the networks' files: a mistyped or empty directory would
 *   otherwise train everything without a word. *
 * @example An empty directory is refused
 * ```ts
 * import assert from "node:assert";
 * import { checkpointPlan } from "./image_networks.ts";
 * await Deno.mkdir(".tmp", { recursive: true });
 * const dir = await Deno.makeTempDir({ dir: ".tmp" });
 * await assert.rejects(checkpointPlan(dir), /must hold at least one of tokenizer.safetensors/);
 * await Deno.writeFile(`${dir}/teacher.safetensors`, new Uint8Array());
 * assert.deepEqual((await checkpointPlan(dir)).trained, ["tokenizer", "classifier", "student"]);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function checkpointPlan(
  dir: string,
  teacherFile?: string,
): Promise<{ loaded: NetworkName[]; trained: NetworkName[]; summary: string }> {
  const present = await Promise.all(NETWORK_NAMES.map((name) => isFile(`${dir}/${name}.safetensors`)));
  if (!present.includes(true)) {
    const expected = NETWORK_NAMES.map((name) => `${name}.safetensors`).join(", ");
    throw new Error(
      `Cannot load networks from "${dir}" as it must hold at least one of ${expected}: it holds none`,
    );
  }
  const loaded = NETWORK_NAMES.filter((name, i) => present[i] || (name === "teacher" && teacherFile));
  const trained = NETWORK_NAMES.filter((name) => !loaded.includes(name));
  const from = (name: NetworkName) => name === "teacher" && teacherFile ? `teacher (${teacherFile})` : name;
  const summary = `${dir}: loading ${loaded.map(from).join(", ")}; ` +
    (trained.length > 0 ? `training ${trained.join(", ")}` : "training none");
  return { loaded, trained, summary };
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
  const loadedRecords = from === undefined ? {} : await readTrainingRecords(from);
  // Loading from `out` itself resumes an earlier run of this experiment, which must have had this seed.
  const resuming = from !== undefined && resolve(from) === resolve(out);
  const records: Partial<Record<NetworkName, NetworkRecord>> = {};
  // The networks made so far, disposed if a later one fails (or the run is stopped).
  const made: { dispose(): void }[] = [];
  const saveRecords = () =>
    writeTextFileAtomic(`${out}/${TRAINING_FILE}`, JSON.stringify(records, null, 2) + "\n");

  /** Loads `name` from `from`, or trains it with `train` and saves it with `save`. */
  async function make<T>(
    name: NetworkName,
    load: (path: string) => Promise<T>,
    train: () => Promise<{ network: T; details: Record<string, unknown> }>,
    save: (path: string, network: T) => Promise<void>,
    file = from === undefined ? undefined : `${from}/${name}.safetensors`,
  ): Promise<T> {
    if (file !== undefined && await isFile(file)) {
      const fromDir = from !== undefined && file === `${from}/${name}.safetensors`;
      const known: Partial<NetworkRecord> = (fromDir ? loadedRecords[name] : undefined) ?? {};
      if (resuming && fromDir && known.seed !== training.seed) {
        throw new CheckpointMismatchError(
          `${out}/${TRAINING_FILE}`,
          `${name}.seed`,
          training.seed,
          known.seed,
        );
      }
      const network = await load(file);
      made.push(network as { dispose(): void });
      records[name] = { ...known, source: file, seconds: 0 };
      return network;
    }
    const start = performance.now();
    const { network, details } = await train();
    made.push(network as { dispose(): void });
    const seconds = (performance.now() - start) / 1000;
    await save(`${out}/${name}.safetensors`, network);
    records[name] = {
      ...details,
      seed: training.seed,
      source: "trained",
      seconds,
      date: new Date().toISOString(),
    };
    await saveRecords();
    return network;
  }

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
        const { teacher: network, curve } = await trainImageTeacher(config, t, tokenizer);
        const { iterations, batch, lr } = t.teacher;
        return { network, details: { iterations, batch, lr, finalLoss: curve.at(-1)?.loss, curve } };
      },
      saveTransformer,
      t.teacherFile,
    );
    const student = await make(
      "student",
      (path) => loadTransformer(path, { expected: teacher.config }),
      async () => {
        const { student: network, curve } = await distillStudent(teacher, t.distill.config, {
          iterations: t.distill.iterations,
          seed: t.seed,
          label: "Di[M]O",
          checkpoint: `${out}/${DISTILL_STATE_FILE}`,
          progress: t.progress,
          signal: t.signal,
        });
        const { batch, studentAdam, auxAdam } = t.distill.config;
        return {
          network,
          details: {
            iterations: t.distill.iterations,
            batch,
            studentLr: studentAdam.lr,
            auxLr: auxAdam.lr,
            finalAuxLoss: curve.at(-1)?.auxLoss,
            curve,
          },
        };
      },
      saveTransformer,
    );
    return { tokenizer, classifier, teacher, student };
  };
  let networks: Pick<ImageNetworks, "tokenizer" | "classifier" | "teacher" | "student">;
  try {
    networks = await makeAll();
  } catch (error) {
    made.forEach((network) => network.dispose());
    throw error;
  }
  const curveOf = (name: NetworkName) => {
    const curve = records[name]?.curve;
    return Array.isArray(curve) ? curve as CurvePoint[] : [];
  };
  return {
    ...networks,
    records: records as Record<NetworkName, NetworkRecord>,
    curves: { teacher: curveOf("teacher"), student: curveOf("student") },
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
): Promise<TrainedTeacher> {
  const { iterations, batch, lr } = training.teacher;
  const rng = training.rng.fork("teacher");
  const pick = rng.fork("batches");
  const data = await training.data();
  const tokens = tokenizer.encode(data.images);
  const n = tokens.shape[0];
  const nextBatch = () =>
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
      { rng, progress: training.progress },
    );
  } finally {
    tokens.dispose();
  }
}
