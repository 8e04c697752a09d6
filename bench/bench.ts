/**
 * `deno task bench [--backends wasm,cpu,webgpu] [--threads 1,2] [--quick] [--load N] [--skip-sampling]
 * [--distill-only] [--imagenet-batches 8,32] [--imagenet-recompute-batches 64] [--kernel-times]`:
 * matMul throughput, the time of one training step of the reference transformer at batch 32, 256
 * and 1024, the sampling throughput of the 16-step MaskGIT sampler against one-step generation,
 * and the time of one Di[M]O iteration at the image experiment's size and (on webgpu) the paper's
 * ImageNet MaskGIT size, on each backend, as Markdown tables, each beside the same work in PyTorch
 * where `python3` imports `torch`.
 *
 * Without `--backends` (or `DIMO_BACKEND`), it runs wasm and cpu, and webgpu when the adapter is
 * real hardware. wasm runs first as tfjs ships it (one thread, tfjs-wasm's own kernels), then
 * with dimo's (XNNPACK batched `matMul`, memory-sharing `Identity`) once per thread count in
 * `--threads` (default: 1, dimo's default and the machine's cores). A backend, and wasm's thread
 * count, is fixed for the life of a process, so each row is measured in a child process of its
 * own, one after another. Batches 256 and 1024 run on webgpu only (wasm aborts from batch 128,
 * cpu takes half an hour a step). `--quick` times fewer repeats, only batch 32, and skips the cpu
 * training step (~2 min); cpu never samples (minutes a call). `--load N` runs N busy-looping
 * worker threads beside every row (stopped when the rows are done), to time the rows on cores
 * that other work also wants; `--skip-sampling` leaves the sampling table out, for short runs.
 * `--distill-only` runs only the Di[M]O iteration's table; `--imagenet-batches` sets the ImageNet
 * size's batches (default 8 and 32) and `--imagenet-recompute-batches` those it runs with
 * activations recomputed (default 64); `--kernel-times` profiles one more iteration of each row and
 * prints its kernels by their summed time (the device's timestamps on webgpu). Each iteration row
 * runs in a process of its own, and a row whose process fails shows its error instead of stopping the bench.
 *
 * @module
 */
import { parseArgs } from "node:util";
import {
  BACKEND_NAMES,
  type BackendInfo,
  chooseThreads,
  defaultWasmThreads,
  probeWebGpu,
  tf,
  useBackend,
} from "@dimo/dimo";
import { checkInteger, checkOneOf } from "@dimo/dimo/validate";
import { benchMatMul, type MatMulResult, type MatMulShape } from "./matmul.ts";
import {
  benchTrainStep,
  MASK_RATIO,
  REFERENCE_BATCHES,
  REFERENCE_CONFIG,
  type StepResult,
} from "./train_step.ts";
import { benchSampling, type SamplingResult } from "./sampling.ts";
import { benchPyTorch, benchPyTorchDistill, type PyTorchStep } from "./pytorch.ts";
import { DISTILL_SIZES } from "./distill_step.ts";
import {
  type DistillRow,
  distillRows,
  type DistillSetting,
  type ImagenetBatches,
  printDistill,
  runDistillRow,
} from "./distill_table.ts";
import { startLoad } from "./load.ts";

/** Square products, and the reference model's attention scores (batch 32 × 4 heads, 65 tokens, 64 a head). */
const MATMUL_SHAPES: readonly MatMulShape[] = [
  { batch: 1, m: 512, k: 512, n: 512 },
  { batch: 1, m: 1024, k: 1024, n: 1024 },
  { batch: 128, m: 65, k: 64, n: 65 },
];

const describeShape = ({ batch, m, k, n }: MatMulShape) =>
  batch === 1 && m === k && k === n ? `${n}` : `${batch} × ${m}×${k}·${k}×${n}`;

/** One row of the table: a backend, and for wasm its thread count and whether dimo's kernels run. */
interface Setting {
  readonly backend: string;
  readonly threads?: number;
  readonly stockKernels?: boolean;
  /** Leave sampling out (`--skip-sampling`). */
  readonly skipSampling?: boolean;
}

