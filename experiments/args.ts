/**
 * The command line of `deno task experiment`: one table of flags from which both the parser and
 * `--help` are built, so a new flag is one entry in {@linkcode FLAGS}.
 *
 * Parsing is strict: an unknown flag, a second experiment name or an integer written as `1e3`,
 * `0x10` or `" "` is an error quoting what was typed, not a silent default.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { checkOneOf, errorMessage, parseIntegerArg } from "../lib/validate/mod.ts";
import type { ExperimentName } from "./registry.ts";
import { PROFILE_NAMES } from "./settings.ts";

/** One flag of the command line. */
export interface Flag {
  /** Its name without the leading `--`. */
  readonly name: string;
  /** `integer` values are parsed strictly by {@linkcode parseIntegerArg}; `boolean` flags take no value. */
  readonly kind: "string" | "integer" | "boolean";
  /** How `--help` shows the value ("N", "DIR"). */
  readonly value?: string;
  /** One line for `--help`. */
  readonly help: string;
  /** The experiments that take it; every one when absent. */
  readonly experiments?: readonly ExperimentName[];
  /** The values a `string` flag may take. */
  readonly choices?: readonly string[];
  /** The smallest value of an `integer` flag. */
  readonly min?: number;
  /** The value when the flag is not given. */
  readonly default?: string;
  /** A one-letter alias (`-h`). */
  readonly short?: string;
  /** Whether the flag may be repeated; its values are then collected in order. */
  readonly multiple?: boolean;
}

/** Every flag, in the order `--help` lists them. */
export const FLAGS = [
  {
    name: "profile",
    kind: "string",
    value: PROFILE_NAMES.join("|"),
    help: "the settings: smoke (a minute or two), quick (minutes on a CPU) or full (the reported numbers)",
    choices: PROFILE_NAMES,
    default: "quick",
  },
  {
    name: "backend",
    kind: "string",
    value: "NAME",
    help: "the tfjs backend: auto, webgpu, wasm or cpu (default: DIMO_BACKEND, else auto)",
  },
  {
    name: "threads",
    kind: "integer",
    value: "N",
    help: "threads of the wasm backend (default: DIMO_THREADS, else half the machine's cores)",
    min: 1,
  },
  { name: "seed", kind: "integer", value: "N", help: "the seed of every random draw", default: "0" },
  {
    name: "out",
    kind: "string",
    value: "DIR",
    help: "where results and trained networks go, inside the project (default: runs/NAME-PROFILE)",
  },
  {
    name: "sweep",
    kind: "string",
    value: "NAME[,NAME…]",
    help: "run these ablation sweeps instead of the main table",
  },
  {
    name: "teacher",
    kind: "string",
    value: "FILE",
    help:
      "a saved teacher (.safetensors) to start from instead of training one (imagenet: the converted MaskGIT)",
  },
  {
    name: "checkpoints",
    kind: "string",
    value: "DIR",
    help: "a directory of saved networks to start from; the missing ones are trained",
    experiments: ["mnist", "fashion", "scenes", "imagenet"],
  },
  {
    name: "vqgan",
    kind: "string",
    value: "FILE",
    help:
      "the VQGAN (.safetensors, converted by tools/convert_checkpoint.py) that decodes the teacher's tokens",
    experiments: ["imagenet"],
  },
  {
    name: "eval-samples",
    kind: "integer",
    value: "N",
    help: "generated samples per evaluated row, at least 10 (default: the profile's)",
    experiments: ["mnist", "fashion"],
    min: 10,
  },
  {
    name: "set",
    kind: "string",
    value: "KEY=VALUE",
    help: "override one setting of the profile (repeatable), e.g. distill.init.sigma=0.1",
    multiple: true,
  },
  { name: "help", kind: "boolean", help: "print this help and exit", short: "h" },
] as const satisfies readonly Flag[];

type FlagEntry = typeof FLAGS[number];
type ValueOf<F extends Flag> = F extends { readonly multiple: true } ? string[]
  : F["kind"] extends "integer" ? number
  : F["kind"] extends "boolean" ? boolean
  : F extends { readonly choices: readonly (infer C)[] } ? C
  : string;

/** The parsed flags: each flag's value, present when given or defaulted. */
export type ExperimentOptions =
  & { [F in FlagEntry as F extends { default: string } ? F["name"] : never]: ValueOf<F> }
  & { [F in FlagEntry as F extends { default: string } ? never : F["name"]]?: ValueOf<F> };

/** What the command line asks for: help, or one experiment with its options. */
export type ExperimentArgs =
  | { readonly help: true }
  | { readonly help: false; readonly name: ExperimentName; readonly options: ExperimentOptions };

const ACTION = "run an experiment";

