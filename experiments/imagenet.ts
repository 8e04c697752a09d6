/**
 * The paper's ImageNet 256 × 256 experiment on the official networks: Maskgit-pytorch's MaskGIT
 * transformer as the teacher and its VQGAN as the tokenizer, both converted to dimo's files by
 * `tools/convert_checkpoint.py` (the weights cannot be shipped; the README says where they are).
 * Di[M]O runs at the paper's ImageNet settings (the defaults of `DistillConfig`: r_init 0.6,
 * σ = 0.1, forward KL, teacher guidance 2, Adam 1e-5, EMA 0.9999) with the official run's global
 * batch of 128 (64 on each of 2 GPUs) as 2 accumulated batches of 64 on one card, with activations
 * recomputed in the backward pass so that a batch of 64 fits; resumable from `--out`.
 *
 * Rows: the teacher with the MaskGIT sampler at each step count of the profile and the one-step
 * student, each with its seconds per image (decoding through the VQGAN included) and a sample grid
 * (a row per class). FID in the paper's protocol needs the Inception network and reference
 * statistics, which are not here.
 *
 * @module
 */
import * as tf from "../lib/backend/tf.ts";
import { createRng } from "../lib/rng/mod.ts";
import {
  type Condition,
  loadTransformer,
  loadVqgan,
  type Transformer,
  type Vqgan,
} from "../lib/models/mod.ts";
import { generateOneStep } from "../lib/distill/mod.ts";
import { checkInteger, errorMessage } from "../lib/validate/mod.ts";
import { encodePng, imageGrid } from "../lib/viz/mod.ts";
import { Progress, throwIfStopRequested } from "../lib/progress/mod.ts";
import type { Experiment, ExperimentContext } from "./registry.ts";
import type { ResultImage, ResultRow, Results, RuntimeRow } from "./results.ts";
import {
  checkpointSource,
  distillationChart,
  makeStudent,
  NetworkStore,
  studentMethod,
  withoutCurves,
} from "./network_store.ts";
import { type DistillSettings, type ProfileName, resolveProfile } from "./settings.ts";
import { checkSamplerSettings, teacherRowSampler } from "./teacher_sampler.ts";

/** Settings of one profile. */
export interface ImagenetProfile extends DistillSettings {
  /**
   * The teacher's MaskGIT sampler: guidance s ramped from 1 (MaskGIT's CFG weight w is s − 1), the
   * Gumbel temperature, and the step counts of the rows.
   */
  readonly sampler: {
    readonly guidance: number;
    readonly gumbelTemperature: number;
    readonly steps: readonly number[];
  };
  /** The classes of the sample grids, one row each. */
  readonly classes: readonly number[];
  /** Images per class in each grid. */
  readonly imagesPerClass: number;
}

/**
 * Maskgit-pytorch's evaluation sampler (README: w = 3, Gumbel temperature 4.5, 8 steps), at the
 * step counts of the image experiment's table.
 */
const SAMPLER = { guidance: 4, gumbelTemperature: 4.5, steps: [16, 8, 4, 2] } as const;

/** Goldfish, macaw, golden retriever, arctic fox, otter, giant panda, balloon, cheeseburger, volcano, alp. */
const CLASSES = [1, 88, 207, 279, 360, 388, 417, 933, 980, 970] as const;

/** The paper's settings, with the official global batch of 128 as 2 × 64 on one card. */
const DISTILL = { batch: 64, accumulation: 2, recomputeActivations: true } as const;

/**
 * The profiles: the paper's distillation settings throughout; `smoke` checks the pipeline in two
 * iterations, `quick` distils briefly, `full` distils at length in resumable chunks (a GPU's work).
 */
export const IMAGENET_PROFILES: Readonly<Record<ProfileName, ImagenetProfile>> = {
  smoke: {
    distill: DISTILL,
    distillIterations: 2,
    sampler: { ...SAMPLER, steps: [8, 2] },
    classes: CLASSES.slice(0, 2),
    imagesPerClass: 1,
  },
  quick: {
    distill: DISTILL,
    distillIterations: 200,
    sampler: SAMPLER,
    classes: CLASSES.slice(0, 4),
    imagesPerClass: 2,
  },
  full: {
    distill: DISTILL,
    distillIterations: 20_000,
    sampler: SAMPLER,
    classes: CLASSES,
    imagesPerClass: 4,
  },
};

/** Where the README explains how to get and convert the official checkpoints. */
const HOW_TO_GET =
  "see the README's 'ImageNet on the paper's own networks' for the official files and how to convert them";

/** Throws unless the teacher, the VQGAN and the grid classes fit together, before any work. */
function checkNetworks(teacher: Transformer, vqgan: Vqgan, classes: readonly number[]): void {
  const action = "run imagenet";
  const { codebookSize, seqLen, numClasses } = teacher.config;
  if (vqgan.config.codebookSize !== codebookSize) {
    throw new RangeError(
      errorMessage(
        action,
        "--vqgan codebookSize",
        `the teacher's ${codebookSize}`,
        vqgan.config.codebookSize,
      ),
    );
  }
  const side = vqgan.config.resolution / 2 ** (vqgan.config.channelMultipliers.length - 1);
  if (side * side !== seqLen) {
    throw new RangeError(
      errorMessage(
        action,
        "--vqgan token grid",
        `${seqLen} tokens, the teacher's seqLen`,
        `${side} × ${side}`,
      ),
    );
  }
  classes.forEach((c, i) => checkInteger(action, `classes[${i}]`, c, 0, numClasses - 1));
}

/**
 * Generates a grid's images (class-major), tokens and decoding, twice: the first call compiles
 * the shaders of these shapes, and the second is the one timed and kept.
 */
