import assert from "node:assert/strict";
import { consoleProgress, inJupyterKernel, Progress, stderrProgress } from "./mod.ts";

/** Runs `fn` with `console.error` and `Deno.stderr.writeSync` recorded instead of printed. */
function capture(fn: () => void): { console: string[]; stderr: string[] } {
  const seen = { console: [] as string[], stderr: [] as string[] };
  const [error, writeSync] = [console.error, Deno.stderr.writeSync];
  console.error = (line: unknown) => seen.console.push(String(line));
  Deno.stderr.writeSync = (
    bytes: Uint8Array,
  ) => (seen.stderr.push(new TextDecoder().decode(bytes)), bytes.length);
  try {
    fn();
  } finally {
    [console.error, Deno.stderr.writeSync] = [error, writeSync];
  }
  return seen;
}

Deno.test("inJupyterKernel() is true only where Deno.jupyter can be read", () => {
  assert.equal(inJupyterKernel(), false, "deno test is not the kernel");
  assert.equal(inJupyterKernel({ jupyter: {} }), true);
  assert.equal(inJupyterKernel({}), false);
  const outside = {
    get jupyter(): unknown {
      throw new TypeError("Deno.jupyter is only available in `deno jupyter` subcommand");
    },
  };
  assert.equal(inJupyterKernel(outside), false);
});

Deno.test("consoleProgress() prints each update as one console line, rate-limited by Progress", () => {
  const seen = capture(() => {
    const progress = new Progress("demo", 4, { every: 2, unit: "iterations", reporter: consoleProgress });
    for (let i = 1; i <= 4; i++) progress.tick(i, { loss: 1 / i });
  });
  assert.deepEqual(seen.stderr, []);
  assert.equal(seen.console.length, 2);
  assert.match(seen.console[0], /^demo: 2\/4, loss 0\.5000, [\d.]+ iterations\/s, ETA \d+ s$/);
  assert.match(seen.console[1], /^demo: 4\/4, loss 0\.2500, /);
});

Deno.test("stderrProgress(), the default, writes to stderr outside the kernel, not to the console", () => {
  const seen = capture(() => {
    new Progress("demo", 1, { reporter: stderrProgress }).tick(1);
    new Progress("default", 1).tick(1);
  });
  assert.deepEqual(seen.console, []);
  assert.equal(seen.stderr.length, 2);
  assert.match(seen.stderr[0], /demo: 1\/1, .* steps\/s, ETA 0 s/);
  assert.match(seen.stderr[1], /default: 1\/1, /);
});
