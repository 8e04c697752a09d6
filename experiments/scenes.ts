/**
 * The paper's text-to-image tables on compositional scenes: GenEval (overall and six tasks) by the
 * scene judge, and HPS (four styles and their mean) by the preference score, for ground-truth
 * renders, the tokenizer's reconstructions, the prompt-conditioned teacher with the MaskGIT sampler
 * at 48, 32, 16, 8, 4 and 2 steps, and Di[M]O at one step, on the held-out prompts whose
 * colour–shape pairs and relation triples never occur in training.
 *
 * @module
 */
import * as tf from "../lib/backend/tf.ts";
import { createRng, shuffle } from "../lib/rng/mod.ts";
import {
  createPromptTokenizer,
  heldOutPrompts,
  renderScene,
  sampleScene,
  SCENE_SIZE,
  SCENE_STYLES,
  SCENE_TASKS,
  scenesToTensor,
  type SceneStyle,
  type SceneTask,
  type StyledPrompt,
  tensorToScenes,
} from "../lib/data/mod.ts";
import {
  judgeRates,
  judgeScene,
  preferenceScore,
  sceneRoundTrip,
  validateJudge,
  validatePreference,
} from "../lib/eval/mod.ts";
import { generateOneStep, type PartialDistillConfig } from "../lib/distill/mod.ts";
import { type Chart, encodePng, imageGrid, trainingCurves } from "../lib/viz/mod.ts";
import { Progress, throwIfStopRequested } from "../lib/progress/mod.ts";
import { checkInRange } from "../lib/validate/mod.ts";
import type { Experiment, ExperimentContext } from "./registry.ts";
import type { ResultImage, ResultRow, Results, RuntimeRow } from "./results.ts";
import { checkSamplerSettings, teacherRowSampler } from "./teacher_sampler.ts";
import {
  checkpointSource,
  distillationChart,
  type NetworkRecord,
  studentMethod,
  withoutCurves,
} from "./network_store.ts";
import { type DistillSettings, type ProfileName, resolveProfile, type TeacherSettings } from "./settings.ts";
import {
  type EncoderSettings,
  loadOrTrainSceneNetworks,
  SCENE_NETWORK_NAMES,
  type SceneNetworks,
  type SceneTokenizerSettings,
} from "./scene_networks.ts";

/** Settings of one profile. */
export interface SceneProfile extends DistillSettings {
  /** The k-means VQ tokenizer of the renders. */
  readonly tokenizer: SceneTokenizerSettings;
  /** The CLIP stand-in, whose frozen text encoder conditions the teacher. */
  readonly clip: EncoderSettings;
  /** The HPS stand-in, the preference score. */
  readonly hps: EncoderSettings;
  /** The prompt-conditioned teacher's size and training, and the training scenes it sees. */
  readonly teacher: TeacherSettings & { readonly trainScenes: number };
  /**
   * The teacher's MaskGIT sampler: guidance s (ramped from 1, against the null prompt), the
   * Gumbel temperature of its confidences, and the step counts of the rows; the temperature of the
   * one-step student's draw (the official `gen_temp`).
   */
  readonly sampler: {
    readonly guidance: number;
    readonly gumbelTemperature: number;
    readonly steps: readonly number[];
    readonly studentTemperature: number;
  };
  /** Held-out prompts evaluated (of 536, the list shuffled by the seed). */
  readonly evalPrompts: number;
  /** Images generated per prompt. */
  readonly imagesPerPrompt: number;
  /** Renders the judge and the preference score are validated on, every run. */
  readonly validation: number;
}

/**
 * The distillation at Meissonic's settings (`configs/DIMO_Meissonic.yaml`): r_init 0.5, σ = 0.3,
 * the cosine mask ratio clamped to [0.02, 0.98], teacher guidance s = 4 against the null prompt;
 * the learning rates and batch are the image experiment's, sized for this teacher.
 */
