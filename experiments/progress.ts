/**
 * A progress line for long loops: step, a metric, steps per second and ETA. Redrawn in place on
 * a terminal, printed every `every` steps otherwise.
 *
 * @module
 */

/** Reports progress of a loop of known length on stderr. */
export class Progress {
  readonly #label: string;
  readonly #total: number;
  readonly #every: number;
  readonly #unit: string;
  readonly #first: number;
  readonly #start = performance.now();
  readonly #tty = Deno.stderr.isTerminal();

  /**
   * Starts the clock.
   *
   * @param label What is running.
   * @param total The number of steps.
   * @param options `unit` of the rate ("steps" by default); print `every` this many steps when
   * not on a terminal (a tenth of the total by default); `from`: the steps already done before
   * the clock started (a resumed run), left out of the rate.
   */
  constructor(label: string, total: number, options: { every?: number; unit?: string; from?: number } = {}) {
    const { every = Math.max(1, Math.round(total / 10)), unit = "steps", from = 0 } = options;
    [this.#label, this.#total, this.#every, this.#unit, this.#first] = [label, total, every, unit, from];
  }

  /**
   * Reports that `done` steps are complete.
   *
   * @param done Steps completed.
   * @param metrics Numbers to show ("loss 1.23").
   */
  tick(done: number, metrics: Record<string, number> = {}): void {
    if (!this.#tty && done % this.#every !== 0 && done !== this.#total) return;
    const seconds = (performance.now() - this.#start) / 1000;
    const rate = (done - this.#first) / seconds;
    const eta = (this.#total - done) / rate;
    const shown = Object.entries(metrics).map(([k, v]) => `${k} ${v.toPrecision(4)}`).join(", ");
    const line = `${this.#label}: ${done}/${this.#total}${shown ? `, ${shown}` : ""}, ` +
      `${rate.toFixed(1)} ${this.#unit}/s, ETA ${eta.toFixed(0)} s`;
    const text = this.#tty ? `\r${line}\x1b[K${done === this.#total ? "\n" : ""}` : `${line}\n`;
    Deno.stderr.writeSync(new TextEncoder().encode(text));
  }
}