interface Row {
  readonly info: BackendInfo;
  readonly matMul: readonly MatMulResult[];
  /** One entry per batch of `REFERENCE_BATCHES`: the measurement, or why it was skipped. */
  readonly steps: readonly (StepResult | string)[];
  /** One entry per sampling batch, or why sampling was skipped. */
  readonly sampling: readonly SamplingResult[] | string;
}

/**
 * Why wasm times only batch 32: with tfjs-wasm 4.22 a step of the reference model at batch 128
 * aborts inside the wasm module (its heap cannot hold the step's tensors), on one thread or two.
 */
const WASM_LARGE_BATCH = "not run (tfjs-wasm aborts from batch 128)";

async function chooseBackends(flag: string | undefined): Promise<string[]> {
  let fromEnv: string | undefined;
  try {
    fromEnv = Deno.env.get("DIMO_BACKEND");
  } catch {
    fromEnv = undefined; // no env permission: the default list applies
  }
  const listed = flag ?? fromEnv;
  if (listed !== undefined) {
    const names = listed.split(",").map((s) => s.trim()).filter((s) => s !== "");
    names.forEach((name) => checkOneOf("run the bench", "--backends", name, BACKEND_NAMES));
    return names;
  }
  const probe = await probeWebGpu();
  return probe.hardware ? ["wasm", "cpu", "webgpu"] : ["wasm", "cpu"];
}

function chooseThreadCounts(flag: string | undefined): number[] {
  const listed = flag?.split(",").map((s) => s.trim()).filter((s) => s !== "");
  const counts = listed?.map((s) => chooseThreads(s)!) ??
    [1, chooseThreads() ?? defaultWasmThreads(), Math.min(navigator.hardwareConcurrency, 8)];
  return [...new Set(counts)];
}

/** wasm first as tfjs ships it (one thread, its own kernels), then with dimo's at each thread count. */
function expandSettings(backends: readonly string[], threads: readonly number[]): Setting[] {
  return backends.flatMap((backend): Setting[] =>
    backend === "wasm"
      ? [
        { backend, threads: 1, stockKernels: true },
        ...threads.map((count) => ({ backend, threads: count })),
      ]
      : [{ backend }]
  );
}

async function benchSetting(
  { backend, threads, stockKernels, skipSampling }: Setting,
  quick: boolean,
): Promise<Row> {
  const info = await useBackend(backend, { threads, stockKernels });
  const name = info.name;
  const repeats = quick ? 1 : 3;
  const matMul: MatMulResult[] = [];
  for (const shape of MATMUL_SHAPES) {
    console.error(`${info.adapter}: matMul ${describeShape(shape)}…`);
    matMul.push(await benchMatMul(shape, repeats, 1));
  }
  // The cpu backend takes minutes a step: one timed step after a 1-sample warm-up.
  const cpu = name === "cpu";
  const steps: (StepResult | string)[] = [];
  for (const batch of REFERENCE_BATCHES) {
    if (cpu && quick) steps.push("skipped under --quick (about 2 min a step)");
    else if (batch !== REFERENCE_BATCHES[0] && quick) steps.push("skipped under --quick");
    else if (batch !== REFERENCE_BATCHES[0] && cpu) steps.push("not run (about half an hour a step)");
    else if (batch !== REFERENCE_BATCHES[0] && name === "wasm") steps.push(WASM_LARGE_BATCH);
    else {
      console.error(`${info.adapter}: training step at batch ${batch}…`);
      // A WebGPU step is host-bound and varies with garbage collection: time ten of them there.
      const count = cpu || quick ? 1 : name === "webgpu" ? 10 : 3;
      steps.push(await benchTrainStep({ batch, steps: count, smallWarmUp: cpu }));
    }
  }
  let sampling: SamplingResult[] | string = cpu
    ? "skipped (minutes a call on cpu)"
    : "skipped under --skip-sampling";
  if (!cpu && !skipSampling) {
    sampling = [];
    // On a GPU one-step generation at batch 256 is bound by host time and the readback, which
    // MaskGIT's 16 steps share; batch 1024 shows the GPU's own ratio.
    for (const batch of name === "webgpu" ? [256, 1024] : [32]) {
      console.error(`${info.adapter}: sampling at batch ${batch}…`);
      sampling.push(await benchSampling({ batch, repeats: quick ? 1 : 3 }));
    }
  }
  return { info, matMul, steps, sampling };
}

