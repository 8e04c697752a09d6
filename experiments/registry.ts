/**
 * The experiments `deno task experiment` knows; the first is the default.
 *
 * @module
 */
import type { BackendInfo } from "../lib/backend/mod.ts";
import type { ProgressReporter } from "../lib/progress/mod.ts";
import type { ProfileName } from "./settings.ts";
import type { Results } from "./results.ts";
import { exactJoint } from "./exact_joint.ts";
import { imageExperiment } from "./images.ts";
import { scenesExperiment } from "./scenes.ts";
import { imagenetExperiment } from "./imagenet.ts";

/** What an experiment gets from the command line. */
export interface ExperimentContext {
  /** `smoke` (a minute or two), `quick` (minutes on a CPU) or `full`. */
  readonly profile: ProfileName;
  /** `key=value` overrides of the profile's settings (the CLI's `--set`), applied in order. */
  readonly overrides?: readonly string[];
  /** The seed of every draw. */
  readonly seed: number;
  /** The initialised backend. */
  readonly backend: BackendInfo;
  /** Ablation sweeps to run instead of the main table (comma-separated names from {@linkcode Experiment.sweeps}). */
  readonly sweep?: string;
  /** A trained teacher checkpoint to start from instead of training one. */
  readonly teacher?: string;
  /** A VQGAN checkpoint that decodes the teacher's tokens (the ImageNet experiment). */
  readonly vqgan?: string;
  /** A directory of saved networks to start from (experiments that train several networks). */
  readonly checkpoints?: string;
  /** Generated samples per evaluated row, instead of the profile's. */
  readonly evalSamples?: number;
  /**
   * The directory results and checkpoints are written to; a run started again into it goes on
   * from what the earlier run saved there.
   */
  readonly out: string;
  /** Where progress goes (a notebook's display, a test's log); stderr by default. */
  readonly progress?: ProgressReporter;
  /**
   * Stops the run: the teacher's training at its next checkpoint (within 100 iterations) and the
   * distillation after its iteration in progress, their state saved in `out`; the classifier's and
   * the dual encoders' trainings (minutes, nothing saved) before their next step; an evaluation
   * after the chunk or row in progress. The k-means tokenizer, seconds long, finishes first.
   */
  readonly signal?: AbortSignal;
}

/** An experiment: a description and a function producing its results. */
export interface Experiment {
  /** One line for `--help`. */
  readonly description: string;
  /** The ablation sweeps `--sweep` accepts; none when absent. */
  readonly sweeps?: readonly string[];
  /** Runs the experiment. */
  run(context: ExperimentContext): Results | Promise<Results>;
}

/** The name of a known experiment. */
export type ExperimentName = "exact-joint" | "mnist" | "fashion" | "scenes" | "imagenet";

/** Name → experiment; the first entry runs when no name is given. */
export const EXPERIMENTS: Readonly<Record<ExperimentName, Experiment>> = {
  "exact-joint": exactJoint,
  mnist: imageExperiment("mnist"),
  fashion: imageExperiment("fashion"),
  scenes: scenesExperiment,
  imagenet: imagenetExperiment,
};
