/**
 * The experiments `deno task experiment` knows; the first is the default.
 *
 * @module
 */
import type { BackendInfo } from "../lib/backend/mod.ts";
import type { Results } from "./results.ts";
import { exactJoint } from "./exact_joint.ts";

/** What an experiment gets from the command line. */
export interface ExperimentContext {
  /** `quick` (minutes on a CPU) or `full`. */
  readonly profile: "quick" | "full";
  /** The seed of every draw. */
  readonly seed: number;
  /** The initialised backend. */
  readonly backend: BackendInfo;
  /** An ablation sweep to run instead of the main table, if the experiment has it. */
  readonly sweep?: string;
}

/** An experiment: a description and a function producing its results. */
export interface Experiment {
  /** One line for `--help`. */
  readonly description: string;
  /** Runs the experiment. */
  run(context: ExperimentContext): Results | Promise<Results>;
}

/** Name → experiment; the first entry runs when no name is given. */
export const EXPERIMENTS = {
  "exact-joint": exactJoint,
} as const satisfies Record<string, Experiment>;

/** The name of a known experiment. */
export type ExperimentName = keyof typeof EXPERIMENTS;
