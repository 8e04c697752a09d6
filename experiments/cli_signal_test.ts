/**
 * The command line stopped by a signal, as `timeout` or Ctrl-C stops it: the training saves its
 * state, the process exits 130, and the same command goes on from the saved iteration.
 */
import assert from "node:assert/strict";

/** The run: exact-joint's smoke pipeline with a distillation far longer than the test waits. */
function command(out: string): Deno.ChildProcess {
  return new Deno.Command("deno", {
    args: [
      "run",
      "--quiet",
      "--cached-only",
      "--allow-read=.",
      "--allow-write=.tmp",
      "--allow-env=DIMO_BACKEND,DIMO_THREADS",
      "experiments/cli.ts",
      "exact-joint",
      "--profile",
      "smoke",
      "--backend",
      "wasm",
      "--threads",
      "1",
      "--out",
      out,
      "--set",
      "teacher.iterations=20",
      "--set",
      "distillIterations=1000000",
    ],
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).spawn();
}

/**
 * Reads `stream` until `pattern` appears in it, then keeps draining it in the background; `rest`
 * is all it read once the stream ends (wrapped, as an async function would flatten a promise).
 */
async function waitFor(
  stream: ReadableStream<Uint8Array>,
  pattern: RegExp,
): Promise<{ readonly rest: Promise<string> }> {
  const reader = stream.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  while (!pattern.test(text)) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`the run ended before printing ${pattern}:\n${text}`);
    text += value;
  }
  const rest = (async () => {
    for (let r = await reader.read(); !r.done; r = await reader.read()) text += r.value;
    return text;
  })();
  return { rest };
}

Deno.test({
  name: "a SIGTERM stops the run at its next checkpoint with its state saved, exit 130",
  ignore: Deno.build.os === "windows",
  fn: async () => {
    const out = await Deno.makeTempDir({ dir: ".tmp", prefix: "signal_" });
    try {
      const run = command(out);
      const stdout = run.stdout.pipeThrough(new TextDecoderStream()).getReader();
      // Distillation progress lines carry the aux loss: the signal lands mid-training.
      const { rest } = await waitFor(run.stderr, /Di\[M\]O.*auxLoss/);
      run.kill("SIGTERM");
      const [status, stderr] = await Promise.all([run.status, rest]);
      while (!(await stdout.read()).done);
      assert.equal(status.code, 130, stderr);
      assert.match(stderr, /stopping at the next checkpoint/);
      assert.match(stderr, new RegExp(`stopped; what the run had done is saved in ${out}`));
      const state = await Deno.stat(`${out}/distill-state.safetensors`);
      assert.ok(state.size > 0);
    } finally {
      await Deno.remove(out, { recursive: true });
    }
  },
});
