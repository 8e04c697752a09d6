/**
 * The paper's class-conditional table on MNIST and Fashion-MNIST: a VQ tokenizer (k-means over
 * 4×4 patches, 49 tokens an image), a class-conditional MDM teacher, its Di[M]O one-step student,
 * and a CNN classifier whose features give FID, IS, precision, recall, density, coverage and the
 * samples' class accuracy against the held-out test split.
 *
 * Rows: the tokenizer's reconstructions of test images (the ceiling of any generator here), the
 * teacher with the MaskGIT sampler at 16, 8, 4 and 2 steps, and Di[M]O at 1 step; the runtime
 * compares the teacher at 16 steps with the student, decoding included.
 *
 * @module
 */
import * as tf from "../lib/backend/tf.ts";
import { withOneInFlight } from "../lib/backend/in_flight.ts";
import { createRng } from "../lib/rng/mod.ts";
import {
  type ImageDataset,
  type ImageDatasetName,
  type ImageSplit,
  imageTensor,
  loadImageDataset,
} from "../lib/data/mod.ts";
import { ImageEvaluator } from "../lib/eval/mod.ts";
import type { PatchTokenizer } from "../lib/tokenizer/mod.ts";
import { generateOneStep, type PartialDistillConfig } from "../lib/distill/mod.ts";
import { type Chart, encodePng, imageGrid, trainingCurves } from "../lib/viz/mod.ts";
import type { Experiment, ExperimentContext } from "./registry.ts";
import type { ResultImage, ResultRow, Results, RuntimeRow } from "./results.ts";
import { Progress, throwIfStopRequested } from "../lib/progress/mod.ts";
import { checkSamplerSettings, teacherRowSampler } from "./teacher_sampler.ts";
import {
  type ClassifierSettings,
  type ImageNetworks,
  loadOrTrainNetworks,
  NETWORK_NAMES,
  type TokenizerSettings,
  type TrainingData,
} from "./image_networks.ts";
import {
  checkpointSource,
  distillationChart,
  type NetworkRecord,
  studentMethod,
  withoutCurves,
} from "./network_store.ts";
import { type DistillSettings, type ProfileName, resolveProfile, type TeacherSettings } from "./settings.ts";

/** Settings of one profile. */
export interface ImageProfile extends DistillSettings {
  /** Training images used (of 60,000), for every network. */
  readonly trainImages: number;
  /** The k-means tokenizer. */
  readonly tokenizer: TokenizerSettings;
  /** The feature classifier of the metrics. */
  readonly classifier: ClassifierSettings;
  /** The teacher's size and MDM training. */
  readonly teacher: TeacherSettings;
  /**
   * The teacher's MaskGIT sampler: the guidance scale s of `z_u + s·(z_c − z_u)`, ramped from 1
   * at the first step to s at the last (the official MaskGIT's CFG weight w is s − 1), the Gumbel
   * temperature of its confidences, and the step counts of the rows.
   */
  readonly sampler: {
    readonly guidance: number;
    readonly gumbelTemperature: number;
    readonly steps: readonly number[];
  };
  /** Generated images per row (the real side is the test split, at most this many). */
  readonly evalSamples: number;
}

/**
 * Every profile's distillation, as overrides of the paper's MaskGIT settings (whose teacher
 * guidance s = 2 is the sampler's): batch 32, the student's learning rate 2e-4 and the aux
 * model's 1e-3, and σ = 0 (`init.sigma`; the paper's 0.1 drowns this transformer's input
 * embeddings, whose scale is about 0.05, as the exact-joint `sigma` sweep found).
 */
const DISTILL: PartialDistillConfig = {
  batch: 32,
  studentAdam: { lr: 2e-4 },
  auxAdam: { lr: 1e-3 },
  init: { sigma: 0 },
};

/** The networks' sizes, shared by every profile (the shipped checkpoints have them). */
const TEACHER = { width: 96, layers: 3, heads: 4, batch: 64, lr: 1e-3 } as const;
/** Tokens of an image: the tokenizer's 4×4 patches of a 28×28 image. */
const IMAGE_TOKENS = 49;
const SAMPLER = { guidance: 2, gumbelTemperature: 4.5, steps: [16, 8, 4, 2] } as const;

