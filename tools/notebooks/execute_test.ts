// Runs execute.py against the Deno kernel. Needs Jupyter (Debian's packages), the kernel spec from
// `deno jupyter --install` and `--allow-run=/usr/bin/python3`; skipped with a message otherwise, as
// under `deno task test`. `.ci/notebooks.sh` runs it with everything installed.
import assert from "node:assert/strict";
import { PYTHON } from "./run.ts";

const EXECUTOR = decodeURIComponent(new URL("./execute.py", import.meta.url).pathname);
const FIXTURE = decodeURIComponent(new URL("./fixtures/late_output.ipynb", import.meta.url).pathname);
const WORK = ".tmp/notebooks_test";
const PROGRESS_MODULE = new URL("../../lib/progress/mod.ts", import.meta.url).href;
const RUNS = 10;

interface Output {
  output_type: string;
  name?: string;
  text?: string | string[];
  evalue?: string;
  data?: Record<string, string | string[]>;
}
interface Cell {
  cell_type: string;
  source: string | string[];
  metadata: { dimo?: { expect?: string[] } };
  outputs?: Output[];
  execution_count?: number | null;
}

const skipReason = await jupyterMissing();
if (skipReason) console.warn(`execute_test.ts: skipped, ${skipReason}`);

async function jupyterMissing(): Promise<string | null> {
  const permission = await Deno.permissions.query({ name: "run", command: PYTHON });
  if (permission.state !== "granted") return `no --allow-run=${PYTHON}`;
  try {
    const check = await new Deno.Command(PYTHON, { args: [EXECUTOR, "--check"], stdout: "null" }).output();
    return check.success ? null : new TextDecoder().decode(check.stderr).trim();
  } catch {
    return `${PYTHON} is missing (see .ci/notebooks.sh for the packages)`;
  }
}

function join(text: string | string[] | undefined): string {
  return Array.isArray(text) ? text.join("") : text ?? "";
}

function outputText(output: Output): string {
  return join(output.text) + (output.evalue ?? "") + join(output.data?.["text/plain"]);
}

function codeCells(notebook: { cells: Cell[] }): Cell[] {
  return notebook.cells.filter((cell) => cell.cell_type === "code");
}

/** Lists `cell N: text` for each text a cell's `dimo.expect` metadata names but its outputs lack. */
function missingOutputs(notebook: { cells: Cell[] }): string[] {
  return codeCells(notebook).flatMap((cell, i) => {
    const text = (cell.outputs ?? []).map(outputText).join("");
    return (cell.metadata.dimo?.expect ?? []).filter((want) => !text.includes(want)).map((want) =>
      `cell ${i + 1}: ${want}`
    );
  });
}

async function execute(notebook: string, output: string, ...options: string[]) {
  const result = await new Deno.Command(PYTHON, {
    args: [EXECUTOR, notebook, output, ...options],
    env: { DIMO_PROFILE: "full" },
  }).output();
  const stderr = new TextDecoder().decode(result.stderr);
  return { code: result.code, stderr, notebook: JSON.parse(await Deno.readTextFile(output)) };
}

async function writeNotebook(path: string, sources: string[]): Promise<void> {
  const cells = sources.map((source, i) => ({
    cell_type: "code",
    execution_count: null,
    id: `cell${i}`,
    metadata: {},
    outputs: [],
    source,
  }));
  await Deno.mkdir(WORK, { recursive: true });
  await Deno.writeTextFile(path, JSON.stringify({ cells, metadata: {}, nbformat: 4, nbformat_minor: 5 }));
}

