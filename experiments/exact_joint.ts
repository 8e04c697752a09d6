/**
 * The exact-joint benchmark: a toy distribution over 6 tokens whose joint is known in closed
 * form, a small MDM teacher trained on its samples, and every sampler's total-variation distance
 * to the TRUE joint — so "the one-step student samples the correct joint" is measured, not
 * proxied.
 *
 * Rows: the product of the true marginals (the best any single factorised step can do), the
 * teacher with the MaskGIT confidence sampler and with the ancestral sampler at S = 1, 2, 4 and L
 * steps, and the Di[M]O one-step student (its EMA), distilled from that teacher.
 *
 * @module
 */
import * as tf from "../lib/backend/tf.ts";
import { createRng, type Rng } from "../lib/rng/mod.ts";
import { checkInteger, checkOneOf } from "../lib/validate/mod.ts";
import { createTemplateMixture, type ExactJoint, type TokenSamples } from "../lib/data/mod.ts";
import { evaluateSamples, noiseFloor, type SampleMetrics } from "../lib/eval/mod.ts";
import {
  loadTransformer,
  resolveTransformerConfig,
  saveTransformer,
  type Transformer,
  type TransformerConfig,
} from "../lib/models/mod.ts";
import { resolveMdmTrainConfig, type TrainedTeacher, trainTeacher } from "../lib/mdm/mod.ts";
import { sampleAncestral, sampleMaskGit } from "../lib/sampling/mod.ts";
import { distillStudent, generateOneStep, type PartialDistillConfig } from "../lib/distill/mod.ts";
import type { ExperimentContext } from "./registry.ts";
import { pathKind } from "./files.ts";
import { distillationChart, studentMethod } from "./network_store.ts";
import { loadTrainedTeacher, saveTrainedTeacher } from "./teacher_file.ts";
import type { ResultRow, Results, RuntimeRow } from "./results.ts";
import {
  DISTILL_STATE_FILE,
  type DistillSettings,
  type ProfileName,
  resolveProfile,
  type TeacherSettings,
  withDistillOverride,
} from "./settings.ts";
import {
  type CurvePoint,
  Progress,
  type ProgressReporter,
  throwIfStopRequested,
} from "../lib/progress/mod.ts";
import { type Chart, trainingCurves } from "../lib/viz/mod.ts";

/**
 * Settings of one profile: the teacher's, the overrides of the paper's distillation settings and
 * the iterations, and the samples per row.
 */
export interface ExactJointProfile extends DistillSettings {
  /** The teacher's size and MDM training. */
  readonly teacher: TeacherSettings;
  /** Samples per evaluated row. */
  readonly evalSamples: number;
}

/**
 * Every profile's distillation, as overrides of the paper's settings:
 *
 * - no guidance (`teacherGuidance: 1`; CFG would move the target away from the truth) and no
 *   dropout (the teacher was trained without): what a distance to the true joint requires;
 * - batch 64, the student's learning rate 2e-4 and the aux model's 1e-3 (the aux model learns
 *   faster than the student, so it keeps up with it): the fastest to converge among those tried
 *   at batch 64 (1e-4/1e-4, 1e-4/1e-3, 3e-4/3e-4, 5e-4/2e-3 and 1e-3/3e-3 were slower or unstable);
 * - σ = 0 (`init.sigma`), where the paper uses 0.1: the `sigma` sweep (0, 0.1, 0.3) found that
 *   noise of scale 0.1 drowns the input embeddings of this small transformer, whose scale is
 *   about 0.05, and σ = 0 gave the lowest TV.
 */
const DISTILL: PartialDistillConfig = {
  teacherGuidance: 1,
  dropout: false,
  batch: 64,
  studentAdam: { lr: 2e-4 },
  auxAdam: { lr: 1e-3 },
  init: { sigma: 0 },
};

/** The teacher of `quick` and `full`: 2 blocks of width 64, batch 256. */
const TEACHER = { width: 64, layers: 2, heads: 4, batch: 256, lr: 1e-3 } as const;

/**
 * The profiles. `smoke` is a short run of the same pipeline (a minute or two on one wasm thread,
 * the notebook's quick mode), long enough for its student to beat the teacher's 2-step samplers:
 * a narrower teacher than the others', at twice their learning rate so that it learns in time;
 * `quick` fits well inside 10 minutes on one wasm thread: at σ = 0 its student closes as much of
 * the gap after 600 iterations as after 1,000 (docs/results.md); `full` trains both networks
 * longer and scores 5× more samples.
 */
