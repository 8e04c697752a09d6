/**
 * What long loops report while they run: progress lines with an ETA (on stderr, or to a
 * callback) and training curves.
 *
 * @example Report a loop's progress to a callback
 * ```ts
 * import assert from "node:assert";
 * import { Progress } from "@dimo/dimo";
 * const lines: string[] = [];
 * const progress = new Progress("demo", 2, { reporter: (u) => lines.push(`${u.done}/${u.total}`) });
 * progress.tick(1);
 * progress.tick(2);
 * assert.deepEqual(lines, ["1/2", "2/2"]);
 * ```
 *
 * @module
 */
export * from "./progress.ts";
export * from "./curve.ts";
export * from "./stop.ts";
