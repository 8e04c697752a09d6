/**
 * Stopping a long loop from outside it (a SIGINT listener, a notebook's button) through an
 * `AbortSignal`.
 *
 * @module
 */

/**
 * Whether `signal` has been aborted, after letting the event loop run what is pending. A loop whose
 * awaits all resolve at once (reads on the wasm and cpu backends) never yields to the event loop
 * otherwise, so a signal listener that would abort it is not called until the loop ends.
 *
 * @param signal The loop's stop signal, if any.
 * @returns True when the loop should stop.
 * @example A listener called from the event loop stops the loop at its next check
 * ```ts
 * import assert from "node:assert";
 * import { stopRequested } from "@dimo/dimo";
 * const controller = new AbortController();
 * setTimeout(() => controller.abort(), 0);
 * // Without the yield inside stopRequested this loop would never let the timer run.
 * while (!(await stopRequested(controller.signal)));
 * assert.equal(controller.signal.aborted, true);
 * assert.equal(await stopRequested(undefined), false);
 * ```
 */
export async function stopRequested(signal: AbortSignal | undefined): Promise<boolean> {
  if (signal === undefined) return false;
  await new Promise((resolve) => setTimeout(resolve, 0));
  return signal.aborted;
}
