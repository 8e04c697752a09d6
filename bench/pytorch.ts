/**
 * The reference step in PyTorch (`reference_step.py`), run as a child process where `python3`
 * can import `torch`: on CUDA at every reference batch, on the CPU at batch 32; and the reference
 * Di[M]O iteration (`reference_distill.py`) at the sizes of the distillation bench.
 *
 * @module
 */
import { REFERENCE_BATCHES } from "./train_step.ts";
import { DISTILL_SIZES, distillConfigOf, type DistillSizeName } from "./distill_step.ts";

/** One batch of the PyTorch step, as `reference_step.py` prints it. */
export interface PyTorchStep {
  readonly batch: number;
  /** Median seconds of the timed steps. */
  readonly seconds: number;
  readonly steps: number;
  /** The loss of the fourth step. */
  readonly loss: number;
  /** `cuda (<card>)` or `cpu (CPU)`. */
  readonly device: string;
  /** torch's version. */
  readonly torch: string;
}

async function python(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const { code, stdout, stderr } = await new Deno.Command("python3", {
    args,
    stdout: "piped",
    stderr: "piped",
  })
    .output();
  const text = new TextDecoder();
  return { code, stdout: text.decode(stdout), stderr: text.decode(stderr) };
}

/**
 * Runs the PyTorch reference step, or says why it could not.
 *
 * @param quick One timed step a batch instead of ten (three on the CPU).
 * @returns One entry per batch, or the reason there are none.
 */
export async function benchPyTorch(quick: boolean): Promise<PyTorchStep[] | string> {
  const cuda = await probeTorch();
  if (typeof cuda === "string") return cuda;
  const batches = cuda ? REFERENCE_BATCHES : [REFERENCE_BATCHES[0]];
  const steps = quick ? 1 : cuda ? 10 : 3;
  return await runScript("reference_step.py", ["--batches", batches.join(","), "--steps", `${steps}`]);
}

/** Whether torch sees CUDA, or why PyTorch cannot run. */
async function probeTorch(): Promise<boolean | string> {
  let probe;
  try {
    probe = await python(["-c", "import torch; print(int(torch.cuda.is_available()))"]);
  } catch (error) {
    return `not run: python3 cannot be started (${(error as Error).name})`;
  }
  if (probe.code !== 0) return "not run: python3 cannot import torch";
  return probe.stdout.trim() === "1";
}

/** Runs a script of this folder and parses each line it prints as JSON. */
async function runScript<T>(name: string, args: string[]): Promise<T[]> {
  const script = new URL(`./${name}`, import.meta.url).pathname;
  const run = await python([script, ...args]);
  if (run.code !== 0) {
    throw new Error(`The PyTorch reference ${name} failed (exit code ${run.code}): ${run.stderr}`);
  }
  return run.stdout.trim().split("\n").map((line) => JSON.parse(line) as T);
}

/** One batch of the PyTorch iteration, as `reference_distill.py` prints it. */
export interface PyTorchIteration {
  readonly size: DistillSizeName;
  readonly batch: number;
  /** Median seconds of the timed iterations; absent with `error`. */
  readonly seconds?: number;
  readonly steps?: number;
  /** The aux model's loss of the fourth iteration. */
  readonly auxLoss?: number;
  /** `torch.cuda.max_memory_allocated()` over the timed iterations; 0 on the CPU. */
  readonly peakBytes?: number;
  /** Why it did not run (out of memory). */
  readonly error?: string;
  readonly device: string;
  readonly torch: string;
}

/**
 * Runs the PyTorch reference iteration at each size's batches (on the CPU only the `image` size),
 * or says why it could not.
 *
 * @param quick One timed iteration a batch instead of `steps`.
 * @param batches The batches of each size.
 * @param steps Timed iterations a batch on CUDA (three on the CPU).
 * @returns One entry per size and batch, or the reason there are none.
 */
export async function benchPyTorchDistill(
  quick: boolean,
  batches: Readonly<Record<DistillSizeName, readonly number[]>>,
  steps: number,
): Promise<PyTorchIteration[] | string> {
  const cuda = await probeTorch();
  if (typeof cuda === "string") return cuda;
  const names: DistillSizeName[] = cuda ? ["image", "imagenet"] : ["image"];
  const results: PyTorchIteration[] = [];
  for (const name of names.filter((n) => batches[n].length > 0)) {
    const size = DISTILL_SIZES[name];
    const args = [
      "--model",
      JSON.stringify(size.model),
      "--distill",
      JSON.stringify(distillConfigOf(size, batches[name][0])),
      "--batches",
      batches[name].join(","),
      "--steps",
      `${quick ? 1 : cuda ? steps : 3}`,
    ];
    const lines = await runScript<Omit<PyTorchIteration, "size">>("reference_distill.py", args);
    results.push(...lines.map((line) => ({ ...line, size: name })));
  }
  return results;
}
