/**
 * Whether a long Di[M]O run stays healthy at a given size: its tensor count flat, its losses
 * finite, and a run stopped by a kill going on from its state file as if it had never stopped.
 *
 *   deno task soak [--teacher FILE] [--iterations N] [--stop-at K] [--batch B] [--accumulation A]
 *                  [--recompute] [--exactness-iterations E] [--out DIR] [--backend NAME] [--threads N]
 *
 * The teacher is the converted checkpoint `--teacher` (`tools/convert_checkpoint.py`), else random
 * weights of the paper's MaskGIT (`MASKGIT_IMAGENET_CONFIG`: 24 blocks, width 768, 256 tokens);
 * the distillation has the paper's settings with the batch, accumulation and recomputation given.
 * Each run shows progress, the tensor count and an ETA. First E iterations straight against E
 * stopped half way, as a SIGTERM stops an experiment, and resumed from the state file: the curves
 * and the student's weights must be equal. Then N iterations in two runs, the second going on from
 * the first's state file at K: the tensor count must be the same at both runs' ends (K and N
 * iterations apart; mid-run counts vary with what the iteration in flight holds), back to its
 * count before once each run is disposed, and every loss finite. Prints one row per check and
 * exits 1 if any fails.
 *
 * @module
 */
import { parseArgs } from "node:util";
import {
  chooseThreads,
  createRng,
  type DistillConfig,
  type DistilledStudent,
  distillStudent,
  loadTransformer,
  MASKGIT_IMAGENET_CONFIG,
  type ProgressReporter,
  resolveDistillConfig,
  stderrProgress,
  tf,
  Transformer,
  useBackend,
} from "@dimo/dimo";
import { chooseBackendName } from "@dimo/dimo/backend";
import { checkInteger, errorMessage, parseIntegerArg } from "@dimo/dimo/validate";

/** One check of the soak, as it prints. */
export interface SoakRow {
  readonly name: string;
  /** What was measured, in words with the numbers. */
  readonly measured: string;
  /** What passing requires. */
  readonly required: string;
  readonly pass: boolean;
}

/** What {@linkcode soak} runs. */
export interface SoakOptions {
  /** The teacher (borrowed). */
  readonly teacher: Transformer;
  /** The distillation. */
  readonly config: DistillConfig;
  /** Iterations of the long run. */
  readonly iterations: number;
  /** Where the long run's first part ends and its second goes on from, in [1, iterations). */
  readonly stopAt: number;
  /** Iterations of the exactness check, even and ≥ 4 (stopped at half, the iteration in flight finishes). */
  readonly exactnessIterations: number;
  /** A directory for the two state files. */
  readonly dir: string;
  /** Receives both runs' progress (default: stderr). */
  readonly progress?: ProgressReporter;
}

const ACTION = "soak the distillation";
const SEED = 0;

