/**
 * Everything a distillation run carries from one iteration to the next: the three networks, the
 * student's EMA, both optimisers, the random streams and the iteration counter — and its
 * checkpoint form, a flat record of named tensors plus a small JSON.
 *
 * @module
 */
import * as tf from "../backend/tf.ts";
import { checkWasmHeapFits } from "../backend/wasm_heap.ts";
import { createRng, restoreRng, type Rng, type RngState } from "../rng/mod.ts";
import { Transformer } from "../models/transformer.ts";
import { Adam } from "../optim/adam.ts";
import { Ema } from "../optim/ema.ts";
import { createDivergence } from "../divergence/registry.ts";
import type { Divergence } from "../divergence/types.ts";
import { createMaskSchedule, type MaskSchedule } from "../masking/schedules.ts";
import type { CurvePoint } from "../progress/mod.ts";
import { checkInRange, checkInteger, errorMessage } from "../validate/mod.ts";
import type { DistillConfig } from "./config.ts";

/**
 * The parameters Di[M]O keeps at the teacher's values in the student and the aux model
 * (`fix_emb_layer`): with MaskGIT's tied head, freezing `tok_emb` freezes the output projection
 * too; an untied head is frozen whole, like Meissonic's `mlm_layer`.
 */
const FROZEN_PARAMETERS = ["tok_emb", "pos_emb", "head"] as const;

/**
 * What a run conditions on when its teacher reads prompts: Meissonic is distilled from prompts
 * alone (no images), with the teacher guided against the null prompt or a negative prompt.
 */
export interface DistillConditioning {
  /**
   * Draws B prompts as ids, int32 `[B, P]`, from the given stream (the run's, so a resumed run
   * draws what an uninterrupted one would). Required for a teacher with a text encoder; a class
   * teacher's labels are drawn uniformly instead.
   */
  readonly prompts?: (batch: number, rng: Rng) => tf.Tensor2D;
  /**
   * The prompt ids of the teacher's unconditional pass in guidance: a negative prompt (the
   * official Meissonic distillation's `distil_neg_prompt`).
   * @default {the teacher's null prompt}
   */
  readonly negativePrompt?: ArrayLike<number>;
}

/** The random streams of a run: one per half of an iteration, so that one does not shift the other. */
export interface DistillRngs {
  /** Draws of the student step: `xInit`, labels, noise, x_θ, masks and dropout. */
  readonly student: Rng;
  /** Draws of the aux step, on its fresh batch. */
  readonly aux: Rng;
}

/**
 * The JSON half of a checkpoint: the seed, the counters, the random streams and the curve (see
 * {@linkcode DistillState.stateJson}).
 */
export interface DistillStateJson {
  /** The seed the run started from. */
  readonly seed: number;
  /** Iterations completed. */
  readonly iteration: number;
  /** Updates the student's EMA has applied. */
  readonly emaUpdates: number;
  /** The state of each random stream. */
  readonly rng: { readonly student: RngState; readonly aux: RngState };
  /** The training curve logged so far. */
  readonly curve: readonly CurvePoint[];
  /**
   * Wall-clock seconds of the iterations so far, over every run that went on from this state
   * (absent from files written before it was kept).
   */
  readonly seconds?: number;
}

/** What {@linkcode restoreDistillState} resumes from. */
export interface SavedDistillState {
  /** The run's configuration, as resolved by {@linkcode resolveDistillConfig}. */
  readonly config: DistillConfig;
  /** Named tensors from {@linkcode DistillState.stateTensors}. */
  readonly tensors: Readonly<Record<string, tf.Tensor>>;
  /** Counters and random streams from {@linkcode DistillState.stateJson}. */
  readonly json: DistillStateJson;
}

/**
 * The state of a distillation run. The teacher φ is borrowed (it stays the caller's and is never
 * updated); the student θ (the paper's generator) and the aux model ψ start as copies of it and,
 * with the EMA and both optimisers, belong to this object: call {@linkcode DistillState.dispose}.
 */
