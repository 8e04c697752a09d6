/**
 * Mask schedules γ(u): the fraction of tokens masked at diffusion time u ∈ [0, 1].
 *
 * @module
 */
import { checkInRange, checkOneOf, errorMessage } from "../validate/mod.ts";
import type { Rng } from "../rng/mod.ts";

/** The names of the mask schedules dimo knows. */
export const MASK_SCHEDULE_NAMES = ["arccos", "cosine", "linear", "square"] as const;

/** A mask schedule name. */
export type MaskScheduleName = typeof MASK_SCHEDULE_NAMES[number];

/**
 * Which schedule to build, and for `cosine` its clamp.
 *
 * - `arccos`: γ(u) = arccos(u) / (π/2), MaskGIT's schedule, no clamp (mean mask ratio 2/π).
 * - `cosine`: γ(u) = cos(πu/2) clamped to `[clampMin, clampMax]`, Meissonic's schedule.
 * - `linear`: γ(u) = u.
 * - `square`: γ(u) = u².
 */
export type MaskScheduleSpec =
  | { readonly name: "arccos" | "linear" | "square" }
  | {
    readonly name: "cosine";
    /** Smallest ratio. @default {0.02} (Meissonic's DiMO config) */
    readonly clampMin?: number;
    /** Largest ratio. @default {0.98} */
    readonly clampMax?: number;
  };

/** A mask schedule: maps time u ∈ [0, 1] to a mask ratio r = γ(u) ∈ [0, 1]. */
export interface MaskSchedule {
  /** The schedule's name. */
  readonly name: MaskScheduleName;
  /** The mask ratio at time `u`. */
  gamma(u: number): number;
}

/**
 * Builds a {@linkcode MaskSchedule} from its name or spec.
 *
 * @param spec A schedule name or a {@linkcode MaskScheduleSpec}.
 * @returns The schedule.
 * @throws {RangeError} If the name is unknown or the cosine clamp is not `0 ≤ min ≤ max ≤ 1`.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { createMaskSchedule } from "@dimo/dimo";
 * const arccos = createMaskSchedule("arccos");
 * assert.equal(arccos.gamma(0), 1);
 * assert.ok(Math.abs(arccos.gamma(1)) < 1e-12);
 * assert.equal(createMaskSchedule({ name: "cosine" }).gamma(0), 0.98);
 * ```
 */
export function createMaskSchedule(spec: MaskScheduleName | MaskScheduleSpec): MaskSchedule {
  const s: MaskScheduleSpec = typeof spec === "string" ? { name: spec } as MaskScheduleSpec : spec;
  checkOneOf("create a mask schedule", "name", s?.name, MASK_SCHEDULE_NAMES);
  switch (s.name) {
    case "arccos":
      return { name: s.name, gamma: (u) => Math.acos(u) / (Math.PI / 2) };
    case "linear":
      return { name: s.name, gamma: (u) => u };
    case "square":
      return { name: s.name, gamma: (u) => u * u };
    case "cosine": {
      const { clampMin = 0.02, clampMax = 0.98 } = s;
      checkInRange("create a mask schedule", "clampMin", clampMin, 0, 1);
      checkInRange("create a mask schedule", "clampMax", clampMax, clampMin, 1);
      return {
        name: s.name,
        gamma: (u) => Math.min(clampMax, Math.max(clampMin, Math.cos((Math.PI / 2) * u))),
      };
    }
    default: {
      const never: never = s;
      throw new RangeError(errorMessage("create a mask schedule", "name", "known", never));
    }
  }
}

/**
 * Draws one mask ratio per sample: u ~ U(0, 1), r = γ(u) (the paper's t ~ U[0, 1]).
 *
 * @param schedule The mask schedule.
 * @param batch Number of samples B.
 * @param rng The generator for u.
 * @returns B ratios in [0, 1].
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { createMaskSchedule, createRng, sampleMaskRatios } from "@dimo/dimo";
 * const ratios = sampleMaskRatios(createMaskSchedule("linear"), 4, createRng(0));
 * assert.equal(ratios.length, 4);
 * ```
 */
export function sampleMaskRatios(schedule: MaskSchedule, batch: number, rng: Rng): number[] {
  return Array.from({ length: batch }, () => schedule.gamma(rng.next()));
}