const DISTILL: PartialDistillConfig = {
  batch: 32,
  studentAdam: { lr: 2e-4 },
  auxAdam: { lr: 1e-3 },
  init: { rInit: { kind: "fixed", value: 0.5 }, sigma: 0.3 },
  schedule: { name: "cosine" },
  teacherGuidance: 4,
};

const TOKENIZER = { patch: 4, codebookSize: 1024, samplePatches: 100_000, iterations: 10, trainImages: 2000 };
const TEACHER = { width: 128, layers: 4, heads: 4, batch: 256, lr: 1e-3 } as const;
const SAMPLER = {
  guidance: 2,
  gumbelTemperature: 4.5,
  steps: [48, 32, 16, 8, 4, 2],
  studentTemperature: 1,
} as const;
const ENCODER = { iterations: 600, batch: 64 } as const;
/** The preference score's bilinear head needs the longer run to rank relations and colours on held-out renders. */
const PREFERENCE = { iterations: 1200, batch: 64 } as const;

/** The networks of the quick and full profiles: the full profile's recipe, which the shipped ones followed. */
const NETWORKS = {
  tokenizer: TOKENIZER,
  clip: ENCODER,
  hps: PREFERENCE,
  teacher: { ...TEACHER, iterations: 6000, trainScenes: 100_000 },
  distill: DISTILL,
  distillIterations: 800,
  sampler: SAMPLER,
} as const;

/**
 * The profiles. `full` trains every network (the recipe of the shipped checkpoints, sized for one
 * GPU) and scores every held-out prompt twice; `quick` starts from the shipped checkpoints
 * and scores 96 prompts once; `smoke` also starts from them and scores 12 (without them it trains
 * the same networks for a few iterations on small batches: a check of the pipeline).
 */
export const SCENE_PROFILES: Readonly<Record<ProfileName, SceneProfile>> = {
  smoke: {
    ...NETWORKS,
    tokenizer: { ...TOKENIZER, samplePatches: 5000, iterations: 2, trainImages: 100 },
    clip: { iterations: 10, batch: 16 },
    hps: { iterations: 10, batch: 16 },
    teacher: { ...NETWORKS.teacher, batch: 16, iterations: 4, trainScenes: 64 },
    distillIterations: 2,
    sampler: { ...SAMPLER, steps: [4, 2] },
    evalPrompts: 12,
    imagesPerPrompt: 1,
    validation: 24,
  },
  quick: { ...NETWORKS, evalPrompts: 96, imagesPerPrompt: 1, validation: 200 },
  full: { ...NETWORKS, evalPrompts: 536, imagesPerPrompt: 2, validation: 536 },
};

/** Where the shipped networks live, relative to the repository root. */
export const SHIPPED_SCENE_CHECKPOINTS = "checkpoints/scenes";

/** Images per sampling call. */
const CHUNK = 32;

/** The held-out prompts a run evaluates: the list shuffled by `seed`, its first `count`, each `repeat` times. */
function evaluationPrompts(count: number, repeat: number, seed: number): StyledPrompt[] {
  const prompts = shuffle(heldOutPrompts(), createRng(seed));
  return prompts.slice(0, count).flatMap((p) => Array.from({ length: repeat }, () => p));
}

/** Images of one row and the seconds it took to make them, decoding included. */
interface Generated {
  readonly images: Uint8Array[];
  readonly seconds: number;
}

/** Generates one image per prompt in chunks, timing sampling and decoding together. */
async function generate(
  label: string,
  prompts: readonly StyledPrompt[],
  ids: tf.Tensor2D,
  networks: SceneNetworks,
  sampler: (prompts: tf.Tensor2D) => tf.Tensor2D,
  context: ExperimentContext,
): Promise<Generated> {
  const n = prompts.length;
  const progress = new Progress(`sampling: ${label}`, n, {
    every: CHUNK,
    unit: "images",
    reporter: context.progress,
  });
  const images: Uint8Array[] = [];
  const start = performance.now();
  for (let from = 0; from < n; from += CHUNK) {
    const size = Math.min(CHUNK, n - from);
    const decoded = tf.tidy(() =>
      networks.tokenizer.decode(sampler(tf.slice(ids, [from, 0], [size, -1]))) as tf.Tensor4D
    );
    images.push(...await tensorToScenes(decoded));
    decoded.dispose();
    progress.tick(from + size);
    await throwIfStopRequested(context.signal);
  }
  return { images, seconds: (performance.now() - start) / 1000 };
}

