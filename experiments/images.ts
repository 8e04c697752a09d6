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
import { createRng, type Rng } from "../lib/rng/mod.ts";
import { type ImageDataset, type ImageDatasetName, imageTensor, loadImageDataset } from "../lib/data/mod.ts";
import { ImageEvaluator } from "../lib/eval/mod.ts";
import {
  type Classifier,
  loadTransformer,
  resolveTransformerConfig,
  saveClassifier,
  saveTransformer,
  trainClassifier,
  type Transformer,
  type TransformerConfig,
} from "../lib/models/mod.ts";
import { type PatchTokenizer, trainKMeansTokenizer } from "../lib/tokenizer/mod.ts";
import { resolveMdmTrainConfig } from "../lib/mdm/mod.ts";
import { sampleMaskGit } from "../lib/sampling/mod.ts";
import { type DistillConfig, generateOneStep, resolveDistillConfig } from "../lib/distill/mod.ts";
import { type Chart, encodePng, imageGrid } from "../lib/viz/mod.ts";
import type { Experiment, ExperimentContext } from "./registry.ts";
import type { ResultImage, ResultRow, Results, RuntimeRow } from "./results.ts";
import { Progress } from "./progress.ts";
import { distillStudent, trainTeacher } from "./training.ts";

/** Settings of one profile. */
export interface ImageProfile {
  /** Training images used (of 60,000), for every network. */
  readonly trainImages: number;
  readonly tokenizer: {
    readonly codebookSize: number;
    readonly samplePatches: number;
    readonly iterations: number;
  };
  readonly classifier: { readonly epochs: number };
  readonly teacher: {
    readonly width: number;
    readonly layers: number;
    readonly heads: number;
    readonly iterations: number;
    readonly batch: number;
    readonly lr: number;
  };
  readonly distill: { readonly iterations: number; readonly batch: number; readonly lr: number };
  /** The teacher's sampler: MaskGIT's CFG weight w (ramped), Gumbel temperature, and the step counts. */
  readonly sampler: {
    readonly cfg: number;
    readonly gumbelTemperature: number;
    readonly steps: readonly number[];
  };
  /** Generated images per row (the real side is the test split, at most this many). */
  readonly evalSamples: number;
}

/** The profiles; `quick` is for a CPU in minutes, `full` trains every network longer. */
export const IMAGE_PROFILES: Readonly<Record<"quick" | "full", ImageProfile>> = {
  quick: {
    trainImages: 10_000,
    tokenizer: { codebookSize: 256, samplePatches: 50_000, iterations: 8 },
    classifier: { epochs: 1 },
    teacher: { width: 96, layers: 3, heads: 4, iterations: 600, batch: 64, lr: 1e-3 },
    distill: { iterations: 300, batch: 32, lr: 1e-4 },
    sampler: { cfg: 1, gumbelTemperature: 4.5, steps: [16, 8, 4, 2] },
    evalSamples: 1000,
  },
  full: {
    trainImages: 60_000,
    tokenizer: { codebookSize: 512, samplePatches: 200_000, iterations: 15 },
    classifier: { epochs: 2 },
    teacher: { width: 128, layers: 4, heads: 4, iterations: 20_000, batch: 128, lr: 5e-4 },
    distill: { iterations: 5_000, batch: 64, lr: 1e-5 },
    sampler: { cfg: 1, gumbelTemperature: 4.5, steps: [16, 8, 4, 2] },
    evalSamples: 10_000,
  },
};

/** Images per sampling call. */
const CHUNK = 500;

/** The class-conditional MDM over the tokenizer's codes. */
function teacherConfig(profile: ImageProfile, tokenizer: PatchTokenizer, classes: number): TransformerConfig {
  const { width, layers, heads } = profile.teacher;
  return resolveTransformerConfig({
    codebookSize: tokenizer.config.codebookSize,
    numClasses: classes,
    seqLen: tokenizer.seqLen,
    width,
    layers,
    heads,
  });
}

