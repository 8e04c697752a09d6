/**
 * The state of a teacher's training on disk: its weights, Adam's moments, the random streams, the
 * iteration and the loss curve, so that a stopped training goes on as an uninterrupted one would.
 *
 * @module
 */
import * as tf from "../backend/tf.ts";
import { loadSafetensors, saveSafetensors } from "../io/safetensors_file.ts";
import {
  CheckpointMismatchError,
  firstConfigDifference,
  parseConfigJson,
  stringifyConfigJson,
} from "../io/json.ts";
import type { Transformer } from "../models/transformer.ts";
import type { Adam } from "../optim/adam.ts";
import type { RngState } from "../rng/mod.ts";
import type { CurvePoint } from "../progress/mod.ts";
import { checkInRange } from "../validate/mod.ts";

const STATE_KEY = "dimo.teacher_training.state";
const CONFIG_KEY = "dimo.teacher_training.config";

/** The JSON half of a teacher-training checkpoint. */
export interface TeacherTrainingJson {
  /** Adam updates done. */
  readonly iteration: number;
  /** The stream of masks, condition drops and dropout, as it was when training started (the run's identity). */
  readonly start: RngState;
  /** The same stream now. */
  readonly steps: RngState;
  /** The stream batches are drawn from, now. */
  readonly batches: RngState;
  /** The loss curve so far. */
  readonly curve: readonly CurvePoint[];
  /**
   * Wall-clock seconds of the iterations so far, over every run that went on from this file
   * (absent from files written before it was kept).
   */
  readonly seconds?: number;
}

/**
 * Writes a training's state atomically: `teacher.<name>` weights, `adam.<key>` moments, the
 * JSON and the architecture in the metadata.
 *
 * @param path The file.
 * @param teacher The network being trained.
 * @param adam Its optimiser.
 * @param json Counters, streams and curve.
 */
export async function saveTeacherTraining(
  path: string,
  teacher: Transformer,
  adam: Adam,
  json: TeacherTrainingJson,
): Promise<void> {
  const weights = Object.entries(teacher.namedWeights()).map(([name, v]) => [`teacher.${name}`, v.clone()]);
  const moments = Object.entries(adam.getState()).map(([key, t]) => [`adam.${key}`, t]);
  const tensors: Record<string, tf.Tensor> = Object.fromEntries([...weights, ...moments]);
  try {
    await saveSafetensors(path, tensors, {
      metadata: { [STATE_KEY]: JSON.stringify(json), [CONFIG_KEY]: stringifyConfigJson(teacher.config, 0) },
    });
  } finally {
    tf.dispose(Object.values(tensors));
  }
}

/**
 * Loads a state written by {@linkcode saveTeacherTraining} into a network and its optimiser, if
 * the file exists.
 *
 * @param path The file.
 * @param teacher The network, of the saved architecture.
 * @param adam Its optimiser.
 * @param start The state the run's step stream starts from: another one means another run.
 * @returns The JSON, or `undefined` when there is no file.
 * @throws {CheckpointMismatchError} If the architecture (`teacher.<field>`) or the run (`seed`) differs.
 */
export async function loadTeacherTraining(
  path: string,
  teacher: Transformer,
  adam: Adam,
  start: RngState,
): Promise<TeacherTrainingJson | undefined> {
  let file;
  try {
    file = await loadSafetensors(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
  const { tensors, metadata } = file;
  try {
    for (const key of [STATE_KEY, CONFIG_KEY]) {
      if (metadata[key] === undefined) {
        throw new TypeError(`Cannot load "${path}" as it has no '${key}' metadata`);
      }
    }
    const diff = firstConfigDifference(teacher.config, parseConfigJson(metadata[CONFIG_KEY]!));
    if (diff) throw new CheckpointMismatchError(path, `teacher.${diff.field}`, diff.expected, diff.actual);
    const json = JSON.parse(metadata[STATE_KEY]!) as TeacherTrainingJson;
    if (json.seconds !== undefined) checkInRange(`load "${path}"`, "seconds", json.seconds, 0, Infinity);
    if (JSON.stringify(json.start) !== JSON.stringify(start)) {
      throw new CheckpointMismatchError(path, "seed", "the run's random stream", "another run's");
    }
    const part = (prefix: string) =>
      Object.fromEntries(
        Object.entries(tensors).filter(([name]) => name.startsWith(prefix)).map((
          [name, t],
        ) => [name.slice(prefix.length), t]),
      );
    teacher.loadWeights(part("teacher."));
    await adam.setState(part("adam."));
    return json;
  } finally {
    tf.dispose(Object.values(tensors));
  }
}
