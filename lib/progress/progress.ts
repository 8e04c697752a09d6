/**
 * Progress of a long loop (training, sampling, scoring): the count done, the rate, the ETA and a
 * few numbers, handed to a reporter — a line on stderr by default (a `console` line in a Jupyter
 * notebook), or a callback (a notebook's display, a test's log).
 *
 * @module
 */

/** One report of a {@linkcode Progress}. */
export interface ProgressUpdate {
  /** What is running ("teacher", "Di[M]O", "sampling: Teacher, 4 steps"). */
  readonly label: string;
  /** Units done so far. */
  readonly done: number;
  /** Units in all. */
  readonly total: number;
  /** What is counted ("iterations", "samples"). */
  readonly unit: string;
  /** Units per second since the clock started, the resumed ones left out. */
  readonly rate: number;
  /** Seconds left at that rate. */
  readonly etaSeconds: number;
  /** Numbers to show beside the count (a loss). */
  readonly metrics: Readonly<Record<string, number>>;
}

/** Receives the updates of a {@linkcode Progress}. */
export type ProgressReporter = (update: ProgressUpdate) => void;

/**
 * The line of an update: `label: done/total, metrics, rate unit/s, ETA s`.
 *
 * @param update The update.
 * @returns One line, without a newline.
 *
 * @example A line with a loss
 * ```ts
 * import assert from "node:assert";
 * import { formatProgress } from "@dimo/dimo";
 * const line = formatProgress({
 *   label: "teacher", done: 50, total: 100, unit: "iterations", rate: 10, etaSeconds: 5, metrics: { loss: 1.5 },
 * });
 * assert.equal(line, "teacher: 50/100, loss 1.500, 10.0 iterations/s, ETA 5 s");
 * ```
 */
export function formatProgress(update: ProgressUpdate): string {
  const { label, done, total, unit, rate, etaSeconds, metrics } = update;
  const shown = Object.entries(metrics).map(([k, v]) => `${k} ${v.toPrecision(4)}`).join(", ");
  const eta = Number.isFinite(etaSeconds) ? etaSeconds.toFixed(0) : "?";
  return `${label}: ${done}/${total}${shown ? `, ${shown}` : ""}, ${rate.toFixed(1)} ${unit}/s, ETA ${eta} s`;
}

/**
 * Whether this code runs in a Jupyter notebook on the Deno kernel (`deno jupyter`), the only
 * place where `Deno.jupyter` exists; elsewhere even reading it throws.
 *
 * @param deno The `Deno` namespace to look in; tests pass a stand-in.
 * @returns True in the Deno kernel.
 *
 * @example Outside a notebook
 * ```ts
 * import assert from "node:assert";
 * import { inJupyterKernel } from "@dimo/dimo";
 * assert.equal(inJupyterKernel(), false);
 * assert.equal(inJupyterKernel({ jupyter: {} }), true);
 * ```
 */
export function inJupyterKernel(deno: { readonly jupyter?: unknown } = Deno): boolean {
  try {
    return deno.jupyter !== undefined;
  } catch {
    return false;
  }
}

/**
 * Each update as a line with `console.error`: for a Jupyter notebook on the Deno kernel, which
 * shows what `console` prints in the cell's output but not what is written to the process's stderr.
 *
 * @param update The update.
 *
 * @example The line a notebook shows
 * ```ts
 * import assert from "node:assert";
 * import { consoleProgress, Progress } from "@dimo/dimo";
 * const lines: unknown[] = [];
 * const error = console.error;
 * console.error = (line: unknown) => lines.push(line);
 * try {
 *   new Progress("demo", 2, { unit: "iterations", reporter: consoleProgress }).tick(2, { loss: 0.5 });
 * } finally {
 *   console.error = error;
 * }
 * assert.match(String(lines[0]), /^demo: 2\/2, loss 0\.5000, .* iterations\/s, ETA 0 s$/);
 * ```
 */
export function consoleProgress(update: ProgressUpdate): void {
  console.error(formatProgress(update));
}

