/**
 * `deno task notebooks [--out DIR] [--only NAME]… [--dir DIR] [--timeout SECONDS]`: executes every
 * notebook in `notebooks/` headlessly with the Deno kernel, one after the other, and writes the
 * executed copies to DIR (default `runs/notebooks`). The notebooks read `DIMO_PROFILE`, which
 * reaches the kernel unchanged: unset, they run their quick mode (the experiments' `smoke`
 * profile); `full`, the full profile.
 *
 * Each notebook runs under `execute.py` beside this file, on Debian's Python with `jupyter_client`:
 * unlike `jupyter nbconvert --execute`, it keeps the outputs the Deno kernel sends after reporting a
 * cell idle. Prints one line per notebook (cells, outputs, seconds) and exits 1 if any cell failed
 * or timed out, 2 on bad usage or a missing prerequisite.
 *
 * Permissions: `--allow-read` for the notebook folder, `--allow-run=/usr/bin/python3` (the executor
 * writes the copies and starts the kernel) and `--allow-env=DIMO_PROFILE` (to print the profile).
 *
 * @module
 */

/** Debian's interpreter: the one `apt-get install python3-nbclient jupyter-client` provides for. */
export const PYTHON = "/usr/bin/python3";
const EXECUTOR = decodeURIComponent(new URL("./execute.py", import.meta.url).pathname);
const DEFAULT_DIR = "notebooks";
const APT_PACKAGES = "jupyter-nbconvert python3-nbclient jupyter-client python3-ipykernel";
const USAGE =
  "usage: deno task notebooks [--out DIR] [--only NAME]... [--dir DIR] [--timeout SECONDS per cell]";

/** Options of `deno task notebooks`. */
export interface NotebookOptions {
  /** Folder of `*.ipynb` to execute. */
  dir: string;
  /** Folder the executed copies are written to, under the same file names. */
  out: string;
  /** Notebook names to run (with or without `.ipynb`); empty runs them all. */
  only: string[];
  /** Seconds each cell may run before the notebook fails. */
  timeout: number;
}

/** What `execute.py` prints about one notebook, on one JSON line. */
export interface NotebookSummary {
  /** Code cells in the notebook. */
  cells: number;
  /** Outputs kept across all cells. */
  outputs: number;
  /** Wall-clock seconds, kernel start to shutdown. */
  seconds: number;
  /** Whether every cell ran without an error output. */
  ok: boolean;
  /** The failing cell and its error, or null. */
  error: string | null;
}

/**
 * Parses the command line of `deno task notebooks`.
 *
 * @param args The arguments after the task name.
 * @returns The options, with defaults `notebooks`, `runs/notebooks`, all notebooks and 600 s a cell.
 * @throws {TypeError} On an unknown flag or a flag without its value.
 * @throws {RangeError} If `--timeout` is not a positive number.
 */
export function parseNotebookArgs(args: string[]): NotebookOptions {
  const options: NotebookOptions = { dir: DEFAULT_DIR, out: "runs/notebooks", only: [], timeout: 600 };
  for (let i = 0; i < args.length; i++) {
    const [flag, inline] = args[i].split(/=(.*)/s, 2);
    const value = (): string => {
      const next = inline ?? args[++i];
      if (next === undefined) {
        throw new TypeError(`Cannot parse arguments as '${flag}' needs a value\n${USAGE}`);
      }
      return next;
    };
    if (flag === "--out") options.out = value();
    else if (flag === "--dir") options.dir = value();
    else if (flag === "--only") options.only.push(value());
    else if (flag === "--timeout") options.timeout = Number(value());
    else throw new TypeError(`Cannot parse arguments as '${args[i]}' is not an option\n${USAGE}`);
  }
  if (!(options.timeout > 0)) {
    throw new RangeError(
      `Cannot parse arguments as '--timeout' must be a positive number of seconds: current value is ${options.timeout}`,
    );
  }
  return options;
}

/**
 * Lists the notebooks of a folder to run, sorted by name.
 *
 * @param dir The folder holding `*.ipynb` files (not searched recursively).
 * @param only Names to keep, with or without `.ipynb`; empty keeps all.
 * @returns The file names (not paths), sorted.
 * @throws {Deno.errors.NotFound} If `dir` does not exist.
 * @throws {RangeError} If a name in `only` matches no notebook.
 */
