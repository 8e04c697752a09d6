/**
 * The argument checks of `@dimo/dimo/validate`, each throwing in one message style.
 *
 * @module
 */

/** Formats a value for an error message: strings quoted, arrays and objects as JSON. */
function show(value: unknown): string {
  if (typeof value === "string") return `"${value}"`;
  if (typeof value === "number" || value === undefined || value === null) {
    return String(value);
  }
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
}

/**
 * Builds the message of a failed check.
 *
 * @param action What could not be done, as a verb phrase ("sample x_init").
 * @param field The name of the offending argument or config field.
 * @param rule What the value must be ("a number in [0, 1]").
 * @param value The value that was given.
 * @returns The message, in the project's error style.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { errorMessage } from "@dimo/dimo/validate";
 * assert.equal(
 *   errorMessage("sample", "steps", "a positive integer", 0),
 *   "Cannot sample as 'steps' must be a positive integer: current value is 0",
 * );
 * ```
 */
export function errorMessage(
  action: string,
  field: string,
  rule: string,
  value: unknown,
): string {
  return `Cannot ${action} as '${field}' must be ${rule}: current value is ${show(value)}`;
}

/**
 * Throws a `RangeError` unless `value` is a finite number in `[low, high]` (or `[low, high)`
 * with `highOpen`).
 *
 * @param action What the caller is doing, for the message.
 * @param field The argument's name.
 * @param value The value to check.
 * @param low Smallest allowed value.
 * @param high Largest allowed value (excluded when `highOpen`).
 * @param highOpen Whether `high` itself is excluded.
 * @throws {RangeError} If the value is not finite or outside the interval.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { checkInRange } from "@dimo/dimo/validate";
 * checkInRange("add noise", "sigma", 0.1, 0, 1, true);
 * assert.throws(() => checkInRange("add noise", "sigma", 1, 0, 1, true), /a number in \[0, 1\)/);
 * assert.throws(() => checkInRange("train", "lr", 0, Number.MIN_VALUE, Infinity), /a finite number > 0/);
 * ```
 */
export function checkInRange(
  action: string,
  field: string,
  value: number,
  low: number,
  high: number,
  highOpen = false,
): void {
  const ok = typeof value === "number" && Number.isFinite(value) &&
    value >= low &&
    (highOpen ? value < high : value <= high);
  if (!ok) {
    throw new RangeError(errorMessage(action, field, rangeRule(low, high, highOpen), value));
  }
}

/** The interval of {@linkcode checkInRange} in words; `Number.MIN_VALUE` as the low end reads "> 0". */
function rangeRule(low: number, high: number, highOpen: boolean): string {
  if (high === Infinity) {
    if (low === -Infinity) return "a finite number";
    return low === Number.MIN_VALUE ? "a finite number > 0" : `a finite number >= ${low}`;
  }
  return `a number in [${low}, ${high}${highOpen ? ")" : "]"}`;
}

/**
 * Throws a `RangeError` unless `value` is an integer in `[low, high]`.
 *
 * @param action What the caller is doing, for the message.
 * @param field The argument's name.
 * @param value The value to check.
 * @param low Smallest allowed value.
 * @param high Largest allowed value.
 * @throws {RangeError} If the value is not an integer in the interval.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { checkInteger } from "@dimo/dimo/validate";
 * checkInteger("sample", "steps", 8, 1);
 * assert.throws(() => checkInteger("sample", "steps", 0.5, 1), RangeError);
 * ```
 */
export function checkInteger(
  action: string,
  field: string,
  value: number,
  low = -Infinity,
  high = Infinity,
): void {
  if (!Number.isInteger(value) || value < low || value > high) {
    const bounds = high === Infinity ? (low === -Infinity ? "" : ` >= ${low}`) : ` in [${low}, ${high}]`;
    throw new RangeError(
      errorMessage(action, field, `an integer${bounds}`, value),
    );
  }
}