/**
 * The default reporter: each update as a line on stderr, redrawn in place on a terminal. In a
 * Jupyter notebook on the Deno kernel, which does not show the process's stderr, it prints with
 * {@linkcode consoleProgress} instead.
 *
 * @param update The update.
 *
 * @example Print one line
 * ```ts
 * import assert from "node:assert";
 * import { Progress, stderrProgress } from "@dimo/dimo";
 * const progress = new Progress("demo", 1, { reporter: stderrProgress });
 * assert.equal(progress.tick(1), undefined); // prints "demo: 1/1, … steps/s, ETA 0 s"
 * ```
 */
export function stderrProgress(update: ProgressUpdate): void {
  if (inJupyterKernel()) return consoleProgress(update);
  const line = formatProgress(update);
  const text = Deno.stderr.isTerminal()
    ? `\r${line}\x1b[K${update.done === update.total ? "\n" : ""}`
    : `${line}\n`;
  Deno.stderr.writeSync(new TextEncoder().encode(text));
}

/**
 * A reporter that drops every update, for runs that should print nothing.
 *
 * @example Run a loop quietly
 * ```ts
 * import assert from "node:assert";
 * import { Progress, silentProgress } from "@dimo/dimo";
 * const progress = new Progress("quiet", 3, { reporter: silentProgress });
 * assert.equal(progress.tick(3), undefined);
 * ```
 */
export const silentProgress: ProgressReporter = () => {};

/** Options of a {@linkcode Progress}. */
export interface ProgressOptions {
  /**
   * Report every this many units (and at the end).
   * @default {a tenth of the total}
   */
  readonly every?: number;
  /**
   * Also report when this many seconds have passed since the last report, so a slow phase is
   * never silent for long.
   * @default {10}
   */
  readonly seconds?: number;
  /**
   * What is counted.
   * @default {"steps"}
   */
  readonly unit?: string;
  /**
   * Units already done before the clock started (a resumed run), left out of the rate.
   * @default {0}
   */
  readonly from?: number;
  /**
   * Where updates go.
   * @default {stderrProgress}
   */
  readonly reporter?: ProgressReporter;
}

/**
 * Reports the progress of a loop of known length: every `every` units, at the end, and whenever
 * `seconds` have passed since the last report.
 *
 * @example Collect the updates of a loop
 * ```ts
 * import assert from "node:assert";
 * import { Progress, type ProgressUpdate } from "@dimo/dimo";
 * const updates: ProgressUpdate[] = [];
 * const progress = new Progress("loop", 4, { every: 2, unit: "iterations", reporter: (u) => updates.push(u) });
 * for (let i = 1; i <= 4; i++) progress.tick(i, { loss: 1 / i });
 * assert.deepEqual(updates.map((u) => u.done), [2, 4]);
 * assert.equal(updates[1].metrics.loss, 0.25);
 * ```
 */
export class Progress {
  readonly #label: string;
  readonly #total: number;
  readonly #every: number;
  readonly #seconds: number;
  readonly #unit: string;
  readonly #from: number;
  readonly #reporter: ProgressReporter;
  readonly #start = performance.now();
  #last = performance.now();

  /**
   * Starts the clock.
   *
   * @param label What is running.
   * @param total Units in all.
   * @param options The cadence, the unit, the units already done and the reporter.
   */
  constructor(label: string, total: number, options: ProgressOptions = {}) {
    const {
      every = Math.max(1, Math.round(total / 10)),
      seconds = 10,
      unit = "steps",
      from = 0,
      reporter = stderrProgress,
    } = options;
    [this.#label, this.#total, this.#every, this.#seconds] = [label, total, every, seconds];
    [this.#unit, this.#from, this.#reporter] = [unit, from, reporter];
  }

  /**
   * Records that `done` units are complete, and reports when it is time.
   *
   * @param done Units done so far.
   * @param metrics Numbers to show beside the count.
   */
  tick(done: number, metrics: Record<string, number> = {}): void {
    const now = performance.now();
    const due = done % this.#every === 0 || done >= this.#total || now - this.#last >= 1000 * this.#seconds;
    if (!due) return;
    this.#last = now;
    const rate = (done - this.#from) / Math.max((now - this.#start) / 1000, 1e-9);
    const etaSeconds = rate > 0 ? (this.#total - done) / rate : Infinity;
    this.#reporter({
      label: this.#label,
      done,
      total: this.#total,
      unit: this.#unit,
      rate,
      etaSeconds,
      metrics,
    });
  }
}