Deno.test({
  name: `execute.py keeps every late output of late_output.ipynb in ${RUNS} of ${RUNS} runs`,
  ignore: skipReason !== null,
  async fn() {
    const expected = codeCells(JSON.parse(await Deno.readTextFile(FIXTURE)))
      .reduce((sum, cell) => sum + (cell.metadata.dimo?.expect?.length ?? 0), 0);
    assert.ok(expected >= 15, "the fixture lists the outputs it expects");
    const misses: string[] = [];
    for (let run = 1; run <= RUNS; run++) {
      const { code, stderr, notebook } = await execute(FIXTURE, `${WORK}/late_output_${run}.ipynb`);
      assert.equal(code, 0, stderr);
      misses.push(...missingOutputs(notebook).map((miss) => `run ${run}, ${miss}`));
    }
    assert.deepEqual(misses, []);
  },
});

Deno.test({
  name: "execute.py names the notebook and cell of an error and leaves later cells unrun",
  ignore: skipReason !== null,
  async fn() {
    const path = `${WORK}/failing.ipynb`;
    await writeNotebook(path, [
      'console.log(Deno.env.get("DIMO_PROFILE"));',
      'throw new Error("boom");',
      'console.log("not reached");',
    ]);
    const { code, stderr, notebook } = await execute(path, `${WORK}/failing_out.ipynb`);
    assert.equal(code, 1);
    assert.match(stderr, /failing\.ipynb: cell 2 .*Error: boom/);
    const [first, second, third] = codeCells(notebook);
    assert.equal(outputText(first.outputs![0]), "full\n", "the kernel sees the caller's DIMO_PROFILE");
    assert.equal(second.outputs![0].output_type, "error");
    assert.deepEqual([third.outputs, third.execution_count], [[], null]);
  },
});

Deno.test({
  name: "execute.py fails a cell that outlasts --timeout and saves its outputs with a TimeoutError",
  ignore: skipReason !== null,
  async fn() {
    const path = `${WORK}/slow.ipynb`;
    await writeNotebook(path, [
      'console.log("before the wait");\nawait new Promise((resolve) => setTimeout(resolve, 10_000));',
      'console.log("not reached");',
    ]);
    const started = performance.now();
    const { code, stderr, notebook } = await execute(path, `${WORK}/slow_out.ipynb`, "--timeout", "1");
    assert.equal(code, 1);
    assert.match(stderr, /slow\.ipynb: cell 1 .*timed out after 1 s/);
    assert.ok(performance.now() - started < 8_000, "the timeout stops the cell, not the timer");
    const [slow, next] = codeCells(notebook);
    const outputs = slow.outputs ?? [];
    assert.equal(
      outputText(outputs[0]),
      "before the wait\n",
      "what the cell sent before the timeout is kept",
    );
    const error = outputs.at(-1)! as Output & { ename?: string };
    assert.equal(error.output_type, "error");
    assert.equal(error.ename, "TimeoutError");
    assert.match(error.evalue ?? "", /limit of 1 s a cell/);
    assert.deepEqual([next.outputs, next.execution_count], [[], null]);
  },
});

Deno.test({
  name: "the default progress reporter's lines show in the notebook, where stderr writes do not",
  ignore: skipReason !== null,
  async fn() {
    const path = `${WORK}/progress.ipynb`;
    await writeNotebook(path, [
      `import { Progress } from "${PROGRESS_MODULE}";\n` +
      'const progress = new Progress("kernel demo", 4, { every: 2, unit: "iterations" });\n' +
      "for (let i = 1; i <= 4; i++) progress.tick(i, { loss: 1 / i });",
      'Deno.stderr.writeSync(new TextEncoder().encode("written to stderr\\n"));',
    ]);
    const { code, stderr, notebook } = await execute(path, `${WORK}/progress_out.ipynb`);
    assert.equal(code, 0, stderr);
    const [ticks, write] = codeCells(notebook).map((cell) => (cell.outputs ?? []).map(outputText).join(""));
    assert.match(
      ticks,
      /^kernel demo: 2\/4, loss 0\.5000, .*\nkernel demo: 4\/4, loss 0\.2500, .*ETA 0 s\n$/,
    );
    assert.doesNotMatch(
      write,
      /written to stderr/,
      "the kernel shows no stderr writes: the reason for the fallback",
    );
  },
});
