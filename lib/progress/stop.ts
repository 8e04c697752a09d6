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

/**
 * Rejects with `signal`'s reason when it has been aborted, after letting the event loop run what
 * is pending (see {@linkcode stopRequested}): the stop check of a loop that keeps no state to save.
 *
 * @param signal The loop's stop signal, if any.
 * @throws The signal's reason, when it is aborted.
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { throwIfStopRequested } from "@dimo/dimo";
 * const controller = new AbortController();
 * await throwIfStopRequested(controller.signal);
 * setTimeout(() => controller.abort(new Error("stopped")), 0);
 * await assert.rejects(throwIfStopRequested(controller.signal), /stopped/);
 * await throwIfStopRequested(undefined);
 * ```
 */
export async function throwIfStopRequested(signal: AbortSignal | undefined): Promise<void> {
  if (await stopRequested(signal)) signal!.throwIfAborted();
}
