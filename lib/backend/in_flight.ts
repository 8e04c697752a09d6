/**
 * Runs a sequence of GPU jobs with one in flight: job `i + 1` is started before job `i`'s result
 * is awaited.
 *
 * Under Deno a WebGPU read-back settles about 11 ms after it is requested, whatever its size, and
 * blocks nothing meanwhile. A loop that awaits each job's read-back before starting the next pays
 * those 11 ms every time; one that starts the next job first has its work queued behind the wait.
 * The jobs themselves run in the same order either way. On backends that compute as they are
 * called (wasm, cpu) nothing changes.
 *
 * @module
 */

/**
 * Runs `start(0)`, …, `start(count − 1)` in order, each started before the previous job's result
 * is awaited, and hands every result to `finish` in order.
 *
 * @typeParam T What a job's promise resolves to.
 * @param count Jobs to run; 0 runs none.
 * @param start Queues job `i` (its synchronous part does the work) and returns its read-back.
 * @param finish Receives job `i`'s result, before job `i + 2` starts.
 * @returns Once every job is finished.
 * @throws The first job's error to reject; the job started after it (which may then reject for
 *   the same reason) is not awaited.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { withOneInFlight } from "@dimo/dimo";
 * const log: string[] = [];
 * await withOneInFlight(3, async (i) => (log.push(`start ${i}`), i * i), (square, i) => {
 *   log.push(`finish ${i}: ${square}`);
 * });
 * assert.deepEqual(log, ["start 0", "start 1", "finish 0: 0", "start 2", "finish 1: 1", "finish 2: 4"]);
 * ```
 */
export async function withOneInFlight<T>(
  count: number,
  start: (i: number) => Promise<T>,
  finish: (result: T, i: number) => void | Promise<void> = () => {},
): Promise<void> {
  let previous: Promise<T> | undefined;
  for (let i = 0; i <= count; i++) {
    const current = i < count ? start(i) : undefined;
    // Should the previous job fail, its error is the one thrown, and this one's is not awaited.
    current?.catch(() => {});
    if (previous) await finish(await previous, i - 1);
    previous = current;
  }
}
