/**
 * safetensors files of tfjs tensors: written atomically, read with errors that name the file.
 *
 * @module
 */
import type * as tf from "../backend/tf.ts";
import { writeFileAtomic } from "./atomic.ts";
import { makeTensors } from "./_tf_values.ts";
import { type DecodedSafetensors, SafetensorsError } from "./safetensors.ts";
import { decodeSafetensors } from "./safetensors_decode.ts";
import { type LoadedSafetensors, tensorsToSafetensors } from "./safetensors_tf.ts";

/** Options of {@linkcode saveSafetensors}. */
export interface SaveSafetensorsOptions {
  /** Strings stored under `__metadata__`. @default {undefined} (none stored) */
  metadata?: Record<string, string>;
}

/**
 * Saves tfjs tensors to a safetensors file, atomically (see {@linkcode writeFileAtomic}).
 *
 * @param path The file to create or replace; its directory must exist.
 * @param tensors The tensors by name (float32, int32 or bool); they are not disposed.
 * @param options The `metadata` to store.
 * @returns When the file is in place.
 * @throws {TypeError} If a tensor's dtype or a metadata value is unsupported (nothing is written).
 * @throws {Deno.errors.NotFound} If the directory does not exist.
 *
 * @example Save and load a tensor
 * ```ts
 * import assert from "node:assert";
 * import { loadSafetensors, saveSafetensors, tf, useBackend } from "@dimo/dimo";
 * await useBackend("cpu");
 * await Deno.mkdir(".tmp", { recursive: true });
 * const dir = await Deno.makeTempDir({ dir: ".tmp" });
 * const w = tf.tensor1d([0.25, 4]);
 * await saveSafetensors(`${dir}/student.safetensors`, { w }, { metadata: { role: "student" } });
 * w.dispose();
 * const { tensors, metadata } = await loadSafetensors(`${dir}/student.safetensors`);
 * assert.deepEqual(Array.from(tensors.w.dataSync()), [0.25, 4]);
 * assert.equal(metadata.role, "student");
 * tensors.w.dispose();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function saveSafetensors(
  path: string,
  tensors: Record<string, tf.Tensor>,
  options: SaveSafetensorsOptions = {},
): Promise<void> {
  await writeFileAtomic(path, await tensorsToSafetensors(tensors, options.metadata));
}

/**
 * Loads a safetensors file as tfjs tensors (see {@linkcode safetensorsToTensors} for the dtypes).
 *
 * @param path The file.
 * @returns New tensors by name (the caller disposes them) and the `__metadata__` strings.
 * @throws {SafetensorsError} If the file is malformed; the message names `path` and the byte.
 * @throws {RangeError} If a value does not fit its tfjs dtype; the message names `path`.
 * @throws {Deno.errors.NotFound} If there is no such file.
 *
 * @example Report a malformed file
 * ```ts
 * import assert from "node:assert";
 * import { loadSafetensors, SafetensorsError } from "@dimo/dimo";
 * await Deno.mkdir(".tmp", { recursive: true });
 * const dir = await Deno.makeTempDir({ dir: ".tmp" });
 * await Deno.writeFile(`${dir}/bad.safetensors`, new Uint8Array([1, 2, 3]));
 * await assert.rejects(loadSafetensors(`${dir}/bad.safetensors`), SafetensorsError);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function loadSafetensors(path: string): Promise<LoadedSafetensors> {
  const bytes = await Deno.readFile(path);
  let decoded: DecodedSafetensors;
  try {
    decoded = decodeSafetensors(bytes);
  } catch (error) {
    if (!(error instanceof SafetensorsError)) throw error;
    throw new SafetensorsError(error.problem, { offset: error.offset, path, cause: error });
  }
  return makeTensors(decoded, path);
}