export async function findNotebooks(dir: string, only: string[] = []): Promise<string[]> {
  const names: string[] = [];
  for await (const entry of Deno.readDir(dir)) {
    if (entry.isFile && entry.name.endsWith(".ipynb")) names.push(entry.name);
  }
  names.sort();
  if (only.length === 0) return names;
  const wanted = only.map((name) => name.endsWith(".ipynb") ? name : `${name}.ipynb`);
  const unknown = wanted.filter((name) => !names.includes(name));
  if (unknown.length > 0) {
    throw new RangeError(
      `Cannot select notebooks as '--only' must name a notebook in ${dir}/: current value is ${
        unknown.join(", ")
      } (found: ${names.join(", ") || "none"})`,
    );
  }
  return names.filter((name) => wanted.includes(name));
}

/** Returns null when Jupyter and the Deno kernel are ready, else what to install. */
async function missingPrerequisite(): Promise<string | null> {
  let result: Deno.CommandOutput;
  try {
    result = await new Deno.Command(PYTHON, { args: [EXECUTOR, "--check"], stdout: "null" }).output();
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
    return `${PYTHON} not found. On Debian or Ubuntu: sudo apt-get install ${APT_PACKAGES}` +
      `, then: deno jupyter --install`;
  }
  if (result.success) return null;
  return new TextDecoder().decode(result.stderr).trim();
}

/** Runs `execute.py` on one notebook; its progress and the kernel's stderr pass through. */
async function executeNotebook(path: string, output: string, timeout: number): Promise<NotebookSummary> {
  const { stdout } = await new Deno.Command(PYTHON, {
    args: [EXECUTOR, path, output, "--timeout", String(timeout)],
    stdout: "piped",
    stderr: "inherit",
  }).output();
  const lines = new TextDecoder().decode(stdout).trim().split("\n");
  try {
    return JSON.parse(lines[lines.length - 1]);
  } catch {
    return { cells: 0, outputs: 0, seconds: 0, ok: false, error: "the executor stopped without a summary" };
  }
}

async function main(args: string[]): Promise<number> {
  let options: NotebookOptions;
  try {
    options = parseNotebookArgs(args);
  } catch (error) {
    console.error((error as Error).message);
    return 2;
  }
  let names: string[];
  try {
    names = await findNotebooks(options.dir, options.only);
  } catch (error) {
    // git keeps no empty folder, so a fresh clone without notebooks has no notebooks/ either.
    if (error instanceof Deno.errors.NotFound && options.dir === DEFAULT_DIR) {
      console.log(`No ${DEFAULT_DIR}/ folder: nothing to run.`);
      return 0;
    }
    if (error instanceof Deno.errors.NotFound) {
      console.error(`No folder ${options.dir}/ to run notebooks from.`);
    } else if (error instanceof Deno.errors.NotCapable) {
      console.error(
        `${(error as Error).message}: the notebooks task reads only notebooks/ and tools/notebooks/.`,
      );
    } else console.error((error as Error).message);
    return 2;
  }
  if (names.length === 0) {
    console.log(`No notebooks in ${options.dir}/: nothing to run.`);
    return 0;
  }
  const missing = await missingPrerequisite();
  if (missing) {
    console.error(missing);
    return 2;
  }
  const profile = Deno.env.get("DIMO_PROFILE") ?? "unset (quick mode: the smoke profile)";
  console.log(
    `Executing ${names.length} notebook(s) from ${options.dir}/ into ${options.out}/, DIMO_PROFILE ${profile}`,
  );
  let failed = 0;
  for (const name of names) {
    const summary = await executeNotebook(
      `${options.dir}/${name}`,
      `${options.out}/${name}`,
      options.timeout,
    );
    const counts = `${summary.cells} cells, ${summary.outputs} outputs, ${summary.seconds.toFixed(1)} s`;
    console.log(
      `${summary.ok ? "ok  " : "FAIL"} ${name}: ${counts}${summary.ok ? "" : ` — ${summary.error}`}`,
    );
    if (!summary.ok) failed++;
  }
  console.log(
    `notebooks: ${names.length - failed} passed, ${failed} failed; executed copies in ${options.out}/`,
  );
  return failed === 0 ? 0 : 1;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
