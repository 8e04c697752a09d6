/**
 * A model on disk: named tensors as safetensors, with the model's configuration as JSON in the
 * file's metadata under one key, written atomically; on load the configuration is resolved and,
 * when expected, compared field by field before any model is built.
 *
 * @module
 */
import * as tf from "../backend/tf.ts";
import {
  CheckpointMismatchError,
  firstConfigDifference,
  parseConfigJson,
  stringifyConfigJson,
} from "./json.ts";
import { loadSafetensors, saveSafetensors } from "./safetensors_file.ts";

/** Where and how a configuration travels in a file's metadata. */
export interface ConfiguredFile<C> {
  /** The metadata key holding the configuration, e.g. `dimo.transformer`. */
  readonly key: string;
  /** Fills defaults and validates a configuration read back. */
  readonly resolve: (config: C) => C;
}

/**
 * Writes tensors with their configuration in the metadata, atomically.
 *
 * @param path The file to write.
 * @param tensors The named tensors.
 * @param options The metadata key, the configuration, and more metadata strings to store.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { loadConfigured, saveConfigured, tf, useBackend } from "@dimo/dimo";
 * await useBackend("cpu");
 * await Deno.mkdir(".tmp", { recursive: true });
 * const path = `${await Deno.makeTempDir({ dir: ".tmp" })}/w.safetensors`;
 * const file = { key: "demo.config", resolve: (c: { size: number }) => c };
 * await saveConfigured(path, { w: tf.zeros([2]) }, { key: file.key, config: { size: 2 } });
 * const size = await loadConfigured(path, file, (config, tensors) => config.size + tensors.w.size);
 * assert.equal(size, 4);
 * ```
 */
export async function saveConfigured(
  path: string,
  tensors: Readonly<Record<string, tf.Tensor>>,
  options: { readonly key: string; readonly config: unknown; readonly metadata?: Record<string, string> },
): Promise<void> {
  const { key, config, metadata = {} } = options;
  await saveSafetensors(path, tensors, { metadata: { ...metadata, [key]: stringifyConfigJson(config, 0) } });
}

/**
 * Reads a file written by {@linkcode saveConfigured} and builds what it holds; the tensors read
 * are disposed once `build` returns (it must copy what it keeps).
 *
 * @param path The file to read.
 * @param file The metadata key and the configuration's resolver.
 * @param build Makes the model from the resolved configuration and the tensors.
 * @param expected The configuration the caller needs, if any.
 * @returns What `build` returned.
 * @throws {TypeError} If the metadata has no configuration under the key.
 * @throws {CheckpointMismatchError} If the configuration differs from `expected`.
 */
export async function loadConfigured<C, T>(
  path: string,
  file: ConfiguredFile<C>,
  build: (config: C, tensors: Record<string, tf.Tensor>) => T,
  expected?: C,
): Promise<T> {
  const { tensors, metadata } = await loadSafetensors(path);
  try {
    const text = metadata[file.key];
    if (text === undefined) {
      throw new TypeError(`Cannot load checkpoint "${path}" as it has no '${file.key}' metadata`);
    }
    const config = file.resolve(parseConfigJson<C>(text));
    if (expected) {
      const diff = firstConfigDifference(expected, config);
      if (diff) throw new CheckpointMismatchError(path, diff.field, diff.expected, diff.actual);
    }
    return build(config, tensors);
  } finally {
    tf.dispose(Object.values(tensors));
  }
}
