/**
 * A teacher trained by an experiment, on disk with how it was trained (seed, settings, loss
 * curve), so that a run started again into the same output directory reuses it — and only when
 * it was trained the way this run would train it.
 *
 * @module
 */
import { CheckpointMismatchError, decodeSafetensors, firstConfigDifference } from "../lib/io/mod.ts";
import {
  loadTransformer,
  saveTransformer,
  type Transformer,
  type TransformerConfig,
} from "../lib/models/mod.ts";
import type { CurvePoint } from "../lib/progress/mod.ts";

const TRAINING_KEY = "dimo.teacher.training";
const CURVE_KEY = "dimo.teacher.curve";

/** How a teacher was trained: what a reuse must match. */
export interface TeacherRecord {
  /** The experiment's seed. */
  readonly seed: number;
  /** The training settings (iterations, batch, learning rate, …). */
  readonly settings: Readonly<Record<string, unknown>>;
}

/**
 * Saves a trained teacher (atomically) with its record and loss curve.
 *
 * @param path The file.
 * @param teacher The network.
 * @param options Its record, its curve and more metadata strings.
 */
export async function saveTrainedTeacher(
  path: string,
  teacher: Transformer,
  options: {
    readonly record: TeacherRecord;
    readonly curve: readonly CurvePoint[];
    readonly metadata?: Record<string, string>;
  },
): Promise<void> {
  await saveTransformer(path, teacher, {
    ...options.metadata,
    [TRAINING_KEY]: JSON.stringify(options.record),
    [CURVE_KEY]: JSON.stringify(options.curve),
  });
}

/**
 * Loads a teacher saved by {@linkcode saveTrainedTeacher}, after checking its architecture and
 * how it was trained.
 *
 * @param path The file.
 * @param expected The architecture and the record this run would train with.
 * @returns The teacher (the caller disposes it) and its loss curve.
 * @throws {CheckpointMismatchError} Naming the first field that differs (`seed`, `settings.iterations`, an
 *   architecture field).
 */
export async function loadTrainedTeacher(
  path: string,
  expected: { readonly config: TransformerConfig; readonly record: TeacherRecord },
): Promise<{ teacher: Transformer; curve: CurvePoint[] }> {
  const { metadata } = decodeSafetensors(await Deno.readFile(path));
  const saved = metadata[TRAINING_KEY] === undefined ? {} : JSON.parse(metadata[TRAINING_KEY]);
  const diff = firstConfigDifference(expected.record, saved);
  if (diff) throw new CheckpointMismatchError(path, diff.field, diff.expected, diff.actual);
  const teacher = await loadTransformer(path, { expected: expected.config });
  return { teacher, curve: JSON.parse(metadata[CURVE_KEY] ?? "[]") };
}
