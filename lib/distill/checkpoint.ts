/**
 * A distillation run on disk, for exact resume: student, aux, EMA and both optimisers' moments
 * as safetensors, with the iteration, the random streams' states and the configuration in the
 * metadata — one file, written atomically.
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
import type { DistillConfig } from "./config.ts";
import { type DistillState, type DistillStateJson, restoreDistillState } from "./state.ts";

const STATE_KEY = "dimo.distill.state";
const CONFIG_KEY = "dimo.distill.config";
const TEACHER_KEY = "dimo.distill.teacher";

/**
 * Writes a checkpoint of a distillation run.
 *
 * @param path The file to write (atomically).
 * @param state The run.
 *
 * @example Resume a run from disk
 * ```ts
 * import assert from "node:assert";
 * import { createDistillState, createRng, distillStep, loadDistillCheckpoint, resolveDistillConfig, resolveTransformerConfig, saveDistillCheckpoint, Transformer, useBackend } from "@dimo/dimo";
 * await useBackend("cpu");
 * const teacher = new Transformer(
 *   resolveTransformerConfig({ codebookSize: 4, numClasses: 2, seqLen: 4, width: 8, heads: 2, layers: 1 }),
 *   { rng: createRng(0) },
 * );
 * const config = resolveDistillConfig({ batch: 2 });
 * const state = createDistillState(teacher, config, 1);
 * await distillStep(state);
 * await Deno.mkdir(".tmp", { recursive: true });
 * const dir = await Deno.makeTempDir({ dir: ".tmp" });
 * await saveDistillCheckpoint(`${dir}/run.safetensors`, state);
 * const resumed = await loadDistillCheckpoint(`${dir}/run.safetensors`, teacher, config);
 * assert.equal(resumed.iteration, 1);
 * [state, resumed, teacher].forEach((x) => x.dispose());
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function saveDistillCheckpoint(path: string, state: DistillState): Promise<void> {
  const tensors = state.stateTensors();
  try {
    await saveSafetensors(path, tensors, {
      metadata: {
        [STATE_KEY]: JSON.stringify(state.stateJson()),
        [CONFIG_KEY]: stringifyConfigJson(state.config, 0),
        [TEACHER_KEY]: stringifyConfigJson(state.teacher.config, 0),
      },
    });
  } finally {
    tf.dispose(Object.values(tensors));
  }
}

/**
 * Resumes a run from {@linkcode saveDistillCheckpoint}: the next `distillStep` gives the numbers
 * the saved run would have given.
 *
 * @param path The checkpoint file.
 * @param teacher The teacher of the saved run (borrowed).
 * @param config The run's configuration; it must equal the saved one.
 * @returns The restored state; the caller disposes it.
 * @throws {CheckpointMismatchError} If the saved configuration or teacher shape differs.
 * @throws {TypeError} If the file lacks the run's metadata or a tensor.
 */
export async function loadDistillCheckpoint(
  path: string,
  teacher: Transformer,
  config: DistillConfig,
): Promise<DistillState> {
  const { tensors, metadata } = await loadSafetensors(path);
  try {
    for (const key of [STATE_KEY, CONFIG_KEY, TEACHER_KEY]) {
      if (metadata[key] === undefined) {
        throw new TypeError(`Cannot load checkpoint "${path}" as it has no '${key}' metadata`);
      }
    }
    const checks = [
      ["", config, parseConfigJson(metadata[CONFIG_KEY])],
      ["teacher.", teacher.config, parseConfigJson(metadata[TEACHER_KEY])],
    ] as const;
    for (const [prefix, expected, saved] of checks) {
      const diff = firstConfigDifference(expected, saved);
      if (diff) throw new CheckpointMismatchError(path, prefix + diff.field, diff.expected, diff.actual);
    }
    const json = JSON.parse(metadata[STATE_KEY]) as DistillStateJson;
    return await restoreDistillState(teacher, { config, tensors, json });
  } finally {
    tf.dispose(Object.values(tensors));
  }
}