export const EXACT_JOINT_PROFILES: Readonly<Record<ProfileName, ExactJointProfile>> = {
  smoke: {
    teacher: { width: 32, layers: 2, heads: 2, iterations: 600, batch: 128, lr: 2e-3 },
    distill: DISTILL,
    distillIterations: 450,
    evalSamples: 4096,
  },
  quick: {
    teacher: { ...TEACHER, iterations: 1200 },
    distill: DISTILL,
    distillIterations: 600,
    evalSamples: 20_000,
  },
  full: {
    teacher: { ...TEACHER, iterations: 3000 },
    distill: DISTILL,
    distillIterations: 4000,
    evalSamples: 100_000,
  },
};

/** The sampling batch: large enough to amortise a forward pass, small enough for memory. */
const SAMPLE_CHUNK = 4096;

/** The teacher's architecture for a joint and a profile. */
function teacherConfig(joint: ExactJoint, profile: ExactJointProfile): TransformerConfig {
  const { seqLen, symbols, classes } = joint.spec;
  const { width, heads, layers } = profile.teacher;
  return resolveTransformerConfig({
    codebookSize: symbols,
    numClasses: classes,
    seqLen,
    width,
    heads,
    layers,
    dropout: 0,
  });
}

/** Trains the teacher on the joint's samples, toward the true conditional: no label drop, no smoothing. */
function trainJointTeacher(
  joint: ExactJoint,
  profile: ExactJointProfile,
  rng: Rng,
  progress?: ProgressReporter,
): Promise<TrainedTeacher> {
  const { seqLen } = joint.spec;
  const { iterations, batch, lr } = profile.teacher;
  const data = rng.fork("data");
  const nextBatch = () => {
    const { tokens, labels } = joint.sample(batch, data);
    return { tokens: tf.tensor2d(tokens, [batch, seqLen], "int32"), condition: tf.tensor1d(labels, "int32") };
  };
  const config = resolveMdmTrainConfig({ labelDropRate: 0, labelSmoothing: 0 });
  return trainTeacher(
    teacherConfig(joint, profile),
    { iterations, lr, warmupSteps: 100, config, nextBatch },
    { rng, progress },
  );
}

/** Draws `n` samples with uniform labels from a tensor sampler, in chunks, timing it. */
async function drawSamples(
  n: number,
  classes: number,
  rng: Rng,
  sampler: (labels: tf.Tensor1D, hostLabels: Int32Array) => tf.Tensor2D,
  progress: Progress,
  signal: AbortSignal | undefined,
): Promise<{ samples: TokenSamples; seconds: number }> {
  const labels = Int32Array.from({ length: n }, () => rng.int(classes));
  const chunks: Int32Array[] = [];
  const start = performance.now();
  for (let from = 0; from < n; from += SAMPLE_CHUNK) {
    const hostLabels = labels.subarray(from, Math.min(n, from + SAMPLE_CHUNK));
    const part = tf.tensor1d(hostLabels, "int32");
    const tokens = sampler(part, hostLabels);
    chunks.push(await tokens.data() as Int32Array);
    tf.dispose([part, tokens]);
    progress.tick(Math.min(n, from + SAMPLE_CHUNK));
    await throwIfStopRequested(signal);
  }
  const seconds = (performance.now() - start) / 1000;
  const tokens = new Int32Array(chunks.reduce((s, c) => s + c.length, 0));
  chunks.reduce((offset, c) => (tokens.set(c, offset), offset + c.length), 0);
  return { samples: { tokens, labels }, seconds };
}

function metricsOf(m: SampleMetrics): Record<string, number> {
  return { tv: m.tv, nll: m.nll, entropy: m.entropy, mode_coverage: m.modeCoverage };
}

/** One setting of an ablation: its label and its overrides of the experiment's distillation config. */
interface SweepPoint {
  readonly label: string;
  readonly override: PartialDistillConfig;
}

/** r_init fixed at `value`, with embedding noise σ. */
const fixedRInit = (value: number, sigma: number): SweepPoint => ({
  label: `r_init = ${value}, σ = ${sigma}`,
  override: { init: { rInit: { kind: "fixed", value }, sigma } },
});

