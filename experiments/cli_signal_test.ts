/**
 * The command line stopped by a signal, as `timeout` or Ctrl-C stops it: the distillation saves its
 * state at the iteration the signal found, an evaluation stops after its chunk in progress, and
 * the process exits 130 (that a saved state resumes exactly is the experiments' and loops' own tests).
 */
import assert from "node:assert/strict";
import { decodeSafetensors } from "@dimo/dimo";
import { projectCommand } from "./_testing.ts";

/** A run of exact-joint's smoke pipeline with a few short trainings, `settings` overriding it. */
function command(out: string, settings: readonly string[]): Deno.ChildProcess {
  return projectCommand("experiments/cli.ts", [
    "exact-joint",
    "--profile",
    "smoke",
    "--out",
    out,
    "--set",
    "teacher.iterations=20",
    ...settings.flatMap((setting) => ["--set", setting]),
  ], true).spawn();
}

/** The iteration a distillation state file holds, from its metadata. */
function savedIteration(bytes: Uint8Array): number {
  const state = Object.values(decodeSafetensors(bytes).metadata)
    .filter((value) => value.startsWith("{"))
    .map((value) => JSON.parse(value))
    .find((value) => typeof value?.iteration === "number");
  return state.iteration;
}

/**
 * Reads `stream` until `pattern` appears in it, then keeps draining it in the background; `rest`
 * is all it read once the stream ends (wrapped, as an async function would flatten a promise).
 */
async function waitFor(
  stream: ReadableStream<Uint8Array>,
  pattern: RegExp,
): Promise<{ readonly rest: Promise<string>; readonly match: RegExpMatchArray }> {
  const reader = stream.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  let match = text.match(pattern);
  while (match === null) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`the run ended before printing ${pattern}:\n${text}`);
    text += value;
    match = text.match(pattern);
  }
  const rest = (async () => {
    for (let r = await reader.read(); !r.done; r = await reader.read()) text += r.value;
    return text;
  })();
  return { rest, match };
}

Deno.test({
  name: "a SIGTERM stops the distillation with its state saved where it was, exit 130",
  ignore: Deno.build.os === "windows",
  fn: async () => {
    await Deno.mkdir(".tmp", { recursive: true });
    const out = await Deno.makeTempDir({ dir: ".tmp", prefix: "signal_" });
    try {
      // A distillation far longer than the test waits.
      const run = command(out, ["distillIterations=1000000"]);
      const stdout = run.stdout.pipeThrough(new TextDecoderStream()).getReader();
      // Distillation progress lines carry the aux loss: the signal lands mid-training.
      const { rest, match } = await waitFor(run.stderr, /Di\[M\]O: (\d+)\/\d+, auxLoss/);
      run.kill("SIGTERM");
      const [status, stderr] = await Promise.all([run.status, rest]);
      while (!(await stdout.read()).done);
      assert.equal(status.code, 130, stderr);
      assert.match(stderr, /stopping: a training saves its state first/);
      assert.match(stderr, new RegExp(`stopped; what the run had done is saved in ${out}`));
      // Saved where the signal found it, not at the next 100th iteration: the loop let it in.
      const printed = Number(match[1]);
      const saved = savedIteration(await Deno.readFile(`${out}/distill-state.safetensors`));
      assert.ok(saved >= printed && saved < printed + 30, `printed ${printed}, saved at ${saved}`);
    } finally {
      await Deno.remove(out, { recursive: true });
    }
  },
});

Deno.test({
  name: "a SIGTERM stops an evaluation after the chunk in progress, exit 130",
  ignore: Deno.build.os === "windows",
  fn: async () => {
    await Deno.mkdir(".tmp", { recursive: true });
    const out = await Deno.makeTempDir({ dir: ".tmp", prefix: "signal_" });
    try {
      // Sampling rows far longer than the test waits (thousands of chunks each).
      const run = command(out, ["distillIterations=2", "evalSamples=10000000"]);
      const stdout = run.stdout.pipeThrough(new TextDecoderStream()).getReader();
      const { rest } = await waitFor(run.stderr, /sampling: .*: \d+\/10000000/);
      const signalled = performance.now();
      run.kill("SIGTERM");
      // A run that does not stop would sample for hours: killed, it fails the exit-code check.
      const guard = setTimeout(() => run.kill("SIGKILL"), 60_000);
      const [status, stderr] = await Promise.all([run.status, rest]);
      clearTimeout(guard);
      const seconds = (performance.now() - signalled) / 1000;
      while (!(await stdout.read()).done);
      assert.equal(status.code, 130, stderr);
      assert.match(stderr, new RegExp(`stopped; what the run had done is saved in ${out}`));
      assert.ok(seconds < 30, `stopped ${seconds.toFixed(1)} s after the signal`);
    } finally {
      await Deno.remove(out, { recursive: true });
    }
  },
});
