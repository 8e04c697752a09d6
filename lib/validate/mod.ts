/**
 * `@dimo/dimo/validate`: argument checks shared by every area of dimo, in one message style:
 * `Cannot <action> as '<field>' must be <rule>: current value is <value>`.
 *
 * They run at the boundary of a public function, before any tensor work, so a bad
 * value fails loudly with its name instead of turning into a NaN later.
 *
 * @example Reject a ratio outside [0, 1]
 * ```ts
 * import assert from "node:assert";
 * import { checkInRange } from "@dimo/dimo/validate";
 * assert.throws(() => checkInRange("sample x_init", "rInit", 1.5, 0, 1), RangeError);
 * ```
 *
 * @module
 */

export * from "./checks.ts";
export * from "./overrides.ts";