const fixed = (x: number, digits: number) => x.toFixed(digits);

/** A row's cells; `baseline` is the first timed batch-32 step's seconds, for the speed-up column. */
function formatRow({ info, matMul, steps }: Row, baseline: number | undefined): string {
  const gflops = matMul.map((m) => m.correct ? fixed(m.gflops, 1) : `${fixed(m.gflops, 1)} (WRONG RESULT)`);
  const seconds = (step: StepResult | string) =>
    typeof step === "string"
      ? step
      : `${fixed(step.seconds, 3)} (${step.steps === 1 ? "1 step" : `median of ${step.steps}`}) / ${
        fixed(step.inFlightSeconds, 3)
      }`;
  const first = steps[0];
  const firstCells = typeof first === "string" ? ["", "", "", ""] : [
    baseline === undefined ? "" : `${fixed(baseline / first.seconds, 2)}×`,
    fixed(first.forwardSeconds, 3),
    `${first.tensors[0]} → ${first.tensors[1]}`,
    fixed(first.loss, 4),
  ];
  return `| ${[info.name, info.adapter, ...gflops, ...steps.map(seconds), ...firstCells].join(" | ")} |`;
}

function formatSampling({ info, sampling }: Row): string[] {
  if (typeof sampling === "string") {
    return [`| ${[info.name, info.adapter, sampling, "", "", "", "", "", "", ""].join(" | ")} |`];
  }
  return sampling.map((result) => {
    const cells = [
      `${result.batch}`,
      fixed(result.maskGitPerSecond, 1),
      fixed(result.oneStepPerSecond, 1),
      `${fixed(result.oneStepPerSecond / result.maskGitPerSecond, 1)}×`,
      fixed(result.maskGitInFlightPerSecond, 1),
      fixed(result.oneStepInFlightPerSecond, 1),
      `${fixed(result.oneStepInFlightPerSecond / result.maskGitInFlightPerSecond, 1)}×`,
      `${result.tensors[0]} → ${result.tensors[1]}`,
    ];
    return `| ${[info.name, info.adapter, ...cells].join(" | ")} |`;
  });
}

function describeModel(): string {
  const c = REFERENCE_CONFIG;
  const masked = Math.round(c.seqLen * MASK_RATIO);
  return `codebook ${c.codebookSize} + mask, ${c.numClasses} classes, ${c.seqLen} tokens + class token, ` +
    `width ${c.width}, ${c.heads} heads, ${c.layers} layers, MLP ×${c.mlpRatio}, dropout ${c.dropout}, ` +
    `tied head; ${masked} masked tokens a row, masked cross-entropy, dimo's Adam (lr 1e-4)`;
}

/** Runs one setting in a child process (the flag `--row` with the setting as JSON) and reads its row. */
async function benchInChild(setting: Setting, quick: boolean): Promise<Row> {
  const { code, stdout } = await runChild("row", setting, quick, "inherit");
  if (code !== 0) throw new Error(`The bench of ${JSON.stringify(setting)} failed (exit code ${code})`);
  return JSON.parse(stdout) as Row;
}

/** Runs one iteration row in a child process; a failed process becomes a row that names its error. */
async function distillInChild(setting: DistillSetting, quick: boolean): Promise<DistillRow> {
  if (setting.skip !== undefined) return { setting, result: setting.skip };
  const { code, stdout, stderr } = await runChild("distill-row", setting, quick, "piped");
  Deno.stderr.writeSync(new TextEncoder().encode(stderr));
  if (code === 0) return JSON.parse(stdout) as DistillRow;
  const error = stderr.split("\n").find((line) => /^error: |Error:/.test(line))?.replace(/^error: /, "");
  return { setting, result: `failed (exit code ${code}): ${error ?? "no error printed"}` };
}