/** MaskGIT-style teacher training on random batches of the tokenised training set (label drop 0.1 for CFG). */
function trainImageTeacher(
  config: TransformerConfig,
  data: { tokens: tf.Tensor2D; labels: tf.Tensor1D },
  profile: ImageProfile,
  rng: Rng,
): Promise<Transformer> {
  const { iterations, batch, lr } = profile.teacher;
  const pick = rng.fork("batches");
  const n = data.tokens.shape[0];
  const nextBatch = () =>
    tf.tidy(() => {
      const ids = tf.tensor1d(Int32Array.from({ length: batch }, () => pick.int(n)), "int32");
      return {
        tokens: tf.gather(data.tokens, ids) as tf.Tensor2D,
        labels: tf.gather(data.labels, ids) as tf.Tensor1D,
      };
    });
  const warmupSteps = Math.min(500, iterations / 10);
  return trainTeacher(config, { iterations, lr, warmupSteps, config: resolveMdmTrainConfig({}), nextBatch }, {
    rng,
  });
}

/** The paper's MaskGIT distillation settings with the profile's batch and learning rates. */
function distillConfig(profile: ImageProfile): DistillConfig {
  const { batch, lr } = profile.distill;
  return resolveDistillConfig({
    batch,
    teacherGuidance: 1 + profile.sampler.cfg,
    studentAdam: { lr },
    auxAdam: { lr },
  });
}