/** The ablations of `--sweep`, one table each; the other settings stay at the profile's. */
const SWEEPS: Record<string, readonly SweepPoint[]> = {
  divergence: [
    { label: "forward KL", override: { divergence: { kind: "fkl" } } },
    { label: "reverse KL", override: { divergence: { kind: "rkl" } } },
    { label: "Jeffreys, β = 0.5", override: { divergence: { kind: "jeffreys", beta: 0.5 } } },
    { label: "Jensen–Shannon", override: { divergence: { kind: "js" } } },
    { label: "total variation", override: { divergence: { kind: "tv" } } },
  ],
  // r_init at the paper's σ = 0.1 (the profiles' σ is 0).
  "r-init": [0, 0.3, 0.6, 1].map((value) => fixedRInit(value, 0.1)),
  // r_init without the embedding noise: with σ = 0 and r_init = 1 every x_init is the same, so the
  // student's one step is a product of marginals, bound by the factorised floor.
  "r-init-sigma-0": [0, 0.3, 0.6, 1].map((value) => fixedRInit(value, 0)),
  sigma: [0, 0.1, 0.3].map((sigma) => ({ label: `σ = ${sigma}`, override: { init: { sigma } } })),
};

/** The sweep names `--sweep` accepts (comma-separated for several). */
export const EXACT_JOINT_SWEEPS: readonly string[] = Object.keys(SWEEPS);

/** Builds the rows and runtimes of one experiment run, sharing the sample budget and random streams. */
class Table {
  readonly rows: ResultRow[] = [];
  readonly runtime: RuntimeRow[] = [];
  constructor(
    readonly joint: ExactJoint,
    readonly n: number,
    readonly rng: Rng,
    readonly progress?: ProgressReporter,
    readonly signal?: AbortSignal,
  ) {}

  /** Samples `n` sequences with `sampler`, scores them against the truth and records a row. */
  async add(
    row: Omit<ResultRow, "metrics">,
    sampler: (labels: tf.Tensor1D, rng: Rng, hostLabels: Int32Array) => tf.Tensor2D,
    options: { readonly runtimeMethod?: string; readonly gapReference?: GapReference } = {},
  ): Promise<SampleMetrics> {
    const { runtimeMethod, gapReference } = options;
    const draw = this.rng.fork(`${row.table ?? ""}/${row.group}/${row.method}/${row.steps}`);
    const label = `sampling: ${
      row.table ? `${row.table}, ` : ""
    }${row.group}, ${row.method}, ${row.steps} step(s)`;
    const progress = new Progress(label, this.n, {
      every: SAMPLE_CHUNK,
      unit: "samples",
      reporter: this.progress,
    });
    const { samples, seconds } = await drawSamples(
      this.n,
      this.joint.spec.classes,
      draw,
      (l, host) => sampler(l, draw, host),
      progress,
      this.signal,
    );
    const metrics = evaluateSamples(this.joint, samples);
    const gap = gapReference && { gap_closed: gapClosed(metrics.tv, gapReference) };
    this.rows.push({ ...row, metrics: { ...metricsOf(metrics), ...gap } });
    if (runtimeMethod !== undefined) {
      this.runtime.push({
        method: runtimeMethod,
        steps: row.steps,
        seconds_per_sample: seconds / this.n,
        batch: SAMPLE_CHUNK,
      });
    }
    return metrics;
  }
}

/** The teacher's TV with the ancestral sampler at 1 step and at L steps. */
interface GapReference {
  readonly oneStep: number;
  readonly allSteps: number;
}

/**
 * The share of the teacher's TV gap between 1 and L ancestral steps that a one-step sampler
 * closes: 0 at the teacher's 1-step TV, 1 at its L-step TV.
 */
function gapClosed(tv: number, reference: GapReference): number {
  return (reference.oneStep - tv) / (reference.oneStep - reference.allSteps);
}