export class DistillState {
  /** The resolved configuration. */
  readonly config: DistillConfig;
  /** φ: the frozen teacher, only ever evaluated. */
  readonly teacher: Transformer;
  /** θ: the one-step student. */
  readonly student: Transformer;
  /** ψ: the aux model, which learns the distribution of the student's samples. */
  readonly aux: Transformer;
  /** The EMA of the student's trainable weights; {@linkcode DistillState.studentEmaModel} builds a model from it. */
  readonly studentEma: Ema;
  /** Adam over the student's trainable weights. */
  readonly studentAdam: Adam;
  /** Adam over the aux model's trainable weights. */
  readonly auxAdam: Adam;
  /** The random streams; {@linkcode DistillState.load} replaces them. */
  rng: DistillRngs;
  /** The divergence of {@linkcode DistillConfig.divergence}. */
  readonly divergence: Divergence;
  /** The mask schedule of {@linkcode DistillConfig.schedule}. */
  readonly schedule: MaskSchedule;
  /** The seed the run started from; {@linkcode DistillState.load} replaces it. */
  seed: number;
  /** Iterations completed; `distillStep` advances it. */
  iteration = 0;
  /**
   * The training curve: the distillation loop appends a point every few iterations, and it is
   * saved and restored with the state, so a resumed run's curve is the whole run's.
   */
  curve: CurvePoint[] = [];
  /** Wall-clock seconds of the iterations so far, resumed runs included; `distillStep` adds to it. */
  seconds = 0;
  /** The prompts of a text-conditioned run and the teacher's negative prompt; empty for a class teacher. */
  readonly conditioning: DistillConditioning;
  /** The names of the student's trainable weights, in the order of the EMA and the optimiser. */
  readonly #studentTrainable: readonly string[];

  /**
   * Builds the networks and optimisers; use {@linkcode createDistillState} or
   * {@linkcode restoreDistillState} rather than calling it directly.
   *
   * @param teacher The teacher, borrowed.
   * @param config A resolved configuration.
   * @param options The random streams, the seed they came from, and the prompts of a text-conditioned run.
   * @throws {TypeError} If a teacher with a text encoder comes without `prompts`, or a class teacher with them.
   */
  constructor(
    teacher: Transformer,
    config: DistillConfig,
    options: { rng: DistillRngs; seed: number; conditioning?: DistillConditioning },
  ) {
    this.conditioning = options.conditioning ?? {};
    checkConditioning(teacher, this.conditioning);
    teacher.checkBatchFits(2 * config.batch); // the guided teacher's pass, the step's largest
    // The teacher, student, aux model, the EMA and two Adam moments a network: eight copies at least.
    checkWasmHeapFits("start a distillation run", 8 * weightBytes(teacher));
    this.config = config;
    this.teacher = teacher;
    this.rng = options.rng;
    this.seed = options.seed;
    this.divergence = createDivergence(config.divergence);
    this.schedule = createMaskSchedule(config.schedule);
    this.student = copyOfTeacher(teacher, config.freezeEmbeddings);
    this.aux = copyOfTeacher(teacher, config.freezeEmbeddings);
    this.#studentTrainable = trainableNames(this.student);
    this.studentEma = new Ema(this.student.trainableVariables(), config.emaDecay);
    this.studentAdam = new Adam(this.student.trainableVariables(), config.studentAdam);
    this.auxAdam = new Adam(this.aux.trainableVariables(), config.auxAdam);
  }

