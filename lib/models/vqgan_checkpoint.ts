/**
 * A {@linkcode Vqgan} on disk: its weights as safetensors under the official state-dict names,
 * its configuration in the file's metadata under `dimo.vqgan`, written atomically. A converted
 * official checkpoint (`vqgan_imagenet_f16_1024`: convolutions transposed to `[kh, kw, in, out]`,
 * the `loss.*` tensors left out) loads with one call.
 *
 * @module
 */
import { type ConfiguredFile, loadConfigured, saveConfigured } from "../io/configured.ts";
import { Vqgan } from "./vqgan.ts";
import { resolveVqganConfig, type VqganConfig } from "./vqgan_config.ts";

const FILE: ConfiguredFile<VqganConfig> = { key: "dimo.vqgan", resolve: resolveVqganConfig };

/**
 * Writes a VQGAN's weights and configuration to one safetensors file, atomically.
 *
 * @param path The file to write; its directory must exist.
 * @param model The VQGAN.
 * @param metadata More strings to store (source, licence, …).
 *
 * @example Save a tiny VQGAN and load it back
 * ```ts
 * import assert from "node:assert";
 * import { createRng, loadVqgan, resolveVqganConfig, saveVqgan, useBackend, Vqgan } from "@dimo/dimo";
 * await useBackend("cpu");
 * const config = resolveVqganConfig({
 *   channels: 32, channelMultipliers: [1, 2], resBlocks: 1, resolution: 16, attentionResolutions: [],
 *   latentChannels: 4, embedDim: 4, codebookSize: 8,
 * });
 * const model = new Vqgan(config, { rng: createRng(0) });
 * await Deno.mkdir(".tmp", { recursive: true });
 * const dir = await Deno.makeTempDir({ dir: ".tmp" });
 * await saveVqgan(`${dir}/vqgan.safetensors`, model, { source: "test" });
 * const loaded = await loadVqgan(`${dir}/vqgan.safetensors`, { expected: config });
 * assert.deepEqual(loaded.config, config);
 * [model, loaded].forEach((m) => m.dispose());
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function saveVqgan(
  path: string,
  model: Vqgan,
  metadata: Record<string, string> = {},
): Promise<void> {
  await saveConfigured(path, model.namedWeights(), { key: FILE.key, config: model.config, metadata });
}

/**
 * Loads a VQGAN written by {@linkcode saveVqgan}, or a converted official checkpoint: a
 * safetensors file holding exactly the tensors {@linkcode vqganParameterShapes} lists, as
 * float32, and the configuration as JSON under the metadata key `dimo.vqgan`.
 *
 * @param path The file to read.
 * @param options `expected`: the configuration the caller needs; any difference is an error.
 * @returns The model; the caller disposes it.
 * @throws {CheckpointMismatchError} If the stored configuration differs from `expected`.
 * @throws {TypeError} If the file has no configuration, or a tensor is missing, extra or
 *   mis-shaped (the message names it and the expected shape).
 * @throws {RangeError} If the stored configuration is invalid.
 */
export async function loadVqgan(
  path: string,
  options: { readonly expected?: VqganConfig } = {},
): Promise<Vqgan> {
  return await loadConfigured(
    path,
    FILE,
    (config, weights) => new Vqgan(config, { weights }),
    options.expected,
  );
}