/**
 * The profiles. `full` trains every network (the recipe of the shipped checkpoints, sized for a
 * 2-core CPU) and scores 10,000 images a row; `quick` starts from the shipped checkpoints and
 * scores 1,000 (without them it trains the same architectures briefly); `smoke` also starts from
 * them and scores 200 (without them it trains every network for a few iterations).
 */
export const IMAGE_PROFILES: Readonly<Record<ProfileName, ImageProfile>> = {
  smoke: {
    trainImages: 2000,
    tokenizer: { codebookSize: 256, samplePatches: 10_000, iterations: 3 },
    classifier: { epochs: 1 },
    teacher: { ...TEACHER, iterations: 60 },
    distill: DISTILL,
    distillIterations: 30,
    sampler: SAMPLER,
    evalSamples: 200,
  },
  quick: {
    trainImages: 10_000,
    tokenizer: { codebookSize: 256, samplePatches: 50_000, iterations: 8 },
    classifier: { epochs: 1 },
    teacher: { ...TEACHER, iterations: 600 },
    distill: DISTILL,
    distillIterations: 300,
    sampler: SAMPLER,
    evalSamples: 1000,
  },
  full: {
    trainImages: 20_000,
    tokenizer: { codebookSize: 256, samplePatches: 100_000, iterations: 10 },
    classifier: { epochs: 2 },
    teacher: { ...TEACHER, iterations: 1000 },
    distill: DISTILL,
    distillIterations: 1500,
    sampler: SAMPLER,
    evalSamples: 10_000,
  },
};

/** Images per sampling call. */
const CHUNK = 500;

/** Generates `n` images (labels cycling through the classes), timing the sampler with decoding. */
async function generate(
  label: string,
  n: number,
  classes: number,
  tokenizer: PatchTokenizer,
  sampler: (labels: tf.Tensor1D) => tf.Tensor2D,
  context: ExperimentContext,
): Promise<{ images: tf.Tensor3D; labels: tf.Tensor1D; seconds: number }> {
  const { progress: reporter, signal } = context;
  const labels = tf.tensor1d(Int32Array.from({ length: n }, (_, i) => i % classes), "int32");
  const parts: tf.Tensor3D[] = [];
  const progress = new Progress(`sampling: ${label}`, n, { every: CHUNK, unit: "images", reporter });
  const start = performance.now();
  // One chunk in flight: chunk k + 1 is queued before chunk k is read back (on a GPU a read-back
  // costs about 11 ms whatever its size), and the clock stops after the last read.
  const chunks = Math.ceil(n / CHUNK);
  try {
    await withOneInFlight(
      chunks,
      (k) => {
        const part = tf.slice(labels, [k * CHUNK], [Math.min(CHUNK, n - k * CHUNK)]);
        const tokens = sampler(part);
        const images = tokenizer.decode(tokens);
        tf.dispose([part, tokens]);
        parts.push(images);
        return images.data();
      },
      async (_, k) => {
        progress.tick(Math.min(n, (k + 1) * CHUNK));
        await throwIfStopRequested(signal);
      },
    );
  } catch (error) {
    tf.dispose([labels, ...parts]);
    throw error;
  }
  const seconds = (performance.now() - start) / 1000;
  const images = tf.concat(parts) as tf.Tensor3D;
  tf.dispose(parts);
  return { images, labels, seconds };
}

/** A grid of the first 10 images of each class (rows = classes), as PNG. */
async function sampleGrid(images: tf.Tensor3D, classes: number): Promise<Uint8Array> {
  const perClass = Math.min(10, Math.floor(images.shape[0] / classes));
  // Images cycle through the classes: index = k·classes + class. Reorder to class-major rows.
  const order = Int32Array.from(
    { length: classes * perClass },
    (_, i) => (i % perClass) * classes + Math.floor(i / perClass),
  );
  const picked = tf.tidy(() => tf.gather(images, tf.tensor1d(order, "int32")) as tf.Tensor3D);
  const grid = await imageGrid(picked, { columns: perClass, scale: 2 });
  picked.dispose();
  return encodePng(grid);
}

/** Where the shipped networks of a dataset live, relative to the repository root. */
export function shippedCheckpoints(dataset: ImageDatasetName): string {
  return `checkpoints/${dataset}`;
}

