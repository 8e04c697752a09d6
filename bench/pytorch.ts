/**
 * The reference step in PyTorch (`reference_step.py`), run as a child process where `python3`
 * can import `torch`: on CUDA at every reference batch, on the CPU at batch 32.
 *
 * @module
 */
import { REFERENCE_BATCHES } from "./train_step.ts";

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
  let probe;
  try {
    probe = await python(["-c", "import torch; print(int(torch.cuda.is_available()))"]);
  } catch (error) {
    return `not run: python3 cannot be started (${(error as Error).name})`;
  }
  if (probe.code !== 0) return "not run: python3 cannot import torch";
  const cuda = probe.stdout.trim() === "1";
  const script = new URL("./reference_step.py", import.meta.url).pathname;
  const batches = cuda ? REFERENCE_BATCHES : [REFERENCE_BATCHES[0]];
  const steps = quick ? 1 : cuda ? 10 : 3;
  const run = await python([script, "--batches", batches.join(","), "--steps", `${steps}`]);
  if (run.code !== 0) {
    throw new Error(`The PyTorch reference step failed (exit code ${run.code}): ${run.stderr}`);
  }
  return run.stdout.trim().split("\n").map((line) => JSON.parse(line) as PyTorchStep);
}