/**
 * Parses the command line of `deno task experiment`.
 *
 * @param args The arguments after the task name.
 * @param names The known experiments; the first runs when none is named.
 * @returns `{ help: true }` for `--help`, else the experiment's name and its flags' values.
 * @throws {RangeError} For an unknown or malformed flag, an unknown or second experiment name, a
 *   value out of its rule, or a flag the named experiment does not take.
 *
 * @example Read a seed, refuse a seed in hexadecimal
 * ```ts
 * import assert from "node:assert";
 * import { parseExperimentArgs } from "./args.ts";
 * const parsed = parseExperimentArgs(["mnist", "--seed", "7"], ["exact-joint", "mnist"]);
 * assert.deepEqual(parsed, { help: false, name: "mnist", options: { profile: "quick", seed: 7 } });
 * assert.throws(() => parseExperimentArgs(["--seed", "0x10"], ["exact-joint"]), /current value is "0x10"/);
 * ```
 */
export function parseExperimentArgs(
  args: readonly string[],
  names: readonly ExperimentName[],
): ExperimentArgs {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...args],
      allowPositionals: true,
      options: Object.fromEntries(
        FLAGS.map((flag: Flag) => [
          flag.name,
          {
            type: flag.kind === "boolean" ? "boolean" : "string",
            ...flag.short ? { short: flag.short } : {},
            ...flag.multiple ? { multiple: true } : {},
          },
        ]),
      ),
    });
  } catch (error) {
    if (!String((error as { code?: unknown }).code).startsWith("ERR_PARSE_ARGS_")) throw error;
    // node:util's messages name the flag; say which command failed and where the flags are listed.
    throw new RangeError(
      `Cannot ${ACTION} as its arguments are malformed: ${(error as Error).message} (--help lists the flags)`,
    );
  }
  const { values, positionals } = parsed;
  if (values.help) return { help: true };
  if (positionals.length > 1) {
    throw new RangeError(
      errorMessage(ACTION, "name", "one experiment name, before or after the flags", positionals),
    );
  }
  const name = positionals[0] ?? names[0];
  checkOneOf(ACTION, "name", name, names);
  const options: Record<string, unknown> = {};
  for (const flag of FLAGS as readonly Flag[]) {
    const text = values[flag.name] ?? flag.default;
    if (text === undefined || flag.name === "help") continue;
    if (values[flag.name] !== undefined && flag.experiments && !flag.experiments.includes(name)) {
      throw new RangeError(
        `Cannot run ${name} with --${flag.name}: only ${listed(flag.experiments)} take it`,
      );
    }
    if (flag.multiple && Array.isArray(text)) {
      options[flag.name] = text;
      continue;
    }
    if (typeof text !== "string") continue;
    if (flag.kind === "integer") {
      options[flag.name] = parseIntegerArg(ACTION, `--${flag.name}`, text, flag.min);
    } else {
      if (flag.choices) checkOneOf(ACTION, `--${flag.name}`, text, flag.choices);
      options[flag.name] = text;
    }
  }
  return { help: false, name, options: options as ExperimentOptions };
}

/**
 * The text of `--help`: the usage line, every flag with what it does, and the experiments.
 *
 * @param experiments The known experiments: name → one-line description and sweeps.
 * @returns The lines, joined by newlines.
 *
 * @example Every flag is listed
 * ```ts
 * import assert from "node:assert";
 * import { FLAGS, helpText } from "./args.ts";
 * const help = helpText({ "exact-joint": { description: "a toy joint" } });
 * for (const flag of FLAGS) assert.ok(help.includes(`--${flag.name}`));
 * ```
 */
export function helpText(
  experiments: Readonly<
    Record<string, { readonly description: string; readonly sweeps?: readonly string[] }>
  >,
): string {
  const names = Object.keys(experiments);
  const usage = (flag: Flag) => `--${flag.name}${flag.value ? ` ${flag.value}` : ""}`;
  const width = Math.max(...FLAGS.map((flag) => usage(flag).length));
  const flagLines = (FLAGS as readonly Flag[]).map((flag) => {
    const notes = [
      ...(flag.default !== undefined ? [`default: ${flag.default}`] : []),
      ...(flag.experiments ? [`${flag.experiments.join(", ")} only`] : []),
    ];
    const short = flag.short ? `, -${flag.short}` : "";
    return `  ${(usage(flag) + short).padEnd(width + 4)}  ${flag.help}${
      notes.length ? ` (${notes.join("; ")})` : ""
    }`;
  });
  const experimentLines = names.map((name) => {
    const { description, sweeps } = experiments[name];
    return `  ${name}: ${description}${sweeps ? ` (sweeps: ${sweeps.join(", ")})` : ""}`;
  });
  return [
    `usage: deno task experiment [${names.join("|")}] [flags]`,
    `Runs one experiment (default: ${names[0]}) and writes its results and trained networks to --out.`,
    "",
    "flags:",
    ...flagLines,
    "",
    "experiments:",
    ...experimentLines,
  ].join("\n");
}

/** "a", "a and b", "a, b and c". */
function listed(names: readonly string[]): string {
  return names.length < 2 ? names.join("") : `${names.slice(0, -1).join(", ")} and ${names.at(-1)}`;
}