/** One line per network: trained here (settings, seconds) or loaded (and how it was trained). */
function describeNetworks(records: Readonly<Record<string, NetworkRecord>>): string[] {
  return NETWORK_NAMES.map((name) => {
    const { source, seconds, ...details } = records[name];
    const how = Object.entries(details).filter(([, v]) => typeof v !== "object")
      .map(([k, v]) => `${k} ${typeof v === "number" && !Number.isInteger(v) ? v.toPrecision(4) : v}`).join(
        ", ",
      );
    return source === "trained"
      ? `${name}: trained in this run in ${seconds.toFixed(0)} s (${how}).`
      : `${name}: loaded from ${source}${how ? ` (trained with ${how})` : ""}.`;
  });
}

/**
 * Runs the image experiment on one dataset with explicit settings.
 *
 * @param context The command line's choices: `checkpoints` starts from saved networks (the quick
 *   profile starts from the shipped ones), `teacher` from a saved teacher, `evalSamples` overrides
 *   the profile's number of generated images per row.
 * @param dataset `mnist` or `fashion`.
 * @param settings The profile's settings, before the context's `--set` overrides.
 * @param sources Where the splits come from, when not from {@linkcode loadImageDataset} (a machine
 *   without the npm data packages); the training split is asked for only if a network is trained.
 * @returns The results.
 */
export async function runImages(
  context: ExperimentContext,
  dataset: ImageDatasetName,
  settings: ImageProfile,
  sources?: { readonly load: (split: ImageSplit) => Promise<ImageDataset> },
): Promise<Results> {
  // First: a bad directory fails before any work.
  const source = await checkpointSource(context, NETWORK_NAMES, shippedCheckpoints(dataset));
  const overrides = context.overrides ?? [];
  const profile = resolveProfile(`run ${dataset}`, settings, overrides);
  checkSamplerSettings(`run ${dataset}`, profile.sampler, IMAGE_TOKENS);
  const rng = createRng(context.seed);
  const load = sources?.load ?? ((split: ImageSplit) => loadImageDataset(dataset, split));
  const test = await load("test");
  const classes = test.classes;
  const n = context.evalSamples ?? profile.evalSamples;
  const testImages = imageTensor(test, { count: Math.min(n, test.count) });
  const testLabels = tf.tensor1d(test.labels.subarray(0, testImages.shape[0]), "int32");
  await Deno.mkdir(context.out, { recursive: true });
  const rows: ResultRow[] = [];
  const runtime: RuntimeRow[] = [];
  const images: ResultImage[] = [];

  // The training split is read only if a network has to be trained.
  let train: { dataset: ImageDataset; data: TrainingData } | undefined;
  const trainingData = async () => {
    if (train === undefined) {
      const dataset = await load("train");
      const images = imageTensor(dataset, { count: Math.min(profile.trainImages, dataset.count) });
      const labels = tf.tensor1d(dataset.labels.subarray(0, images.shape[0]), "int32");
      train = { dataset, data: { images, labels } };
    }
    return train.data;
  };
  const dConfig = profile.distill;
  let networks: ImageNetworks;
  try {
    networks = await loadOrTrainNetworks(source, context.out, {
      data: trainingData,
      classes,
      tokenizer: profile.tokenizer,
      classifier: profile.classifier,
      teacher: profile.teacher,
      distill: { iterations: profile.distillIterations, config: dConfig },
      seed: context.seed,
      rng,
      teacherFile: context.teacher,
      progress: context.progress,
      signal: context.signal,
    });
  } catch (error) {
    tf.dispose([testImages, testLabels]); // the networks made so far are disposed where they were made
    throw error;
  } finally {
    if (train !== undefined) tf.dispose([train.data.images, train.data.labels]);
  }
  const { tokenizer, classifier, teacher, student, records, curves } = networks;

  const reconstruction = await tokenizer.reconstructionError(testImages);
  const accuracy = await classifier.accuracy(testImages, testLabels);
  const notes = [
    `Tokenizer: ${tokenizer.config.codebookSize} codes over 4×4 patches; test PSNR ${
      reconstruction.psnr.toFixed(2)
    } dB.`,
    `Feature classifier: test accuracy ${(100 * accuracy).toFixed(2)}%.`,
    ...describeNetworks(records),
  ];
  // Rows scored: the tokenizer's ceiling, the teacher at each step count, the student; the
  // evaluator's features of the test images come first.
  const evaluation = new Progress("evaluation", profile.sampler.steps.length + 2, {
    every: 1,
    unit: "rows",
    reporter: context.progress,
  });
  const evaluator = await ImageEvaluator.create(classifier, testImages, { rng: rng.fork("is") });

  const score = async (
    row: Omit<ResultRow, "metrics">,
    file: string,
    sampler: (labels: tf.Tensor1D) => tf.Tensor2D,
  ) => {
    const generated = await generate(
      `${row.group}, ${row.steps} step(s)`,
      n,
      classes,
      tokenizer,
      sampler,
      context,
    );
    const metrics = await evaluator.evaluate(generated.images, generated.labels);
    evaluation.tick(rows.length + 1);
    rows.push({ ...row, metrics: { ...metrics } });
    runtime.push({
      method: `${row.group}, ${row.method}`,
      steps: row.steps,
      seconds_per_sample: generated.seconds / n,
      batch: CHUNK,
    });
    images.push({
      caption: `${row.group}, ${row.method}, ${row.steps} step(s)`,
      file,
      png: await sampleGrid(generated.images, classes),
    });
    tf.dispose([generated.images, generated.labels]);
  };

  const reconstructed = tf.tidy(() => tokenizer.decode(tokenizer.encode(testImages)));
  rows.push({
    group: "Tokenizer",
    method: "test images, encoded and decoded (ceiling)",
    steps: 0,
    metrics: { ...await evaluator.evaluate(reconstructed, testLabels) },
  });
  evaluation.tick(1);
  reconstructed.dispose();

  for (const steps of profile.sampler.steps) {
    const { method, sample } = teacherRowSampler(
      teacher,
      tokenizer.seqLen,
      profile.sampler,
      steps,
      rng.fork(`teacher/${steps}`),
    );
    await score({ group: "Teacher", method, steps }, `samples-teacher-${steps}.png`, sample);
  }

  const draw = rng.fork("dimo");
  await score(
    { group: "Di[M]O", method: studentMethod(records.student.iterations), steps: 1 },
    "samples-dimo.png",
    (labels) => generateOneStep(student, dConfig.init, labels, draw),
  );

  tf.dispose([testImages, testLabels]);
  [student, teacher, evaluator, classifier, tokenizer].forEach((x) => x.dispose());
  notes.push(
    `${n} generated images per row against ${
      Math.min(n, test.count)
    } test images; features and posteriors of the ` +
      `classifier above; precision/recall/density/coverage with k = 3.`,
    `Data: ${test.source}.`,
  );
  return {
    experiment: dataset,
    profile: context.profile,
    backend: context.backend.name,
    adapter: context.backend.adapter,
    seed: context.seed,
    config: { dataset, ...profile, evalSamples: n, networks: withoutCurves(records) },
    overrides,
    rows,
    runtime,
    notes,
    charts: [fidAgainstSteps(dataset, rows), ...curveCharts(curves)],
    images,
  };
}