/** GenEval's columns: overall and per task. */
function genEvalMetrics(
  prompts: readonly StyledPrompt[],
  images: readonly Uint8Array[],
): Record<string, number> {
  const rates = judgeRates(prompts.map(({ prompt, style }, i) => ({
    task: prompt.task,
    style,
    correct: judgeScene(images[i]!, prompt).correct,
  })));
  return {
    overall: rates.overall,
    ...Object.fromEntries(SCENE_TASKS.map((task) => [task, rates.byTask[task].rate])),
  };
}

/** HPS's columns: the mean score per style and their mean. */
async function hpsMetrics(
  networks: SceneNetworks,
  prompts: readonly StyledPrompt[],
  images: readonly Uint8Array[],
): Promise<Record<string, number>> {
  const scores = await preferenceScore(networks.hps, images, prompts.map((p) => p.text));
  const byStyle = Object.fromEntries(SCENE_STYLES.map((style) => {
    const own = scores.filter((_, i) => prompts[i]!.style === style);
    return [style, own.reduce((a, b) => a + b, 0) / own.length];
  }));
  const styles = Object.values(byStyle).filter(Number.isFinite);
  return { ...byStyle, average: styles.reduce((a, b) => a + b, 0) / styles.length };
}

/** A grid per task and per style: a row per method, its first images of that task or style. */
async function sampleGrids(
  prompts: readonly StyledPrompt[],
  rowsOfImages: readonly { readonly name: string; readonly images: readonly Uint8Array[] }[],
): Promise<ResultImage[]> {
  const grids: ResultImage[] = [];
  const columns = 8;
  const groups: [string, (p: StyledPrompt) => boolean][] = [
    ...SCENE_TASKS.map((task: SceneTask): [string, (p: StyledPrompt) => boolean] => [
      `task ${task}`,
      (p) => p.prompt.task === task,
    ]),
    ...SCENE_STYLES.map((style: SceneStyle): [string, (p: StyledPrompt) => boolean] => [
      `style ${style}`,
      (p) => p.style === style,
    ]),
  ];
  for (const [name, keep] of groups) {
    const picked = prompts.map((p, i) => (keep(p) ? i : -1)).filter((i) => i >= 0).slice(0, columns);
    if (picked.length === 0) continue;
    const images = rowsOfImages.flatMap((row) => picked.map((i) => row.images[i]!));
    const tensor = scenesToTensor(images);
    const grid = await imageGrid(tensor, { columns: picked.length, scale: 3 });
    tensor.dispose();
    grids.push({
      caption: `${name}: rows ${rowsOfImages.map((r) => r.name).join(", ")}; prompts: ${
        picked.map((i) => `"${prompts[i]!.text}"`).join(", ")
      }`,
      file: `grid-${name.replace(" ", "-")}.png`,
      png: encodePng(grid),
    });
  }
  return grids;
}

/**
 * Runs the scenes experiment with explicit settings.
 *
 * @param context The command line's choices.
 * @param settings The profile's settings, before the context's `--set` overrides.
 * @returns The results: the GenEval and HPS tables, runtimes, grids and curves.
 */