/** This script in a child process, with `--<flag>=<payload as JSON>`. */
async function runChild(
  flag: string,
  payload: unknown,
  quick: boolean,
  stderr: "inherit" | "piped",
): Promise<{ code: number; stdout: string; stderr: string }> {
  const args = [
    "run",
    "--allow-read=.",
    "--allow-env=DIMO_BACKEND,DIMO_THREADS",
    new URL(import.meta.url).pathname,
    `--${flag}=${JSON.stringify(payload)}`,
    ...(quick ? ["--quick"] : []),
  ];
  const output = await new Deno.Command("deno", { args, stdout: "piped", stderr }).output();
  const text = new TextDecoder();
  return { code: output.code, stdout: text.decode(output.stdout), stderr: text.decode(output.stderr) };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      backends: { type: "string" },
      threads: { type: "string" },
      quick: { type: "boolean", default: false },
      load: { type: "string", default: "0" },
      "skip-sampling": { type: "boolean", default: false },
      "distill-only": { type: "boolean", default: false },
      "imagenet-batches": { type: "string" },
      "imagenet-recompute-batches": { type: "string" },
      "kernel-times": { type: "boolean", default: false },
      row: { type: "string" },
      "distill-row": { type: "string" },
    },
  });
  const quick = values.quick ?? false;
  if (values.row !== undefined) {
    console.log(JSON.stringify(await benchSetting(JSON.parse(values.row) as Setting, quick)));
    return;
  }
  if (values["distill-row"] !== undefined) {
    console.log(JSON.stringify(await runDistillRow(JSON.parse(values["distill-row"]) as DistillSetting)));
    return;
  }
  const backends = await chooseBackends(values.backends);
  const imagenetBatches: ImagenetBatches = {
    kept: parseBatches(values["imagenet-batches"]) ?? DISTILL_SIZES.imagenet.batches,
    recomputed: parseBatches(values["imagenet-recompute-batches"]) ?? DISTILL_SIZES.imagenet.recomputeBatches,
  };
  const distillOnly = values["distill-only"] ?? false;
  const settings = distillOnly ? [] : expandSettings(backends, chooseThreadCounts(values.threads))
    .map((setting) => values["skip-sampling"] ? { ...setting, skipSampling: true } : setting);
  const load = Number(values.load);
  const stopLoad = startLoad(load);
  const rows: Row[] = [];
  const distill: DistillRow[] = [];
  try {
    for (const setting of settings) rows.push(await benchInChild(setting, quick));
    for (const setting of distillRows(backends, quick, imagenetBatches, values["kernel-times"])) {
      distill.push(await distillInChild(setting, quick));
    }
  } finally {
    stopLoad();
  }
  const pytorchDistill = await benchPyTorchDistill(quick, {
    image: DISTILL_SIZES.image.batches,
    imagenet: backends.includes("webgpu")
      ? [...new Set([...imagenetBatches.kept, ...imagenetBatches.recomputed])].sort((a, b) => a - b)
      : [],
  }, 5);
  if (distillOnly) {
    printDistill(distill, pytorchDistill);
    return;
  }
  console.log(`# dimo bench — ${new Date().toISOString()}\n`);
  console.log(
    `Deno ${Deno.version.deno} (V8 ${Deno.version.v8}), tfjs-core ${tf.version_core}${
      quick ? ", --quick" : ""
    }${
      load > 0 ? `, beside ${load} busy-looping worker thread${load === 1 ? "" : "s"} (--load)` : ""
    }; ${navigator.hardwareConcurrency} logical cores.`,
  );
  console.log(
    `Training step: ${describeModel()}; one warm-up step first. A step is timed awaited (its report read back before the next starts; the median) and with one step in flight (queued before the previous report is awaited; the mean over as many steps). Each row ran in a process of its own; speed-up is the awaited batch-32 step against the first timed row's; forward, tensors and loss are at batch 32.\n`,
  );
  console.log(
    `| backend | adapter | ${
      MATMUL_SHAPES.map((shape) => `matMul ${describeShape(shape)} GFLOP/s`).join(" | ")
    } | ${
      REFERENCE_BATCHES.map((batch) => `train step s, batch ${batch} (awaited / one in flight)`).join(" | ")
    } | step speed-up | forward s | tensors before → after | loss |`,
  );
  console.log(`|${"---|".repeat(MATMUL_SHAPES.length + REFERENCE_BATCHES.length + 6)}`);
  const timed = rows.map((row) => row.steps[0]).find((step) => typeof step !== "string");
  for (const row of rows) console.log(formatRow(row, timed?.seconds));
  if (rows.some((row) => row.info.name === "cpu" && typeof row.steps[0] !== "string")) {
    console.log("\ncpu: one timed step after a 1-sample warm-up step (a full step takes minutes there).");
  }
  console.log(
    "\nSampling, same model (random weights), tokens read back: MaskGIT at 16 steps with guidance 2 (linear ramp) against one-step generation from x_init (r_init 0.6, σ 0.1). Awaited: the median of the timed calls after a warm-up call, each call's tokens read before the next call. In flight: the mean over as many calls (ten times as many for one-step), each made before the previous call's tokens are awaited.\n",
  );
  console.log(
    "| backend | adapter | batch | MaskGIT 16 steps, images/s (awaited) | one-step, images/s (awaited) | one-step / 16-step (awaited) | MaskGIT, images/s (in flight) | one-step, images/s (in flight) | one-step / 16-step (in flight) | tensors before → after |",
  );
  console.log(`|${"---|".repeat(10)}`);
  for (const row of rows) formatSampling(row).forEach((line) => console.log(line));
  printPyTorch(await benchPyTorch(quick), rows);
  printDistill(distill, pytorchDistill);
}