/**
 * Parses a whole number typed by a person (a command-line flag, an environment variable)
 * strictly: an optional sign and decimal digits only, so `""`, `" "`, `"1e3"`, `"0x10"`, `"2.0"`
 * and `"1_000"` are refused instead of read as 0, 1000, 16 or 2, and so is a number beyond
 * `Number.MAX_SAFE_INTEGER`, which would be silently rounded.
 *
 * @param action What the caller is doing, for the message.
 * @param field The flag or variable's name.
 * @param text The text exactly as typed; the message quotes it unchanged.
 * @param low Smallest allowed value.
 * @param high Largest allowed value.
 * @returns The integer.
 * @throws {RangeError} If the text is not a decimal integer in `[low, high]`.
 *
 * @example Read a seed and refuse a hexadecimal one
 * ```ts
 * import assert from "node:assert";
 * import { parseIntegerArg } from "@dimo/dimo/validate";
 * assert.equal(parseIntegerArg("run an experiment", "--seed", "-12"), -12);
 * assert.throws(
 *   () => parseIntegerArg("run an experiment", "--seed", "0x10"),
 *   /'--seed' must be a decimal integer in \[-9007199254740991, 9007199254740991\]: current value is "0x10"/,
 * );
 * ```
 */
export function parseIntegerArg(
  action: string,
  field: string,
  text: string,
  low = Number.MIN_SAFE_INTEGER,
  high = Number.MAX_SAFE_INTEGER,
): number {
  const value = Number(text);
  if (!/^[+-]?[0-9]+$/.test(text) || !Number.isSafeInteger(value) || value < low || value > high) {
    throw new RangeError(errorMessage(action, field, `a decimal integer in [${low}, ${high}]`, text));
  }
  return value;
}

/**
 * Throws a `RangeError` unless `value` is one of `allowed`; narrows its type.
 *
 * @typeParam T The union of allowed strings.
 * @param action What the caller is doing, for the message.
 * @param field The argument's name.
 * @param value The value to check.
 * @param allowed The allowed values.
 * @throws {RangeError} If the value is not in `allowed`.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { checkOneOf } from "@dimo/dimo/validate";
 * assert.throws(() => checkOneOf("pick", "name", "nope", ["a", "b"] as const), /one of "a", "b"/);
 * ```
 */
export function checkOneOf<T extends string>(
  action: string,
  field: string,
  value: unknown,
  allowed: readonly T[],
): asserts value is T {
  if (!allowed.includes(value as T)) {
    const rule = `one of ${allowed.map((a) => `"${a}"`).join(", ")}`;
    throw new RangeError(errorMessage(action, field, rule, value));
  }
}

/**
 * Throws a `TypeError` unless a tensor shape equals the expected one; `-1` in `expected`
 * matches any size.
 *
 * @param action What the caller is doing, for the message.
 * @param field The tensor argument's name.
 * @param shape The shape that was given.
 * @param expected The expected shape, `-1` for a free dimension.
 * @throws {TypeError} If the rank or a fixed dimension differs.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { checkShape } from "@dimo/dimo/validate";
 * checkShape("mask", "tokens", [2, 4], [-1, 4]);
 * assert.throws(() => checkShape("mask", "tokens", [2, 5], [-1, 4]), TypeError);
 * ```
 */
export function checkShape(
  action: string,
  field: string,
  shape: readonly number[],
  expected: readonly number[],
): void {
  const ok = shape.length === expected.length &&
    expected.every((d, i) => d === -1 || d === shape[i]);
  if (!ok) {
    const rule = `of shape [${expected.map((d) => (d === -1 ? "*" : d)).join(", ")}]`;
    throw new TypeError(errorMessage(action, field, rule, shape));
  }
}

/**
 * Throws a `TypeError` unless a tensor's dtype is the expected one.
 *
 * @param action What the caller is doing, for the message.
 * @param field The tensor argument's name.
 * @param dtype The dtype that was given.
 * @param expected The expected dtype.
 * @throws {TypeError} If they differ.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { checkDtype } from "@dimo/dimo/validate";
 * assert.throws(() => checkDtype("mask", "tokens", "float32", "int32"), TypeError);
 * ```
 */
export function checkDtype(
  action: string,
  field: string,
  dtype: string,
  expected: string,
): void {
  if (dtype !== expected) {
    throw new TypeError(
      errorMessage(action, field, `of dtype ${expected}`, dtype),
    );
  }
}
