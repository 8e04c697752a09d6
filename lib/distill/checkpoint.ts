/**
 * A distillation run on disk, for exact resume: student, aux, EMA and both optimisers' moments
 * as safetensors; the seed, iteration, random streams' states and curve, the configuration, the
 * teacher's architecture and a SHA-256 of the teacher's weights in the metadata — one file,
 * written atomically. Loading it refuses another seed, configuration or teacher.
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
import { type DistillConfig, resolveDistillConfig } from "./config.ts";
import { resolveTransformerConfig } from "../models/config.ts";
import {
  type DistillConditioning,
  type DistillState,
  type DistillStateJson,
  restoreDistillState,
} from "./state.ts";
import { teacherSha256 } from "./_teacher_hash.ts";

const STATE_KEY = "dimo.distill.state";
const CONFIG_KEY = "dimo.distill.config";
const TEACHER_KEY = "dimo.distill.teacher";
const TEACHER_HASH_KEY = "dimo.distill.teacherSha256";

/**
 * The teacher's hash of each run, computed once: a run never updates its teacher, and hashing
 * reads every teacher weight back, which a save every few iterations need not repeat.
 */
const teacherHashes = new WeakMap<DistillState, Promise<string>>();

function teacherHashOf(state: DistillState): Promise<string> {
  let hash = teacherHashes.get(state);
  if (hash === undefined) teacherHashes.set(state, hash = teacherSha256(state.teacher));
  return hash;
}

/**
 * Writes a checkpoint of a distillation run. Its first save reads the teacher's weights back to
 * hash them.
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
 * const resumed = await loadDistillCheckpoint(`${dir}/run.safetensors`, { teacher, config, seed: 1 });
 * assert.equal(resumed.iteration, 1);
 * [state, resumed, teacher].forEach((x) => x.dispose());
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function saveDistillCheckpoint(path: string, state: DistillState): Promise<void> {
  const hash = await teacherHashOf(state);
  const tensors = state.stateTensors();
  try {
    await saveSafetensors(path, tensors, {
      metadata: {
        [STATE_KEY]: JSON.stringify(state.stateJson()),
        [CONFIG_KEY]: stringifyConfigJson(state.config, 0),
        [TEACHER_KEY]: stringifyConfigJson(state.teacher.config, 0),
        [TEACHER_HASH_KEY]: hash,
      },
    });
  } finally {
    tf.dispose(Object.values(tensors));
  }
}

/** The run a checkpoint must belong to, for {@linkcode loadDistillCheckpoint}. */
export interface DistillCheckpointExpected {
  /** The teacher of the run (borrowed): its architecture and the hash of its weights must match. */
  readonly teacher: Transformer;
  /** The run's configuration; it must equal the saved one. */
  readonly config: DistillConfig;
  /** The run's seed; it must equal the saved one. */
  readonly seed: number;
  /** The prompts of a run whose teacher reads them (see {@linkcode createDistillState}). */
  readonly conditioning?: DistillConditioning;
}

/**
 * Resumes a run from {@linkcode saveDistillCheckpoint}: the next `distillStep` gives the numbers
 * the saved run would have given. A checkpoint of another run is refused, naming the first field
 * that differs: `teacher.<field>` (architecture), `teacherSha256` (the teacher's weights), a
 * configuration field, or `seed`.
 *
 * @param path The checkpoint file.
 * @param expected The teacher, configuration and seed of the run to resume.
 * @returns The restored state; the caller disposes it.
 * @throws {CheckpointMismatchError} If the saved teacher, configuration or seed differs.
 * @throws {TypeError} If the file lacks the run's metadata or a tensor.
 *
 * @example A checkpoint of another seed or batch is refused; one saved without recomputation resumes with it
 * ```ts
 * import assert from "node:assert";
 * import { CheckpointMismatchError, createDistillState, createRng, loadDistillCheckpoint, resolveDistillConfig, resolveTransformerConfig, saveDistillCheckpoint, Transformer, useBackend } from "@dimo/dimo";
 * await useBackend("cpu");
 * const teacher = new Transformer(
 *   resolveTransformerConfig({ codebookSize: 4, numClasses: 2, seqLen: 4, width: 8, heads: 2, layers: 1 }),
 *   { rng: createRng(0) },
 * );
 * const config = resolveDistillConfig({ batch: 2 });
 * const state = createDistillState(teacher, config, 5);
 * await Deno.mkdir(".tmp", { recursive: true });
 * const dir = await Deno.makeTempDir({ dir: ".tmp" });
 * await saveDistillCheckpoint(`${dir}/run.safetensors`, state);
 * await assert.rejects(
 *   loadDistillCheckpoint(`${dir}/run.safetensors`, { teacher, config, seed: 6 }),
 *   (error) => error instanceof CheckpointMismatchError && error.field === "seed",
 * );
 * await assert.rejects(
 *   loadDistillCheckpoint(`${dir}/run.safetensors`, { teacher, config: { ...config, batch: 4 }, seed: 5 }),
 *   (error) => error instanceof CheckpointMismatchError && error.field === "batch",
 * );
 * const recomputing = { ...config, recomputeActivations: true };
 * const resumed = await loadDistillCheckpoint(`${dir}/run.safetensors`, { teacher, config: recomputing, seed: 5 });
 * assert.equal(resumed.config.recomputeActivations, true);
 * [state, resumed, teacher].forEach((x) => x.dispose());
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function loadDistillCheckpoint(
  path: string,
  expected: DistillCheckpointExpected,
): Promise<DistillState> {
  const { teacher, config, seed } = expected;
  const { tensors, metadata } = await loadSafetensors(path);
  try {
    for (const key of [STATE_KEY, CONFIG_KEY, TEACHER_KEY, TEACHER_HASH_KEY]) {
      if (metadata[key] === undefined) {
        throw new TypeError(`Cannot load checkpoint "${path}" as it has no '${key}' metadata`);
      }
    }
    const json = JSON.parse(metadata[STATE_KEY]) as DistillStateJson;
    const hash = await teacherSha256(teacher);
    const checks = [
      // Resolved, so that settings added since the file was written compare at their defaults.
      ["teacher.", teacher.config, resolveTransformerConfig(parseConfigJson(metadata[TEACHER_KEY]))],
      ["", { teacherSha256: hash }, { teacherSha256: metadata[TEACHER_HASH_KEY] }],
      // Recomputing activations changes the memory a step takes, not the step.
      ["", config, {
        ...resolveDistillConfig(parseConfigJson(metadata[CONFIG_KEY])),
        recomputeActivations: config.recomputeActivations,
      }],
      ["", { seed }, { seed: json.seed }],
    ] as const;
    for (const [prefix, wanted, saved] of checks) {
      const diff = firstConfigDifference(wanted, saved);
      if (diff) throw new CheckpointMismatchError(path, prefix + diff.field, diff.expected, diff.actual);
    }
    const state = await restoreDistillState(teacher, { config, tensors, json }, expected.conditioning);
    teacherHashes.set(state, Promise.resolve(hash));
    return state;
  } finally {
    tf.dispose(Object.values(tensors));
  }
}
