/**
 * What every experiment's profiles share: the profile names, a teacher's size and training, and
 * how a profile plus `--set` overrides becomes the settings a run uses.
 *
 * @module
 */
import { applyOverrides, checkInRange, checkInteger } from "../lib/validate/mod.ts";
import { type DistillConfig, type PartialDistillConfig, resolveDistillConfig } from "../lib/distill/mod.ts";

/**
 * The profiles every experiment has: `smoke` (a minute or two on one wasm thread: tests and the
 * notebooks' quick mode), `quick` (minutes) and `full` (the reported numbers).
 */
export const PROFILE_NAMES = ["smoke", "quick", "full"] as const;

/** One of {@linkcode PROFILE_NAMES}. */
export type ProfileName = typeof PROFILE_NAMES[number];

/** A teacher transformer's size and its MDM training: iterations, batch and Adam's learning rate. */
export interface TeacherSettings {
  /** The transformer's width. */
  readonly width: number;
  /** Transformer blocks. */
  readonly layers: number;
  /** Attention heads. */
  readonly heads: number;
  /** Adam updates. */
  readonly iterations: number;
  /** Sequences per batch. */
  readonly batch: number;
  /** Adam's peak learning rate. */
  readonly lr: number;
}

/**
 * What a profile holds for the distillation: overrides of the paper's settings (the defaults of
 * `DistillConfig`) and the number of iterations.
 */
export interface DistillSettings {
  /** Only what differs from the paper's settings. */
  readonly distill: PartialDistillConfig;
  /** Di[M]O iterations. */
  readonly distillIterations: number;
}

/**
 * Applies `--set` overrides to a profile and validates the result: the distillation settings by
 * `resolveDistillConfig`, the teacher's and the counts here.
 *
 * @typeParam P The profile's type.
 * @param action What is being run, for messages ("run exact-joint").
 * @param profile The profile.
 * @param overrides `key=value` strings (`distill.init.sigma=0`, `teacher.iterations=500`).
 * @returns The profile with the overrides applied and `distill` resolved (complete and frozen).
 * @throws {RangeError} For an unknown key or a value out of range, naming it.
 * @throws {TypeError} For a value of another type than the setting's.
 *
 * @example The σ of the quick exact-joint profile, overridden
 * ```ts
 * import assert from "node:assert";
 * import { EXACT_JOINT_PROFILES, resolveProfile } from "@dimo/dimo/experiments";
 * const profile = resolveProfile("run exact-joint", EXACT_JOINT_PROFILES.quick, ["distill.init.sigma=0.1"]);
 * assert.equal(profile.distill.init.sigma, 0.1);
 * assert.equal(profile.distill.schedule.name, "arccos"); // the paper's default, filled in
 * assert.throws(() => resolveProfile("run exact-joint", EXACT_JOINT_PROFILES.quick, ["teacher.iterations=0.5"]), RangeError);
 * ```
 */
export function resolveProfile<P extends DistillSettings & { readonly teacher?: TeacherSettings }>(
  action: string,
  profile: P,
  overrides: readonly string[] = [],
): P & { readonly distill: DistillConfig } {
  const set = applyOverrides({ ...profile, distill: resolveDistillConfig(profile.distill) }, overrides);
  // A profile without a teacher to train (the ImageNet experiment loads the official one) has none to check.
  if (set.teacher !== undefined) {
    for (const key of ["width", "layers", "heads", "iterations", "batch"] as const) {
      checkInteger(action, `teacher.${key}`, set.teacher[key], key === "iterations" ? 0 : 1);
    }
    checkInRange(action, "teacher.lr", set.teacher.lr, Number.MIN_VALUE, Infinity);
  }
  checkInteger(action, "distillIterations", set.distillIterations, 0);
  return Object.freeze({ ...set, distill: resolveDistillConfig(set.distill) });
}

/**
 * A resolved distillation config with one row's overrides: `init`, `studentAdam` and `auxAdam`
 * are merged field by field, the rest replaced, so a sweep row keeps the profile's other settings.
 *
 * @param base The profile's resolved config.
 * @param override The row's changes.
 * @returns The resolved config of the row.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { resolveDistillConfig } from "@dimo/dimo";
 * import { withDistillOverride } from "@dimo/dimo/experiments";
 * const base = resolveDistillConfig({ init: { sigma: 0 } });
 * const row = withDistillOverride(base, { init: { rInit: { kind: "fixed", value: 1 } } });
 * assert.equal(row.init.sigma, 0);
 * ```
 */
export function withDistillOverride(base: DistillConfig, override: PartialDistillConfig): DistillConfig {
  return resolveDistillConfig({
    ...base,
    ...override,
    init: { ...base.init, ...override.init },
    studentAdam: { ...base.studentAdam, ...override.studentAdam },
    auxAdam: { ...base.auxAdam, ...override.auxAdam },
  });
}

/**
 * The distillation state in an output directory, saved as the run goes: a run started again into
 * the same `--out` goes on from it (an exact-joint sweep row's is `distill-state-<sweep>-<i>`).
 */
export const DISTILL_STATE_FILE = "distill-state.safetensors";

/**
 * The teacher's training state in an output directory, saved as it trains: a run started again
 * into the same `--out` goes on from it.
 */
export const TEACHER_STATE_FILE = "teacher-state.safetensors";