/**
 * Runs the two checks: a short run stopped half way and resumed against the same run straight,
 * then the long run stopped at `stopAt` and resumed, its tensor count read at every report.
 *
 * @param options The teacher, the distillation and the run lengths.
 * @returns One row per check.
 * @throws {RangeError} If a length is out of range, before any iteration.
 *
 * @example A tiny network, a few iterations
 * ```ts
 * import assert from "node:assert";
 * import { createRng, resolveDistillConfig, resolveTransformerConfig, silentProgress, Transformer, useBackend } from "@dimo/dimo";
 * import { soak } from "./soak.ts";
 * await useBackend("cpu");
 * const config = resolveTransformerConfig({ codebookSize: 8, numClasses: 2, seqLen: 4, width: 8, heads: 2, layers: 1 });
 * const teacher = new Transformer(config, { rng: createRng(0) });
 * await Deno.mkdir(".tmp", { recursive: true });
 * const dir = await Deno.makeTempDir({ dir: ".tmp" });
 * const rows = await soak({
 *   teacher, config: resolveDistillConfig({ batch: 2 }), iterations: 6, stopAt: 3,
 *   exactnessIterations: 4, dir, progress: silentProgress,
 * });
 * assert.ok(rows.every((row) => row.pass));
 * teacher.dispose();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function soak(options: SoakOptions): Promise<SoakRow[]> {
  const { teacher, config, iterations, stopAt, exactnessIterations, dir } = options;
  const progress = options.progress ?? stderrProgress;
  checkLengths(options);
  const before = tf.memory().numTensors;
  // A stop lands at a progress report, as a kill lands wherever a run happens to be.
  const run = (label: string, total: number, file?: string, stopFrom?: number, ends?: number[]) => {
    const controller = new AbortController();
    const reporter: ProgressReporter = (update) => {
      const tensors = tf.memory().numTensors;
      // The last report comes with no iteration in flight.
      if (update.done === total) ends?.push(tensors);
      progress({ ...update, metrics: { ...update.metrics, tensors } });
      if (stopFrom !== undefined && update.done >= stopFrom && !controller.signal.aborted) {
        controller.abort(new Stop());
      }
    };
    return distillStudent(teacher, config, {
      iterations: total,
      seed: SEED,
      checkpoint: file,
      checkpointEvery: total,
      curveEvery: 1,
      label,
      progress: reporter,
      signal: controller.signal,
    });
  };
  const stopped = async (work: Promise<DistilledStudent>): Promise<void> => {
    try {
      (await work).student.dispose();
    } catch (error) {
      if (error instanceof Stop) return;
      throw error;
    }
    throw new Error("Cannot soak the distillation as the run meant to stop went on to its end");
  };

  const half = exactnessIterations / 2;
  const short = `${dir}/exactness.safetensors`;
  const straight = await run("straight", exactnessIterations);
  await stopped(run("stopped", exactnessIterations, short, half));
  const resumed = await run("resumed", exactnessIterations, short);
  const difference = await largestDifference(straight.student, resumed.student);
  const sameCurve = JSON.stringify(straight.curve) === JSON.stringify(resumed.curve);
  [straight.student, resumed.student].forEach((m) => m.dispose());

  const long = `${dir}/state.safetensors`;
  const ends: number[] = [];
  const firstPart = await run("Di[M]O", stopAt, long, undefined, ends);
  firstPart.student.dispose();
  const done = await run("Di[M]O, resumed", iterations, long, undefined, ends);
  done.student.dispose();
  await Deno.remove(long);
  await Deno.remove(short);
  const losses = done.curve.flatMap((p) => [p.auxLoss, p.gSquared]);
  const after = tf.memory().numTensors;

  return [
    {
      name: `resume (${exactnessIterations} iterations, stopped after ${resumed.resumedFrom})`,
      measured: `curves ${sameCurve ? "equal" : "differ"}; student weights max |Δ| ${difference}`,
      required: "equal curves and weights",
      pass: sameCurve && difference === 0 && resumed.resumedFrom < exactnessIterations,
    },
    {
      name: `tensors (${iterations} iterations, resumed from ${done.resumedFrom})`,
      measured: `${ends[0]} after ${stopAt} iterations, ${
        ends[1]
      } after ${iterations}; ${before} before, ${after} after`,
      required: "the same count at both ends, and the count before once disposed",
      pass: ends.length === 2 && ends[0] === ends[1] && after === before,
    },
    {
      name: "losses",
      measured: `aux loss ${done.curve[0].auxLoss.toFixed(4)} at 1, ${
        done.curve.at(-1)!.auxLoss.toFixed(4)
      } at ${iterations}; ${losses.filter((x) => !Number.isFinite(x)).length} of ${losses.length} not finite`,
      required: "every aux loss and gSquared finite",
      pass: losses.every(Number.isFinite) && done.curve.length === iterations,
    },
  ];
}

type Lengths = Pick<SoakOptions, "iterations" | "stopAt" | "exactnessIterations">;

/** The run lengths' checks, made before any network is built; `names` are the fields as the caller wrote them. */
function checkLengths(
  lengths: Lengths,
  names: Record<keyof Lengths, string> = {
    iterations: "iterations",
    stopAt: "stopAt",
    exactnessIterations: "exactnessIterations",
  },
): void {
  const { iterations, stopAt, exactnessIterations } = lengths;
  checkInteger(ACTION, names.iterations, iterations, 2);
  checkInteger(ACTION, names.stopAt, stopAt, 1, iterations - 1);
  // The stop lands after the iteration in flight, half + 1: at least one iteration must remain for the resume.
  if (!Number.isInteger(exactnessIterations) || exactnessIterations < 4 || exactnessIterations % 2 !== 0) {
    const rule = "an even integer >= 4";
    throw new RangeError(errorMessage(ACTION, names.exactnessIterations, rule, exactnessIterations));
  }
}

