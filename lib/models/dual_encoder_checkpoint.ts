/**
 * A {@linkcode DualEncoder} on disk: its weights as safetensors, its configuration in the file's
 * metadata, written atomically, so every evaluation scores with the same encoder and the teacher
 * loads the same text tower.
 *
 * @module
 */
import { type ConfiguredFile, loadConfigured, saveConfigured } from "../io/configured.ts";
import { DualEncoder, type DualEncoderConfig, resolveDualEncoderConfig } from "./dual_encoder.ts";

const FILE: ConfiguredFile<DualEncoderConfig> = {
  key: "dimo.dual_encoder",
  resolve: resolveDualEncoderConfig,
};

/**
 * Writes a dual encoder's weights and configuration to one safetensors file, atomically.
 *
 * @param path The file to write; its directory must exist.
 * @param encoder The encoder.
 * @param metadata More strings to store (role, validation rates, …).
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { createRng, DualEncoder, loadDualEncoder, resolveDualEncoderConfig, saveDualEncoder, useBackend } from "@dimo/dimo";
 * await useBackend("cpu");
 * const config = resolveDualEncoderConfig({ channels: [2, 2], featureWidth: 4, embedWidth: 4, text: { width: 8, layers: 1 } });
 * const encoder = new DualEncoder(config, { rng: createRng(0) });
 * await Deno.mkdir(".tmp", { recursive: true });
 * const dir = await Deno.makeTempDir({ dir: ".tmp" });
 * await saveDualEncoder(`${dir}/hps.safetensors`, encoder, { role: "hps" });
 * const loaded = await loadDualEncoder(`${dir}/hps.safetensors`, { expected: config });
 * assert.deepEqual(loaded.config, config);
 * [encoder, loaded].forEach((e) => e.dispose());
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function saveDualEncoder(
  path: string,
  encoder: DualEncoder,
  metadata: Record<string, string> = {},
): Promise<void> {
  await saveConfigured(path, encoder.namedWeights(), { key: FILE.key, config: encoder.config, metadata });
}

/**
 * Loads a dual encoder written by {@linkcode saveDualEncoder}.
 *
 * @param path The file to read.
 * @param options `expected`: the configuration the caller needs; any difference is an error.
 * @returns The encoder; the caller disposes it.
 * @throws {CheckpointMismatchError} If the stored configuration differs from `expected`.
 * @throws {TypeError} If the file has no configuration, or a weight is missing or mis-shaped.
 */
export async function loadDualEncoder(
  path: string,
  options: { readonly expected?: DualEncoderConfig } = {},
): Promise<DualEncoder> {
  return await loadConfigured(
    path,
    FILE,
    (config, weights) => new DualEncoder(config, { weights }),
    options.expected,
  );
}