/** Generates `n` images (labels cycling through the classes), timing the sampler with decoding. */
async function generate(
  label: string,
  n: number,
  classes: number,
  tokenizer: PatchTokenizer,
  sampler: (labels: tf.Tensor1D) => tf.Tensor2D,
): Promise<{ images: tf.Tensor3D; labels: tf.Tensor1D; seconds: number }> {
  const labels = tf.tensor1d(Int32Array.from({ length: n }, (_, i) => i % classes), "int32");
  const parts: tf.Tensor3D[] = [];
  const progress = new Progress(`sampling: ${label}`, n, { every: CHUNK, unit: "images" });
  const start = performance.now();
  for (let from = 0; from < n; from += CHUNK) {
    const part = tf.slice(labels, [from], [Math.min(CHUNK, n - from)]);
    const tokens = sampler(part);
    const images = tokenizer.decode(tokens);
    await images.data(); // wait for the backend before the clock stops
    parts.push(images);
    tf.dispose([part, tokens]);
    progress.tick(Math.min(n, from + CHUNK));
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

/**
 * Runs the image experiment on one dataset with explicit settings.
 *
 * @param context The command line's choices; `context.teacher` starts from a saved teacher.
 * @param dataset `mnist` or `fashion`.
 * @param profile The settings.
 * @returns The results.
 */
export async function runImages(
  context: ExperimentContext,
  dataset: ImageDatasetName,
  profile: ImageProfile,
): Promise<Results> {
  const rng = createRng(context.seed);
  const [train, test]: ImageDataset[] = [
    await loadImageDataset(dataset, "train"),
    await loadImageDataset(dataset, "test"),
  ];
  const classes = train.classes;
  const trainImages = imageTensor(train, { count: Math.min(profile.trainImages, train.count) });
  const trainLabels = tf.tensor1d(train.labels.subarray(0, trainImages.shape[0]), "int32");
  const testImages = imageTensor(test, { count: Math.min(profile.evalSamples, test.count) });
  const testLabels = tf.tensor1d(test.labels.subarray(0, testImages.shape[0]), "int32");
  await Deno.mkdir(context.out, { recursive: true });
  const rows: ResultRow[] = [];
  const runtime: RuntimeRow[] = [];
  const images: ResultImage[] = [];
  const notes: string[] = [];

  const { codebookSize, samplePatches, iterations } = profile.tokenizer;
  const tokenizer = await trainKMeansTokenizer(trainImages, {
    rng: rng.fork("tokenizer"),
    codebookSize,
    samplePatches,
    iterations,
  });
  await tokenizer.save(`${context.out}/tokenizer.safetensors`);
  const reconstruction = await tokenizer.reconstructionError(testImages);
  notes.push(
    `Tokenizer: ${codebookSize} codes over 4×4 patches; test PSNR ${reconstruction.psnr.toFixed(2)} dB.`,
  );

  const classifier: Classifier = await trainClassifier(trainImages, trainLabels, {
    rng: rng.fork("classifier"),
    epochs: profile.classifier.epochs,
  });
  await saveClassifier(`${context.out}/classifier.safetensors`, classifier);
  const accuracy = await classifier.accuracy(testImages, testLabels);
  notes.push(
    `Feature classifier: test accuracy ${
      (100 * accuracy).toFixed(2)
    }% (${profile.classifier.epochs} epochs).`,
  );
  const evaluator = await ImageEvaluator.create(classifier, testImages, { rng: rng.fork("is") });

  const tokens = tokenizer.encode(trainImages);
  const config = teacherConfig(profile, tokenizer, classes);
  const teacher = context.teacher !== undefined
    ? await loadTransformer(context.teacher, { expected: config })
    : await trainImageTeacher(config, { tokens, labels: trainLabels }, profile, rng.fork("teacher"));
  tokens.dispose();
  await saveTransformer(`${context.out}/teacher.safetensors`, teacher);

  const n = profile.evalSamples;
  const score = async (
    row: Omit<ResultRow, "metrics">,
    file: string,
    sampler: (labels: tf.Tensor1D) => tf.Tensor2D,
  ) => {
    const generated = await generate(`${row.group}, ${row.steps} step(s)`, n, classes, tokenizer, sampler);
    const metrics = await evaluator.evaluate(generated.images, generated.labels);
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
  reconstructed.dispose();

  const { cfg, gumbelTemperature } = profile.sampler;
  const denoiser = teacher.asDenoiser({ validateIds: false });
  const sizes = {
    seqLen: tokenizer.seqLen,
    maskId: teacher.layout.maskId,
    codebookSize: tokenizer.config.codebookSize,
  };
  for (const steps of profile.sampler.steps) {
    const draw = rng.fork(`teacher/${steps}`);
    await score(
      {
        group: "Teacher",
        method: `MaskGIT sampler, CFG w = ${cfg} (ramped), Gumbel ${gumbelTemperature}`,
        steps,
      },
      `samples-teacher-${steps}.png`,
      (labels) =>
        sampleMaskGit(denoiser, labels, draw, {
          ...sizes,
          steps,
          guidance: { kind: "linear", scale: 1 + cfg },
          nullClass: teacher.layout.nullClass,
          gumbelTemperature,
        }),
    );
  }

  const dConfig = distillConfig(profile);
  const student = await distillStudent(teacher, dConfig, {
    iterations: profile.distill.iterations,
    seed: context.seed,
    label: "Di[M]O",
  });
  await saveTransformer(`${context.out}/student.safetensors`, student);
  const draw = rng.fork("dimo");
  await score(
    { group: "Di[M]O", method: `one-step student (EMA), ${profile.distill.iterations} iterations`, steps: 1 },
    "samples-dimo.png",
    (labels) => generateOneStep(student, dConfig.init, labels, draw),
  );

  tf.dispose([trainImages, trainLabels, testImages, testLabels]);
  [student, teacher, evaluator, classifier, tokenizer].forEach((x) => x.dispose());
  notes.push(
    `${n} generated images per row against ${
      Math.min(n, test.count)
    } test images; features and posteriors of the ` +
      `classifier above; precision/recall/density/coverage with k = 3.`,
    `Data: ${train.source}.`,
  );
  const teacherRows = rows.filter((r) => r.group === "Teacher");
  const studentRows = rows.filter((r) => r.group === "Di[M]O");
  const fidAgainstSteps: Chart = {
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
  return {
    experiment: dataset,
    profile: context.profile,
    backend: context.backend.name,
    adapter: context.backend.adapter,
    seed: context.seed,
    config: { dataset, ...profile, distillConfig: dConfig },
    rows,
    runtime,
    notes,
    charts: [fidAgainstSteps],
    images,
  };
}

/** The image experiment on one dataset, for the registry. */
export function imageExperiment(dataset: ImageDatasetName): Experiment {
  return {
    description: `class-conditional ${dataset}: teacher at 16/8/4/2 MaskGIT steps against Di[M]O in 1 step`,
    run: (context) => runImages(context, dataset, IMAGE_PROFILES[context.profile]),
  };
}