/** The stop a soak sends its run. */
class Stop extends Error {
  constructor() {
    super("stopped by the soak");
  }
}

/** The largest |a − b| over two same-shaped networks' weights. */
async function largestDifference(a: Transformer, b: Transformer): Promise<number> {
  const [wa, wb] = [a.namedWeights(), b.namedWeights()];
  const max = tf.tidy(() =>
    tf.max(tf.stack(Object.keys(wa).map((k) => tf.max(tf.abs(tf.sub(wa[k], wb[k]))))))
  );
  const [value] = await max.data();
  max.dispose();
  return value;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      teacher: { type: "string" },
      iterations: { type: "string", default: "500" },
      "stop-at": { type: "string" },
      batch: { type: "string", default: "8" },
      accumulation: { type: "string", default: "1" },
      recompute: { type: "boolean", default: false },
      "exactness-iterations": { type: "string", default: "4" },
      out: { type: "string", default: ".tmp/soak" },
      backend: { type: "string" },
      threads: { type: "string" },
    },
  });
  const int = (flag: string, text: string, low = 1) => parseIntegerArg(ACTION, `--${flag}`, text, low);
  const iterations = int("iterations", values.iterations, 2);
  const stopAt = values["stop-at"] === undefined
    ? Math.floor(iterations / 2)
    : int("stop-at", values["stop-at"]);
  const exactnessIterations = int("exactness-iterations", values["exactness-iterations"], 4);
  checkLengths({ iterations, stopAt, exactnessIterations }, {
    iterations: "--iterations",
    stopAt: "--stop-at",
    exactnessIterations: "--exactness-iterations",
  });
  const config = resolveDistillConfig({
    batch: int("batch", values.batch),
    accumulation: int("accumulation", values.accumulation),
    recomputeActivations: values.recompute,
  });
  const info = await useBackend(values.backend ?? chooseBackendName(), {
    threads: chooseThreads(values.threads),
  });
  const teacher = values.teacher === undefined
    ? new Transformer(MASKGIT_IMAGENET_CONFIG, { rng: createRng(SEED).fork("teacher") })
    : await loadTransformer(values.teacher);
  console.log(
    `backend ${info.name}; teacher ${values.teacher ?? "random MaskGIT ImageNet weights"} ` +
      `(${teacher.config.layers} blocks, width ${teacher.config.width}, ${teacher.config.seqLen} tokens); ` +
      `batch ${config.batch} × ${config.accumulation}${config.recomputeActivations ? ", recomputed" : ""}`,
  );
  await Deno.mkdir(values.out, { recursive: true });
  const rows = await soak({
    teacher,
    config,
    iterations,
    stopAt,
    exactnessIterations,
    dir: values.out,
  });
  teacher.dispose();
  for (const row of rows) {
    console.log(`${row.pass ? "pass" : "FAIL"}  ${row.name}: ${row.measured} (required: ${row.required})`);
  }
  if (!rows.every((row) => row.pass)) Deno.exit(1);
}

if (import.meta.main) {
  await main().catch((error) => {
    // A bad flag is the user's to fix: its message, not a stack.
    if (!(error instanceof RangeError)) throw error;
    console.error(error.message);
    Deno.exit(2);
  });
}
