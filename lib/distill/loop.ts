/**
 * The distillation loop: iterations of {@linkcode distillStep} with a progress line, a training
 * curve, and, given a state file, a checkpoint every few iterations and at the end, from which a
 * stopped run goes on exactly.
 *
 * @module
 */
import type { Transformer } from "../models/transformer.ts";
import { Progress, type ProgressReporter, stopRequested } from "../progress/mod.ts";
import type { CurvePoint } from "../progress/mod.ts";
import { checkInteger, errorMessage } from "../validate/mod.ts";
import type { DistillConfig } from "./config.ts";
import { createDistillState, type DistillConditioning, type DistillState } from "./state.ts";
import { distillStep } from "./step.ts";
import { loadDistillCheckpoint, saveDistillCheckpoint } from "./checkpoint.ts";

/** Options of {@linkcode distillStudent}. */
export interface DistillLoopOptions {
  /** Iterations of the whole run (a resumed run does the ones left). */
  readonly iterations: number;
  /** The run's seed (see {@linkcode createDistillState}). */
  readonly seed: number;
  /** The prompts of a run whose teacher reads them (see {@linkcode createDistillState}). */
  readonly conditioning?: DistillConditioning;
  /**
   * A state file: written every `checkpointEvery` iterations and at the end (atomically), and
   * resumed from when it exists — after checking that it belongs to this teacher, configuration
   * and seed. None by default: nothing is saved.
   */
  readonly checkpoint?: string;
  /**
   * Iterations between checkpoints.
   * @default {100}
   */
  readonly checkpointEvery?: number;
  /**
   * Iterations between the points of the curve.
   * @default {10}
   */
  readonly curveEvery?: number;
  /**
   * The progress line's label.
   * @default {"Di[M]O"}
   */
  readonly label?: string;
  /**
   * Where progress goes.
   * @default {stderrProgress}
   */
  readonly progress?: ProgressReporter;
  /**
   * Stops the run after the iteration in progress when aborted: the state is saved (given a
   * `checkpoint`) and the promise rejects with the signal's reason.
   */
  readonly signal?: AbortSignal;
}

/** What {@linkcode distillStudent} returns. */
export interface DistilledStudent {
  /** The student's EMA as a model (the network Di[M]O evaluates); the caller disposes it. */
  readonly student: Transformer;
  /**
   * `auxLoss` and `gSquared` (see {@linkcode StepReport}) every `curveEvery` iterations, over
   * the whole run, resumed iterations included.
   */
  readonly curve: readonly CurvePoint[];
  /** The iteration the run went on from: 0 for a fresh run. */
  readonly resumedFrom: number;
  /**
   * Wall-clock seconds of the run's iterations, those of the runs it resumed included (as far as
   * their state file recorded them).
   */
  readonly seconds: number;
}