export async function runScenes(context: ExperimentContext, settings: SceneProfile): Promise<Results> {
  const source = await checkpointSource(context, SCENE_NETWORK_NAMES, SHIPPED_SCENE_CHECKPOINTS);
  const overrides = context.overrides ?? [];
  const profile = resolveProfile("run scenes", settings, overrides);
  checkSamplerSettings("run scenes", profile.sampler, (SCENE_SIZE / profile.tokenizer.patch) ** 2);
  checkInRange(
    "run scenes",
    "sampler.studentTemperature",
    profile.sampler.studentTemperature,
    Number.MIN_VALUE,
    Infinity,
  );
  const rng = createRng(context.seed);
  await Deno.mkdir(context.out, { recursive: true });
  const networks = await loadOrTrainSceneNetworks(source, context.out, {
    tokenizer: profile.tokenizer,
    clip: profile.clip,
    hps: profile.hps,
    teacher: profile.teacher,
    distill: { iterations: profile.distillIterations, config: profile.distill },
    seed: context.seed,
    rng,
    teacherFile: context.teacher,
    progress: context.progress,
    signal: context.signal,
  });
  const { tokenizer, hps, teacher, student, records } = networks;
  try {
    const roundTrip = sceneRoundTrip(tokenizer);
    const judge = await validateJudge({
      count: profile.validation,
      seed: context.seed,
      transform: roundTrip,
    });
    const truth = await validateJudge({ count: profile.validation, seed: context.seed });
    const preference = await validatePreference(hps, {
      count: profile.validation,
      seed: context.seed,
      roundTrip,
    });
    const percent = (x: number) => `${(100 * x).toFixed(1)}%`;
    const notes = [
      `Judge on ${profile.validation} held-out renders: ground truth judged correct ${
        percent(truth.groundTruth.overall)
      }, ` +
      `wrong renders judged wrong ${
        percent(truth.wrong.overall)
      }, renders with every object cut in four judged ` +
      `wrong ${percent(truth.fragmented.overall)}; the tokenizer's reconstructions judged correct ` +
      `${percent(judge.groundTruth.overall)} (the ceiling of any generator on its tokens).`,
      `Preference score on ${profile.validation} held-out renders: the true prompt above a one-attribute ` +
      `perturbation ${percent(preference.prompt.rate)}; the clean render above its degraded copy ${
        percent(preference.image.rate)
      }.`,
      ...describeNetworks(records),
    ];
    console.log(notes.slice(0, 2).join("\n"));

    const prompts = evaluationPrompts(profile.evalPrompts, profile.imagesPerPrompt, context.seed);
    const promptTokenizer = createPromptTokenizer({ contextLength: teacher.config.text!.contextLength });
    const ids = promptTokenizer.encodeBatch(prompts.map((p) => p.text));
    const rows: ResultRow[] = [];
    const runtime: RuntimeRow[] = [];
    const gridRows: { name: string; images: Uint8Array[] }[] = [];
    const evaluation = new Progress("evaluation", profile.sampler.steps.length + 3, {
      every: 1,
      unit: "rows",
      reporter: context.progress,
    });
    const score = async (
      group: string,
      method: string,
      steps: number,
      images: Uint8Array[],
      seconds?: number,
    ) => {
      rows.push({
        table: "GenEval stand-in (scene judge)",
        group,
        method,
        steps,
        metrics: genEvalMetrics(prompts, images),
      });
      rows.push({
        table: "HPS stand-in (preference score)",
        group,
        method,
        steps,
        metrics: await hpsMetrics(networks, prompts, images),
      });
      if (seconds !== undefined) {
        runtime.push({
          method: `${group}, ${method}`,
          steps,
          seconds_per_sample: seconds / images.length,
          batch: CHUNK,
        });
      }
      gridRows.push({ name: steps > 0 ? `${group} ${steps}` : group, images });
      evaluation.tick(gridRows.length);
    };

    const draw = rng.fork("renders");
    const renders = prompts.map(({ prompt, style }) =>
      renderScene(sampleScene(prompt, { style, rng: draw, split: "heldout" }))
    );
    await score("Renders", "ground truth", 0, renders);
    await score("Tokenizer", "renders encoded and decoded (ceiling)", 0, await roundTrip(renders));

    for (const steps of profile.sampler.steps) {
      const teacherRow = teacherRowSampler(
        teacher,
        tokenizer.seqLen,
        profile.sampler,
        steps,
        rng.fork(`teacher/${steps}`),
      );
      const label = `teacher, ${steps} steps`;
      const { images, seconds } = await generate(label, prompts, ids, networks, teacherRow.sample, context);
      await score("Teacher", teacherRow.method, steps, images, seconds);
    }
    const stream = rng.fork("dimo");
    const { images, seconds } = await generate(
      "Di[M]O",
      prompts,
      ids,
      networks,
      (c) =>
        generateOneStep(student, profile.distill.init, c, stream, {
          temperature: profile.sampler.studentTemperature,
        }),
      context,
    );
    await score(
      "Di[M]O",
      `${studentMethod(records.student.iterations)}, temperature ${profile.sampler.studentTemperature}`,
      1,
      images,
      seconds,
    );
    ids.dispose();

    notes.push(
      `${profile.evalPrompts} held-out prompts × ${profile.imagesPerPrompt} image(s) per row; GenEval overall is the ` +
        `mean of the six task rates; HPS is 100 × cosine of the preference score, averaged per style.`,
    );
    return {
      experiment: "scenes",
      profile: context.profile,
      backend: context.backend.name,
      adapter: context.backend.adapter,
      seed: context.seed,
      config: { ...profile, networks: withoutCurves(records) },
      overrides,
      rows,
      runtime,
      notes,
      charts: [...againstSteps(rows), ...curveCharts(networks)],
      images: await sampleGrids(prompts, gridRows),
    };
  } finally {
    [networks.student, networks.teacher, networks.hps, networks.clip, networks.tokenizer].forEach((x) =>
      x.dispose()
    );
  }
}

