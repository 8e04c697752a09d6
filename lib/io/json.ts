/**
 * JSON for configurations, which hold `Infinity` ("no clipping") where JSON has no such number.
 *
 * @module
 */

/**
 * `JSON.stringify` that writes non-finite numbers as the strings `"Infinity"`, `"-Infinity"`
 * and `"NaN"` instead of `null`, so {@linkcode parseConfigJson} can restore them.
 *
 * @param value A plain value.
 * @param indent Spaces of indentation. @default {2}
 * @returns The JSON text.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { parseConfigJson, stringifyConfigJson } from "@dimo/dimo";
 * const text = stringifyConfigJson({ clipNorm: Infinity });
 * assert.equal(parseConfigJson<{ clipNorm: number }>(text).clipNorm, Infinity);
 * ```
 */
export function stringifyConfigJson(value: unknown, indent = 2): string {
  return JSON.stringify(
    value,
    (_, v) => (typeof v === "number" && !Number.isFinite(v) ? String(v) : v),
    indent,
  );
}

/**
 * `JSON.parse` that turns the strings `"Infinity"`, `"-Infinity"` and `"NaN"` back into numbers.
 *
 * @typeParam T The expected shape (not checked here: validate with the config's resolver).
 * @param text JSON text from {@linkcode stringifyConfigJson}.
 * @returns The parsed value.
 * @throws {SyntaxError} If the text is not JSON.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { parseConfigJson } from "@dimo/dimo";
 * assert.equal(parseConfigJson<{ x: number }>('{"x":"-Infinity"}').x, -Infinity);
 * ```
 */
export function parseConfigJson<T>(text: string): T {
  const special: Record<string, number> = { "Infinity": Infinity, "-Infinity": -Infinity, "NaN": NaN };
  return JSON.parse(text, (_, v) => (typeof v === "string" && v in special ? special[v] : v));
}

/**
 * Thrown when a checkpoint does not fit the configuration it is loaded with; names the first
 * field that differs.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { CheckpointMismatchError } from "@dimo/dimo";
 * const error = new CheckpointMismatchError("teacher.safetensors", "width", 256, 128);
 * assert.match(error.message, /'width' must be 256: current value is 128/);
 * ```
 */
export class CheckpointMismatchError extends Error {
  /** The dotted name of the field that differs. */
  readonly field: string;

  /**
   * Builds the message.
   *
   * @param path The checkpoint file.
   * @param field The field that differs.
   * @param expected The value the configuration asks for.
   * @param actual The checkpoint's value.
   */
  constructor(path: string, field: string, expected: unknown, actual: unknown) {
    super(
      `Cannot load checkpoint "${path}" as '${field}' must be ${JSON.stringify(expected)}: ` +
        `current value is ${JSON.stringify(actual)}`,
    );
    this.name = "CheckpointMismatchError";
    this.field = field;
  }
}

/**
 * Compares two plain configurations field by field (recursively) and returns the dotted name and
 * values of the first difference, or `undefined` when they are equal.
 *
 * @param expected The configuration asked for.
 * @param actual The configuration found.
 * @returns The first difference, if any.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { firstConfigDifference } from "@dimo/dimo";
 * assert.deepEqual(firstConfigDifference({ a: { b: 1 } }, { a: { b: 2 } }), { field: "a.b", expected: 1, actual: 2 });
 * ```
 */
export function firstConfigDifference(
  expected: unknown,
  actual: unknown,
): { field: string; expected: unknown; actual: unknown } | undefined {
  const walk = (e: unknown, a: unknown, path: string): ReturnType<typeof firstConfigDifference> => {
    if (typeof e === "object" && e !== null && typeof a === "object" && a !== null) {
      const keys = [...new Set([...Object.keys(e), ...Object.keys(a)])].sort();
      for (const key of keys) {
        const found = walk(
          (e as Record<string, unknown>)[key],
          (a as Record<string, unknown>)[key],
          path ? `${path}.${key}` : key,
        );
        if (found) return found;
      }
      return undefined;
    }
    return Object.is(e, a) ? undefined : { field: path || "(root)", expected: e, actual: a };
  };
  return walk(expected, actual, "");
}