/** TV to the true joint against sampling steps: the teacher's samplers, Di[M]O, the floors. */
function tvAgainstSteps(rows: readonly ResultRow[], seqLen: number): Chart {
  const line = (group: string, method: string, name = method) => {
    const points = rows.filter((r) => r.group === group && r.method.startsWith(method));
    return { name, x: points.map((r) => r.steps), y: points.map((r) => r.metrics.tv) };
  };
  const level = (group: string, name: string) => {
    const tv = rows.find((r) => r.group === group)!.metrics.tv;
    return { name, x: [1, seqLen], y: [tv, tv], mode: "lines" as const };
  };
  return {
    title: "TV to the true joint against sampling steps",
    xLabel: "steps (network evaluations per sample)",
    yLabel: "total variation",
    series: [
      { ...line("Teacher", "MaskGIT", "teacher, MaskGIT sampler"), mode: "lines+markers" },
      { ...line("Teacher", "ancestral", "teacher, ancestral sampler"), mode: "lines+markers" },
      { ...line("Di[M]O", "", "Di[M]O one-step student"), mode: "markers" },
      level("Floor", "product of true marginals"),
      level("Truth", "noise floor (samples of the truth)"),
    ],
  };
}

/** The teacher's file in the output directory: reused by a run started again into it. */
export const TEACHER_FILE = "teacher.safetensors";

/**
 * Loads `--teacher` (checking its architecture), or the teacher an earlier run saved in `--out`
 * (checking its architecture, seed and training settings), or trains one and saves it there.
 */
async function obtainTeacher(
  context: ExperimentContext,
  joint: ExactJoint,
  profile: ExactJointProfile,
  rng: Rng,
): Promise<{ teacher: Transformer; curve: readonly CurvePoint[] }> {
  const config = teacherConfig(joint, profile);
  if (context.teacher !== undefined) {
    return { teacher: await loadTransformer(context.teacher, { expected: config }), curve: [] };
  }
  const path = `${context.out}/${TEACHER_FILE}`;
  const record = { seed: context.seed, settings: { ...profile.teacher } };
  if (await pathKind(path) === "file") {
    const reused = await loadTrainedTeacher(path, { config, record });
    console.log(`exact-joint: reusing the teacher an earlier run saved in ${path} (seed ${context.seed})`);
    return reused;
  }
  const { teacher, curve } = await trainJointTeacher(joint, profile, rng.fork("teacher"), context.progress);
  await saveTrainedTeacher(path, teacher, {
    record,
    curve,
    metadata: { "dimo.experiment": "exact-joint", "dimo.profile": context.profile },
  });
  return { teacher, curve };
}

/**
 * Runs the benchmark with explicit settings (the CLI passes its profile's; tests pass tiny ones),
 * after applying the context's `--set` overrides to them.
 *
 * @param context The command line's choices; `context.profile` only labels the results.
 * @param settings The profile's settings.
 * @returns The results; `config` holds the resolved settings and `overrides` the `--set` strings.
 */