/**
 * Distils `teacher` for `iterations` and returns the student's EMA with the training curve.
 *
 * One iteration is kept in flight: the next is called before this one's report is awaited, and
 * {@linkcode distillStep} starts it once this one has queued all its work, so the run computes
 * what awaiting every iteration computes while this one's last read-back overlaps the next one's
 * host work. A stop (`signal`) lets the iteration in flight finish, saves the state and throws.
 *
 * @param teacher The trained teacher; borrowed, never updated.
 * @param config A configuration from {@linkcode resolveDistillConfig}.
 * @param options Iterations, seed, the state file and its cadence, the curve's cadence, the
 *   progress label and reporter, and an abort signal.
 * @returns The EMA student, the curve and the iteration resumed from.
 * @throws {RangeError} If `iterations` is not an integer ≥ 0, a cadence not one ≥ 1, or the
 *   state file is further along than `iterations`.
 * @throws {CheckpointMismatchError} If the state file belongs to another teacher, configuration or seed.
 *
 * @example Stop a run, then finish it from its state file
 * ```ts
 * import assert from "node:assert";
 * import { createRng, distillStudent, resolveDistillConfig, resolveTransformerConfig, silentProgress, Transformer, useBackend } from "@dimo/dimo";
 * await useBackend("cpu");
 * const teacher = new Transformer(
 *   resolveTransformerConfig({ codebookSize: 4, numClasses: 2, seqLen: 4, width: 8, heads: 2, layers: 1 }),
 *   { rng: createRng(0) },
 * );
 * const config = resolveDistillConfig({ batch: 4 });
 * await Deno.mkdir(".tmp", { recursive: true });
 * const dir = await Deno.makeTempDir({ dir: ".tmp" });
 * const options = { iterations: 4, seed: 1, curveEvery: 1, progress: silentProgress };
 * const controller = new AbortController();
 * const stopAfterTwo = (update: { done: number }) => update.done === 2 && controller.abort();
 * await assert.rejects(distillStudent(teacher, config, {
 *   ...options, checkpoint: `${dir}/state.safetensors`, progress: stopAfterTwo, signal: controller.signal,
 * }));
 * const resumed = await distillStudent(teacher, config, { ...options, checkpoint: `${dir}/state.safetensors` });
 * assert.equal(resumed.resumedFrom, 3); // the iteration in flight when the stop came finished
 * assert.deepEqual(resumed.curve.map((p) => p.iteration), [1, 2, 3, 4]);
 * const straight = await distillStudent(teacher, config, options);
 * assert.deepEqual(resumed.curve, straight.curve);
 * [resumed.student, straight.student, teacher].forEach((m) => m.dispose());
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function distillStudent(
  teacher: Transformer,
  config: DistillConfig,
  options: DistillLoopOptions,
): Promise<DistilledStudent> {
  const { iterations, seed, checkpoint, checkpointEvery = 100, curveEvery = 10, signal } = options;
  const action = "distil the student";
  checkInteger(action, "iterations", iterations, 0);
  checkInteger(action, "checkpointEvery", checkpointEvery, 1);
  checkInteger(action, "curveEvery", curveEvery, 1);
  const state = await startOrResume(teacher, config, seed, checkpoint, options.conditioning);
  try {
    if (state.iteration > iterations) {
      const rule = `at least the state file's ${state.iteration} iterations ("${checkpoint}")`;
      throw new RangeError(errorMessage(action, "iterations", rule, iterations));
    }
    const resumedFrom = state.iteration;
    const progress = new Progress(options.label ?? "Di[M]O", iterations, {
      unit: "iterations",
      from: resumedFrom,
      reporter: options.progress,
    });
    signal?.throwIfAborted();
    // One iteration in flight: the next is queued before this one's report is awaited, except
    // where a checkpoint must hold this iteration's weights, and once a stop is requested (the one
    // in flight then finishes, and is saved).
    let next = resumedFrom < iterations ? distillStep(state) : undefined;
    for (let i = resumedFrom + 1; i <= iterations; i++) {
      const current = next!;
      const saves = checkpoint !== undefined && (i % checkpointEvery === 0 || i === iterations);
      next = i < iterations && !saves && !signal?.aborted ? distillStep(state) : undefined;
      next?.catch(() => {}); // should `current` fail, its error is the one thrown
      const { auxLoss, gSquared } = await current;
      if (i % curveEvery === 0) state.curve.push({ iteration: i, auxLoss, gSquared });
      progress.tick(i, { auxLoss, gSquared }); // a reporter may abort the run
      const stopping = await stopRequested(signal);
      if (stopping && next !== undefined) continue;
      if (checkpoint !== undefined && (saves || stopping)) await saveDistillCheckpoint(checkpoint, state);
      signal?.throwIfAborted();
      next ??= i < iterations ? distillStep(state) : undefined;
    }
    return {
      student: state.studentEmaModel(),
      curve: state.curve.slice(),
      resumedFrom,
      seconds: state.seconds,
    };
  } finally {
    state.dispose();
  }
}

/** A fresh state, or the one the state file holds. */
async function startOrResume(
  teacher: Transformer,
  config: DistillConfig,
  seed: number,
  checkpoint: string | undefined,
  conditioning: DistillConditioning | undefined,
): Promise<DistillState> {
  if (checkpoint !== undefined) {
    try {
      return await loadDistillCheckpoint(checkpoint, { teacher, config, seed, conditioning });
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
  }
  return createDistillState(teacher, config, seed, conditioning);
}