/** FID of the teacher against its steps, and of the one-step student. */
function fidAgainstSteps(dataset: string, rows: readonly ResultRow[]): Chart {
  const teacherRows = rows.filter((r) => r.group === "Teacher");
  const studentRows = rows.filter((r) => r.group === "Di[M]O");
  return {
    title: `${dataset}: FID against sampling steps`,
    xLabel: "steps (network evaluations per image)",
    yLabel: "FID",
    series: [
      {
        name: "teacher, MaskGIT sampler",
        x: teacherRows.map((r) => r.steps),
        y: teacherRows.map((r) => r.metrics.fid),
        mode: "lines+markers",
      },
      {
        name: "Di[M]O one-step student",
        x: studentRows.map((r) => r.steps),
        y: studentRows.map((r) => r.metrics.fid),
        mode: "markers",
      },
    ],
  };
}

/** The training curves of the teacher and the student, where known. */
function curveCharts(curves: ImageNetworks["curves"]): Chart[] {
  return [
    ...(curves.teacher.length > 0
      ? [trainingCurves(curves.teacher, { keys: ["loss"], title: "Teacher: masked cross-entropy" })]
      : []),
    ...(curves.student.length > 0 ? [distillationChart(curves.student)] : []),
  ];
}

/** The image experiment on one dataset, for the registry. */
export function imageExperiment(dataset: ImageDatasetName): Experiment {
  return {
    description: `class-conditional ${dataset}: teacher at 16/8/4/2 MaskGIT steps against Di[M]O in 1 step`,
    run: (context) => runImages(context, dataset, IMAGE_PROFILES[context.profile]),
  };
}