export async function runExactJoint(
  context: ExperimentContext,
  settings: ExactJointProfile,
): Promise<Results> {
  const sweeps = context.sweep?.split(",").map((s) => s.trim()) ?? [];
  sweeps.forEach((name) => checkOneOf("run exact-joint", "--sweep", name, EXACT_JOINT_SWEEPS));
  const overrides = context.overrides ?? [];
  const profile = resolveProfile("run exact-joint", settings, overrides);
  checkInteger("run exact-joint", "evalSamples", profile.evalSamples, 10);
  await Deno.mkdir(context.out, { recursive: true }); // the student is saved there even with --teacher
  const rng = createRng(context.seed);
  const joint = createTemplateMixture({ seed: context.seed });
  const { seqLen, symbols } = joint.spec;
  const n = profile.evalSamples;
  const table = new Table(joint, n, rng.fork("rows"), context.progress, context.signal);

  const floor = noiseFloor(joint, { n, rng: rng.fork("floor") });
  table.rows.push({
    group: "Truth",
    method: "samples of the true joint (noise floor)",
    steps: 0,
    metrics: metricsOf(floor),
  });
  await table.add(
    { group: "Floor", method: "product of true marginals", steps: 1 },
    (labels, r, hostLabels) => {
      const n = labels.shape[0];
      const product = joint.sampleProductOfMarginals(n, r, { labels: hostLabels });
      return tf.tensor2d(product.tokens, [n, seqLen], "int32");
    },
  );

  const { teacher, curve: teacherCurve } = await obtainTeacher(context, joint, profile, rng);
  const distillCurves: { label: string; curve: readonly CurvePoint[] }[] = [];
  try {
    const denoiser = teacher.asDenoiser({ validateIds: false });
    const sizes = { seqLen, maskId: teacher.layout.maskId, codebookSize: symbols };
    // The sweeps only need the ancestral rows that define the gap; the main table has them all.
    const stepCounts = sweeps.length > 0 ? [1, seqLen] : [...new Set([1, 2, 4, seqLen])];
    const tvAncestral = new Map<number, number>();
    for (const steps of stepCounts) {
      if (sweeps.length === 0) {
        const method = "MaskGIT sampler (no Gumbel noise)";
        await table.add(
          { group: "Teacher", method, steps },
          (l, r) => sampleMaskGit(denoiser, l, r, { ...sizes, steps, gumbelTemperature: 0 }),
          { runtimeMethod: `teacher, ${method}` },
        );
      }
      const method = "ancestral sampler";
      const metrics = await table.add(
        { group: "Teacher", method, steps },
        (l, r) => sampleAncestral(denoiser, l, r, { ...sizes, steps }),
        { runtimeMethod: `teacher, ${method}` },
      );
      tvAncestral.set(steps, metrics.tv);
    }
    const reference = { oneStep: tvAncestral.get(1)!, allSteps: tvAncestral.get(seqLen)! };

    const iterations = profile.distillIterations;
    const distilRow = async (
      tableName: string | undefined,
      point: SweepPoint,
      stateFile: string,
      save?: string,
    ) => {
      const config = withDistillOverride(profile.distill, point.override);
      const label = `Di[M]O${point.label ? ` (${point.label})` : ""}`;
      const { student, curve } = await distillStudent(teacher, config, {
        iterations,
        seed: context.seed,
        label,
        checkpoint: `${context.out}/${stateFile}`,
        progress: context.progress,
        signal: context.signal,
      });
      distillCurves.push({ label, curve });
      const method = point.label || studentMethod(iterations);
      await table.add(
        { table: tableName, group: "Di[M]O", method, steps: 1 },
        (labels, r) => generateOneStep(student, config.init, labels, r),
        { runtimeMethod: tableName === undefined ? "Di[M]O student" : undefined, gapReference: reference },
      );
      if (save !== undefined) {
        await saveTransformer(save, student, { "dimo.distill": JSON.stringify(config) });
      }
      student.dispose();
    };
    if (sweeps.length === 0) {
      await distilRow(
        undefined,
        { label: "", override: {} },
        DISTILL_STATE_FILE,
        `${context.out}/student.safetensors`,
      );
    }
    for (const name of sweeps) {
      for (const [i, point] of SWEEPS[name].entries()) {
        await distilRow(`sweep: ${name}`, point, `distill-state-${name}-${i}.safetensors`);
      }
    }
  } finally {
    teacher.dispose();
  }

  return {
    experiment: "exact-joint",
    profile: context.profile,
    backend: context.backend.name,
    adapter: context.backend.adapter,
    seed: context.seed,
    config: {
      joint: joint.spec,
      ...profile,
      teacher: context.teacher ?? profile.teacher,
      sweeps,
    },
    overrides,
    rows: table.rows,
    runtime: table.runtime,
    charts: [
      ...(sweeps.length === 0 ? [tvAgainstSteps(table.rows, seqLen)] : []),
      ...(teacherCurve.length > 0
        ? [trainingCurves(teacherCurve, { keys: ["loss"], title: "Teacher: masked cross-entropy" })]
        : []),
      ...distillCurves.map(({ label, curve }) => distillationChart(curve, label)),
    ],
    notes: [
      `${n} samples per row; tv = mean over classes of ½Σ|p̂(x|c) − p(x|c)|; nll = mean −log p(x|c) under the truth ` +
      `(below the entropy means mode-seeking); mode_coverage = fraction of the templates sampled at least once.`,
      `The noise floor row is what a perfect sampler scores at this n.`,
      `gap_closed = (tv of the teacher's 1-step ancestral sampler − tv) / (its 1-step tv − its ${seqLen}-step tv).`,
      ...(sweeps.length > 0
        ? ["Each sweep row changes one setting of the main Di[M]O row and keeps the rest."]
        : []),
    ],
  };
}

/** The exact-joint benchmark. */
export const exactJoint = {
  description: "toy joint over 6 tokens known in closed form: samplers' TV distance to the truth",
  sweeps: EXACT_JOINT_SWEEPS,
  run: (context: ExperimentContext): Promise<Results> =>
    runExactJoint(context, EXACT_JOINT_PROFILES[context.profile]),
};