  /**
   * A model with the student's EMA weights (its frozen weights are the student's own): the model
   * Di[M]O evaluates. Apply it without `training` (no dropout).
   *
   * @returns A new {@linkcode Transformer}; the caller disposes it.
   */
  studentEmaModel(): Transformer {
    const weights = { ...this.student.namedWeights(), ...this.#shadowByName() };
    return new Transformer(this.student.config, { weights });
  }

  /** The EMA's averages keyed by the names of the weights they track. */
  #shadowByName(): Record<string, tf.Variable> {
    return Object.fromEntries(this.#studentTrainable.map((name, i) => [name, this.studentEma.shadow[i]]));
  }

  /**
   * The tensor half of a checkpoint: `student.<name>` and `aux.<name>` for every weight,
   * `studentEma.<name>` for every averaged weight, and `studentAdam.<key>` / `auxAdam.<key>` for
   * the optimisers' moments and step counts. Together with {@linkcode DistillState.stateJson}
   * and the config, it resumes the run exactly.
   *
   * @returns New tensors, owned by the caller.
   */
  stateTensors(): Record<string, tf.Tensor> {
    return {
      ...withPrefix("student", cloneAll(this.student.namedWeights())),
      ...withPrefix("aux", cloneAll(this.aux.namedWeights())),
      ...withPrefix("studentEma", cloneAll(this.#shadowByName())),
      ...withPrefix("studentAdam", this.studentAdam.getState()),
      ...withPrefix("auxAdam", this.auxAdam.getState()),
    };
  }

  /**
   * The JSON half of a checkpoint: seed, iteration, EMA update count, the random streams'
   * states and the curve.
   *
   * @returns Plain, JSON-safe data.
   */
  stateJson(): DistillStateJson {
    return {
      seed: this.seed,
      iteration: this.iteration,
      emaUpdates: this.studentEma.updates,
      rng: { student: this.rng.student.state(), aux: this.rng.aux.state() },
      curve: this.curve.map((point) => ({ ...point })),
      seconds: this.seconds,
    };
  }

  /**
   * Loads a checkpoint into this state: weights, EMA, optimiser moments, seed, counters, random
   * streams and curve. Names and counters are checked first; a shape mismatch found later can leave the
   * state partly loaded, so discard it when this throws.
   *
   * @param tensors From {@linkcode DistillState.stateTensors}, for a run of the same config and
   * teacher; they stay the caller's.
   * @param json From {@linkcode DistillState.stateJson}, possibly through `JSON.parse`.
   * @throws {TypeError} If a tensor is missing, unexpected or mis-shaped, or the random streams
   * or the curve are malformed.
   * @throws {RangeError} If the seed is not an integer or a counter not an integer ≥ 0.
   */
  async load(tensors: Readonly<Record<string, tf.Tensor>>, json: DistillStateJson): Promise<void> {
    const action = "restore the distillation state";
    checkInteger(action, "json.seed", json.seed);
    checkInteger(action, "json.iteration", json.iteration, 0);
    checkInteger(action, "json.emaUpdates", json.emaUpdates, 0);
    const curve = checkCurve(action, json.curve);
    if (json.seconds !== undefined) checkInRange(action, "json.seconds", json.seconds, 0, Infinity);
    const rng = { student: restoreRng(json.rng?.student), aux: restoreRng(json.rng?.aux) };
    const groups = splitByPrefix(tensors, ["student", "aux", "studentEma", "studentAdam", "auxAdam"]);
    const shadow: (tf.Tensor | undefined)[] = this.#studentTrainable.map((name) => groups.studentEma[name]);
    const emaNames = Object.keys(groups.studentEma);
    if (shadow.includes(undefined) || emaNames.length !== shadow.length) {
      const rule = `the student's trainable weights [${this.#studentTrainable.join(", ")}]`;
      throw new TypeError(errorMessage(action, "studentEma", rule, emaNames));
    }
    this.student.loadWeights(groups.student);
    this.aux.loadWeights(groups.aux);
    this.studentEma.restore(shadow as tf.Tensor[], json.emaUpdates);
    await this.studentAdam.setState(groups.studentAdam);
    await this.auxAdam.setState(groups.auxAdam);
    this.seed = json.seed;
    this.iteration = json.iteration;
    this.rng = rng;
    this.curve = curve;
    this.seconds = json.seconds ?? 0;
  }

  /** Frees the student, the aux model, the EMA and the optimisers; the teacher stays the caller's. */
  dispose(): void {
    this.student.dispose();
    this.aux.dispose();
    this.studentEma.dispose();
    this.studentAdam.dispose();
    this.auxAdam.dispose();
  }
}

/** A copy of the teacher to train, with the embeddings and head frozen when asked. */
function copyOfTeacher(teacher: Transformer, freezeEmbeddings: boolean): Transformer {
  const copy = teacher.clone();
  if (freezeEmbeddings) copy.freeze(FROZEN_PARAMETERS);
  return copy;
}

function withPrefix(prefix: string, tensors: Record<string, tf.Tensor>): Record<string, tf.Tensor> {
  return Object.fromEntries(Object.entries(tensors).map(([name, t]) => [`${prefix}.${name}`, t]));
}

function cloneAll(tensors: Record<string, tf.Tensor>): Record<string, tf.Tensor> {
  return Object.fromEntries(Object.entries(tensors).map(([name, t]) => [name, tf.clone(t)]));
}

/**
 * Splits `student.tok_emb.weight`-style names into one record per prefix.
 * @throws {TypeError} If a name has none of the prefixes.
 */
function splitByPrefix(
  tensors: Readonly<Record<string, tf.Tensor>>,
  prefixes: readonly string[],
): Record<string, Record<string, tf.Tensor>> {
  const groups: Record<string, Record<string, tf.Tensor>> = Object.fromEntries(prefixes.map((p) => [p, {}]));
  for (const [key, tensor] of Object.entries(tensors)) {
    const prefix = prefixes.find((p) => key.startsWith(`${p}.`));
    if (prefix === undefined) {
      throw new TypeError(
        errorMessage("restore the distillation state", key, "a known tensor name", tensor.shape),
      );
    }
    groups[prefix][key.slice(prefix.length + 1)] = tensor;
  }
  return groups;
}

/** A copy of a saved curve: an array of points, each with a numeric `iteration`. */
function checkCurve(action: string, curve: unknown): CurvePoint[] {
  const points = Array.isArray(curve) ? curve : undefined;
  const valid = points?.every((p) =>
    typeof p === "object" && p !== null && Object.values(p).every((v) => typeof v === "number") &&
    typeof p.iteration === "number"
  );
  if (!valid) throw new TypeError(errorMessage(action, "json.curve", "an array of curve points", curve));
  return points!.map((p) => ({ ...p }));
}

function trainableNames(model: Transformer): string[] {
  return Object.entries(model.namedWeights()).filter(([, v]) => v.trainable).map(([name]) => name);
}

/**
 * Starts a distillation run: student and aux model copied from the teacher (embeddings and head
 * frozen per the config), the EMA at the student's weights, fresh optimisers, iteration 0.
 *
 * @param teacher The trained teacher; borrowed, never updated, not disposed by the state.
 * @param config A configuration from {@linkcode resolveDistillConfig}.
 * @param seed The run's seed; the student and aux streams are its forks `"student"` and `"aux"`.
 * @param conditioning For a teacher with a text encoder: the prompts to distil from and, optionally,
 * the negative prompt of its guidance.
 * @returns The new state; call `dispose()` when done.
 * @throws {RangeError} If `seed` is not a safe integer.
 *
 * @example Start from a tiny teacher
 * ```ts
 * import assert from "node:assert";
 * import { createDistillState, createRng, resolveDistillConfig, resolveTransformerConfig, Transformer, useBackend } from "@dimo/dimo";
 * await useBackend("cpu");
 * const teacher = new Transformer(
 *   resolveTransformerConfig({ codebookSize: 4, numClasses: 2, seqLen: 4, width: 8, heads: 2, layers: 1 }),
 *   { rng: createRng(0) },
 * );
 * const state = createDistillState(teacher, resolveDistillConfig({ batch: 2 }), 1);
 * assert.equal(state.student.namedWeights()["tok_emb.weight"].trainable, false);
 * assert.equal(state.iteration, 0);
 * state.dispose();
 * teacher.dispose();
 * ```
 */
export function createDistillState(
  teacher: Transformer,
  config: DistillConfig,
  seed: number,
  conditioning?: DistillConditioning,
): DistillState {
  const root = createRng(seed);
  return new DistillState(teacher, config, {
    rng: { student: root.fork("student"), aux: root.fork("aux") },
    seed,
    conditioning,
  });
}

/** The bytes of a model's float32 weights. */
function weightBytes(model: Transformer): number {
  return Object.values(model.namedWeights()).reduce((sum, w) => sum + 4 * w.size, 0);
}

/** Prompts come with, and only with, a teacher that reads them; a negative prompt has P ids. */
function checkConditioning(teacher: Transformer, conditioning: DistillConditioning): void {
  const action = "start a distillation run";
  const { text } = teacher.config;
  const { prompts, negativePrompt } = conditioning;
  if ((text === undefined) !== (prompts === undefined)) {
    const rule = text === undefined
      ? "absent for a class-conditional teacher"
      : "a function drawing prompt ids for the teacher's text encoder";
    throw new TypeError(errorMessage(action, "conditioning.prompts", rule, prompts));
  }
  if (negativePrompt !== undefined && negativePrompt.length !== text?.contextLength) {
    const rule = text === undefined
      ? "absent for a class-conditional teacher"
      : `${text.contextLength} prompt ids`;
    throw new TypeError(errorMessage(action, "conditioning.negativePrompt", rule, negativePrompt));
  }
}

/**
 * Resumes a run from a checkpoint: the same weights, EMA, optimiser moments, random streams and
 * iteration, so the next `distillStep` gives the numbers the saved run would have.
 *
 * @param teacher The teacher the saved run distilled; borrowed.
 * @param saved The config, named tensors and JSON of a checkpoint; the tensors stay the caller's.
 * @param conditioning The prompts of a text-conditioned run (see {@linkcode createDistillState}).
 * @returns The restored state; call `dispose()` when done.
 * @throws {TypeError} If a tensor is missing, unexpected or mis-shaped, or the JSON is malformed.
 *
 * @example Save and resume
 * ```ts
 * import assert from "node:assert";
 * import { createDistillState, createRng, resolveDistillConfig, resolveTransformerConfig, restoreDistillState, tf, Transformer, useBackend } from "@dimo/dimo";
 * await useBackend("cpu");
 * const teacher = new Transformer(
 *   resolveTransformerConfig({ codebookSize: 4, numClasses: 2, seqLen: 4, width: 8, heads: 2, layers: 1 }),
 *   { rng: createRng(0) },
 * );
 * const config = resolveDistillConfig({ batch: 2 });
 * const state = createDistillState(teacher, config, 1);
 * const tensors = state.stateTensors();
 * const resumed = await restoreDistillState(teacher, { config, tensors, json: JSON.parse(JSON.stringify(state.stateJson())) });
 * assert.equal(resumed.rng.aux.next(), state.rng.aux.next());
 * tf.dispose(Object.values(tensors));
 * [state, resumed, teacher].forEach((x) => x.dispose());
 * ```
 */
export async function restoreDistillState(
  teacher: Transformer,
  saved: SavedDistillState,
  conditioning?: DistillConditioning,
): Promise<DistillState> {
  const state = createDistillState(teacher, saved.config, saved.json.seed, conditioning);
  try {
    await state.load(saved.tensors, saved.json);
  } catch (error) {
    state.dispose();
    throw error;
  }
  return state;
}