/** `--imagenet-batches`: positive integers, comma-separated. */
function parseBatches(flag: string | undefined): number[] | undefined {
  if (flag === undefined) return undefined;
  const batches = flag.split(",").map((s) => Number(s.trim()));
  batches.forEach((batch) => checkInteger("run the bench", "--imagenet-batches", batch, 1));
  return batches;
}

/** The PyTorch table: each batch's step against the matching dimo row (webgpu for CUDA, the last wasm row for the CPU). */
function printPyTorch(steps: PyTorchStep[] | string, rows: readonly Row[]): void {
  console.log(
    "\nThe same step in PyTorch (bench/reference_step.py: fp32, TF32 off, eager), median of the timed steps:\n",
  );
  if (typeof steps === "string") {
    console.log(steps);
    return;
  }
  const kind = steps[0].device.startsWith("cuda") ? "webgpu" : "wasm";
  const dimo = rows.filter((row) => row.info.name === kind).at(-1);
  console.log(
    "| PyTorch device | torch | batch | step s | loss | dimo row | dimo step s (awaited / one in flight) | dimo / PyTorch (awaited / in flight) |",
  );
  console.log(`|${"---|".repeat(8)}`);
  for (const step of steps) {
    const mine = dimo?.steps[REFERENCE_BATCHES.indexOf(step.batch as (typeof REFERENCE_BATCHES)[number])];
    const seconds = typeof mine === "object" ? [mine.seconds, mine.inFlightSeconds] : undefined;
    const cells = [
      step.device,
      step.torch,
      `${step.batch}`,
      fixed(step.seconds, 4),
      fixed(step.loss, 4),
      dimo ? `${dimo.info.name}, ${dimo.info.adapter}` : `no ${kind} row`,
      seconds === undefined ? "—" : seconds.map((s) => fixed(s, 3)).join(" / "),
      seconds === undefined ? "—" : seconds.map((s) => `${fixed(s / step.seconds, 1)}×`).join(" / "),
    ];
    console.log(`| ${cells.join(" | ")} |`);
  }
}

if (import.meta.main) await main();
