/**
 * A transformer on disk: its weights as safetensors, its configuration in the file's metadata,
 * written atomically. A teacher trained once is loaded by every later run.
 *
 * @module
 */
import { type ConfiguredFile, loadConfigured, saveConfigured } from "../io/configured.ts";
import { resolveTransformerConfig, type TransformerConfig } from "./config.ts";
import { Transformer } from "./transformer.ts";

const FILE: ConfiguredFile<TransformerConfig> = {
  key: "dimo.transformer",
  resolve: resolveTransformerConfig,
};

/**
 * Writes a model's weights and configuration to one safetensors file, atomically.
 *
 * @param path The file to write.
 * @param model The model.
 * @param metadata More strings to store (role, training steps, …).
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { createRng, loadTransformer, resolveTransformerConfig, saveTransformer, Transformer, useBackend } from "@dimo/dimo";
 * await useBackend("cpu");
 * const config = resolveTransformerConfig({ codebookSize: 4, numClasses: 2, seqLen: 3, width: 8, heads: 2, layers: 1 });
 * const model = new Transformer(config, { rng: createRng(0) });
 * await Deno.mkdir(".tmp", { recursive: true });
 * const dir = await Deno.makeTempDir({ dir: ".tmp" });
 * await saveTransformer(`${dir}/teacher.safetensors`, model);
 * const loaded = await loadTransformer(`${dir}/teacher.safetensors`, { expected: config });
 * assert.deepEqual(loaded.config, config);
 * [model, loaded].forEach((m) => m.dispose());
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function saveTransformer(
  path: string,
  model: Transformer,
  metadata: Record<string, string> = {},
): Promise<void> {
  await saveConfigured(path, model.namedWeights(), { key: FILE.key, config: model.config, metadata });
}

/**
 * Loads a model written by {@linkcode saveTransformer}.
 *
 * @param path The file to read.
 * @param options `expected`: the configuration the caller needs; any difference is an error.
 * @returns The model; the caller disposes it.
 * @throws {CheckpointMismatchError} If the stored configuration differs from `expected`.
 * @throws {TypeError} If the file has no configuration, or a weight is missing or mis-shaped.
 */
export async function loadTransformer(
  path: string,
  options: { readonly expected?: TransformerConfig } = {},
): Promise<Transformer> {
  return await loadConfigured(
    path,
    FILE,
    (config, weights) => new Transformer(config, { weights }),
    options.expected,
  );
}