async function sampleRow(
  labels: tf.Tensor1D,
  vqgan: Vqgan,
  sampler: (condition: Condition) => tf.Tensor2D,
): Promise<{ images: tf.Tensor4D; seconds: number }> {
  const draw = async () => {
    const start = performance.now();
    const tokens = sampler(labels);
    const images = vqgan.decode(tokens, { validateRange: false });
    tokens.dispose();
    await images.data();
    return { images, seconds: (performance.now() - start) / 1000 };
  };
  (await draw()).images.dispose();
  return await draw();
}

/**
 * Runs the experiment with explicit settings.
 *
 * @param context The command line's choices: `teacher` (the converted MaskGIT transformer) and
 *   `vqgan` (the converted VQGAN) are required; `checkpoints` may hold a distilled student.
 * @param settings The profile's settings, before the context's `--set` overrides.
 * @returns The results.
 * @throws {Error} Without `--teacher` or `--vqgan`, saying what is needed and where to read how.
 */
export async function runImagenet(context: ExperimentContext, settings: ImagenetProfile): Promise<Results> {
  if (context.teacher === undefined || context.vqgan === undefined) {
    throw new Error(
      `Cannot run imagenet as it needs the official networks converted to dimo's files: pass ` +
        `--teacher FILE (the MaskGIT transformer) and --vqgan FILE (its VQGAN); ${HOW_TO_GET}`,
    );
  }
  const overrides = context.overrides ?? [];
  const profile = resolveProfile("run imagenet", settings, overrides);
  // No student of the official networks ships: one comes from --checkpoints or an earlier run's --out.
  const source = await checkpointSource(context, ["student"]);
  const store = await NetworkStore.open<"student">(source, context.out, context.seed);
  const teacher = await loadTransformer(context.teacher);
  const vqgan = await loadVqgan(context.vqgan).catch((error) => {
    teacher.dispose();
    throw error;
  });
  try {
    checkNetworks(teacher, vqgan, profile.classes);
    checkSamplerSettings("run imagenet", profile.sampler, teacher.config.seqLen);
    await Deno.mkdir(context.out, { recursive: true });
    const student = await makeStudent(store, teacher, context.out, {
      iterations: profile.distillIterations,
      config: profile.distill,
      seed: context.seed,
      progress: context.progress,
      signal: context.signal,
    });
    const rng = createRng(context.seed);
    const { classes, imagesPerClass } = profile;
    const count = classes.length * imagesPerClass;
    const labels = tf.tensor1d(classes.flatMap((c) => Array(imagesPerClass).fill(c)), "int32");
    const rows: ResultRow[] = [];
    const runtime: RuntimeRow[] = [];
    const images: ResultImage[] = [];
    const evaluation = new Progress("sampling", profile.sampler.steps.length + 1, {
      every: 1,
      unit: "rows",
      reporter: context.progress,
    });
    const row = async (
      group: string,
      method: string,
      steps: number,
      file: string,
      sampler: (condition: Condition) => tf.Tensor2D,
    ) => {
      const { images: grid, seconds } = await sampleRow(labels, vqgan, sampler);
      const perImage = seconds / count;
      rows.push({ group, method, steps, metrics: { seconds_per_image: perImage } });
      runtime.push({ method: `${group}, ${method}`, steps, seconds_per_sample: perImage, batch: count });
      images.push({
        caption: `${group}, ${steps} step(s): a row per class (${classes.join(", ")})`,
        file,
        png: encodePng(await imageGrid(grid, { columns: imagesPerClass })),
      });
      grid.dispose();
      evaluation.tick(rows.length);
      await throwIfStopRequested(context.signal);
    };
    try {
      for (const steps of profile.sampler.steps) {
        const { method, sample } = teacherRowSampler(
          teacher,
          teacher.config.seqLen,
          profile.sampler,
          steps,
          rng.fork(`teacher/${steps}`),
        );
        await row("Teacher", method, steps, `samples-teacher-${steps}.png`, sample);
      }
      const draw = rng.fork("dimo");
      await row(
        "Di[M]O",
        studentMethod(store.records.student?.iterations),
        1,
        "samples-dimo.png",
        (condition) => generateOneStep(student, profile.distill.init, condition, draw),
      );
    } finally {
      labels.dispose();
    }
    const curve = store.curveOf("student");
    return {
      experiment: "imagenet",
      profile: context.profile,
      backend: context.backend.name,
      adapter: context.backend.adapter,
      seed: context.seed,
      config: {
        teacher: context.teacher,
        vqgan: context.vqgan,
        ...profile,
        networks: withoutCurves(store.records),
      },
      overrides,
      rows,
      runtime,
      notes: [
        `Teacher: ${context.teacher} (${teacher.config.layers} layers, width ${teacher.config.width}, ` +
        `${teacher.config.seqLen} tokens, ${teacher.config.numClasses} classes); VQGAN: ${context.vqgan}.`,
        `${count} images a row; seconds per image include decoding through the VQGAN, from the second of two calls (the first compiles the shaders).`,
        "No FID: the paper's protocol needs the Inception-v3 network and reference statistics.",
      ],
      charts: curve.length > 0 ? [distillationChart(curve)] : [],
      images,
    };
  } finally {
    store.disposeAll();
    teacher.dispose();
    vqgan.dispose();
  }
}

/** The experiment, for the registry. */
export const imagenetExperiment: Experiment = {
  description: "class-conditional ImageNet 256 on the official MaskGIT and VQGAN (--teacher, --vqgan): " +
    "teacher at 16/8/4/2 steps against Di[M]O in 1",
  run: (context) => runImagenet(context, IMAGENET_PROFILES[context.profile]),
};