/** One line per network: trained here or loaded. */
function describeNetworks(records: Readonly<Record<string, NetworkRecord>>): string[] {
  return SCENE_NETWORK_NAMES.map((name) => {
    const { source, seconds } = records[name]!;
    return source === "trained"
      ? `${name}: trained in this run in ${seconds.toFixed(0)} s.`
      : `${name}: loaded from ${source}.`;
  });
}

/** GenEval overall and the HPS average against the teacher's steps, with the one-step student. */
function againstSteps(rows: readonly ResultRow[]): Chart[] {
  return [["GenEval stand-in (scene judge)", "overall"], ["HPS stand-in (preference score)", "average"]].map(
    ([table, metric]) => {
      const of = (group: string) => rows.filter((r) => r.table === table && r.group === group);
      return {
        title: `${table}: ${metric} against sampling steps`,
        xLabel: "steps (network evaluations per image)",
        yLabel: metric!,
        series: [
          {
            name: "teacher, MaskGIT sampler",
            x: of("Teacher").map((r) => r.steps),
            y: of("Teacher").map((r) => r.metrics[metric!]!),
            mode: "lines+markers",
          },
          {
            name: "Di[M]O one-step student",
            x: of("Di[M]O").map((r) => r.steps),
            y: of("Di[M]O").map((r) => r.metrics[metric!]!),
            mode: "markers",
          },
        ],
      };
    },
  );
}

/** The training curves of the encoders, the teacher and the student, where known. */
function curveCharts(networks: SceneNetworks): Chart[] {
  const { curves } = networks;
  const charts: Chart[] = [];
  for (const name of ["clip", "hps", "teacher"] as const) {
    if (curves[name].length > 0) {
      charts.push(trainingCurves(curves[name], { keys: ["loss"], title: `${name}: training loss` }));
    }
  }
  if (curves.student.length > 0) {
    charts.push(distillationChart(curves.student));
  }
  return charts;
}

/** The scenes experiment, for the registry. */
export const scenesExperiment: Experiment = {
  description:
    "text-to-image on compositional scenes: GenEval and HPS stand-ins, teacher at 48…2 steps against Di[M]O in 1",
  run: (context) => runScenes(context, SCENE_PROFILES[context.profile]),
};
