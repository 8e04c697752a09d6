/**
 * `key=value` overrides of a settings object, as the CLI's repeatable `--set` gives them
 * (`--set distill.init.sigma=0`). Every key must name a setting that exists, and every value
 * must keep its type (nanoGPT's configurator rule); what comes out is then validated by the
 * settings' own resolver.
 *
 * @module
 */
import { errorMessage } from "./checks.ts";

const ACTION = "apply the override";

type Plain = Record<string, unknown>;

function isPlain(value: unknown): value is Plain {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A number as written: decimal or exponent notation, or ±Infinity. */
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$|^[+-]?Infinity$/i;

/** Parses `text` as a value of the type of `template`; throws naming `key` otherwise. */
function parseValue(key: string, text: string, template: unknown): unknown {
  const fail = (rule: string): never => {
    throw new TypeError(errorMessage(ACTION, key, rule, text));
  };
  switch (typeof template) {
    case "number":
      return NUMBER.test(text) ? Number(text) : fail("a number, as its default is");
    case "boolean":
      return text === "true" ? true : text === "false" ? false : fail('"true" or "false", as its default is');
    case "string":
      return text;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return fail(Array.isArray(template) ? "a JSON array" : "a JSON object");
  }
  if (Array.isArray(template)) {
    const kind = template.length > 0 ? typeof template[0] : undefined;
    const ok = Array.isArray(parsed) && parsed.every((v) => kind === undefined || typeof v === kind);
    return ok ? parsed : fail(`a JSON array${kind ? ` of ${kind}s` : ""}, as its default is`);
  }
  return isPlain(parsed) && isPlain(template) ? parsed : fail("a JSON object, as its default is");
}

/**
 * Applies `key=value` overrides to a copy of `base`, in order (a later one wins).
 *
 * - A key is a dotted path through `base` (`distill.init.sigma`); every part must exist there.
 * - The value is parsed by the type of the value it replaces: a number (`1e-4`, `Infinity`),
 *   `true`/`false`, a string as written, or, for an object or an array, JSON replacing it whole
 *   (`distill.init.rInit={"kind":"uniform","low":0.3,"high":0.9}`).
 * - Setting a variant's `kind` to another kind drops the fields of the old variant:
 *   `distill.divergence.kind=rkl` turns `{ kind: "jeffreys", beta: 0 }` into `{ kind: "rkl" }`.
 *
 * Values are not range-checked here: pass the result to the settings' resolver.
 *
 * @typeParam T The settings' type.
 * @param base Complete settings (resolved, so that every key has a value to type it by).
 * @param overrides `key=value` strings.
 * @returns A new object; `base` is not changed.
 * @throws {RangeError} If an override has no `=`, or its key names no setting of `base`.
 * @throws {TypeError} If a value does not parse as the type of the value it replaces.
 *
 * @example Override two settings, one of them a variant's kind
 * ```ts
 * import assert from "node:assert";
 * import { applyOverrides } from "@dimo/dimo/validate";
 * const base = { teacher: { iterations: 1200 }, distill: { divergence: { kind: "jeffreys", beta: 0 } } };
 * const set = applyOverrides(base, ["teacher.iterations=500", "distill.divergence.kind=rkl"]);
 * assert.deepEqual(set, { teacher: { iterations: 500 }, distill: { divergence: { kind: "rkl" } } });
 * assert.throws(() => applyOverrides(base, ["teacher.iters=5"]), /'teacher.iters'/);
 * assert.throws(() => applyOverrides(base, ["teacher.iterations=many"]), TypeError);
 * ```
 */
export function applyOverrides<T extends object>(base: T, overrides: readonly string[]): T {
  const result = structuredClone(base) as Plain;
  for (const override of overrides) {
    const at = override.indexOf("=");
    if (at <= 0) throw new RangeError(errorMessage(ACTION, "override", "of the form key=value", override));
    const key = override.slice(0, at);
    const text = override.slice(at + 1);
    const parts = key.split(".");
    let template: unknown = base;
    let target: Plain = result;
    for (const [i, part] of parts.entries()) {
      const path = parts.slice(0, i + 1).join(".");
      if (!isPlain(template) || !Object.hasOwn(template, part)) {
        const known = isPlain(template) ? Object.keys(template).map((k) => `"${k}"`).join(", ") : "nothing";
        throw new RangeError(errorMessage(ACTION, path, `a known setting (one of ${known})`, override));
      }
      template = template[part];
      if (i === parts.length - 1) {
        const value = parseValue(key, text, template);
        if (part === "kind" && value !== target.kind) {
          for (const field of Object.keys(target)) delete target[field];
        }
        target[part] = value;
      } else {
        if (!isPlain(target[part])) target[part] = {};
        target = target[part] as Plain;
      }
    }
  }
  return result as T;
}
