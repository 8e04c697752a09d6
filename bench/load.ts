/**
 * A synthetic CPU load for the bench: workers that spin until stopped, so that rows can be timed
 * on cores that other work also wants, as on a shared machine.
 *
 * @module
 */
import { checkInRange, checkInteger } from "@dimo/dimo/validate";

/** The most spinning workers a load may hold: enough to swamp a large machine, bounded all the same. */
export const MAX_LOAD_WORKERS = 64;

/** Each worker runs one busy loop; `terminate` ends it mid-loop. */
const SPIN = "for (;;);";

/**
 * Starts `workers` threads of this process that each keep one core busy, until the returned
 * function stops them. They are threads, not processes, so that they end with the process
 * whatever happens to it.
 *
 * @param workers How many to start, an integer in 0–{@linkcode MAX_LOAD_WORKERS}.
 * @returns A function that stops them all.
 * @throws {RangeError} If `workers` is not an integer in range.
 *
 * @example Start two and stop them
 * ```ts
 * import assert from "node:assert";
 * import { startLoad } from "./load.ts";
 * const stop = startLoad(2);
 * stop();
 * assert.throws(() => startLoad(-1), RangeError);
 * ```
 */
export function startLoad(workers: number): () => void {
  checkInteger("start the synthetic load", "--load", workers);
  checkInRange("start the synthetic load", "--load", workers, 0, MAX_LOAD_WORKERS);
  const url = URL.createObjectURL(new Blob([SPIN], { type: "text/javascript" }));
  const started = Array.from({ length: workers }, () => new Worker(url, { type: "module" }));
  return () => {
    started.forEach((worker) => worker.terminate());
    URL.revokeObjectURL(url);
  };
}
