/**
 * A {@linkcode Classifier} on disk: its weights as safetensors, its configuration in the file's
 * metadata, written atomically, so every evaluation uses the same feature network.
 *
 * @module
 */
import { type ConfiguredFile, loadConfigured, saveConfigured } from "../io/configured.ts";
import { Classifier, type ClassifierConfig, resolveClassifierConfig } from "./classifier.ts";

const FILE: ConfiguredFile<ClassifierConfig> = { key: "dimo.classifier", resolve: resolveClassifierConfig };

/**
 * Writes a classifier's weights and configuration to one safetensors file, atomically.
 *
 * @param path The file to write; its directory must exist.
 * @param classifier The classifier.
 * @param metadata More strings to store (dataset, test accuracy, …).
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { Classifier, createRng, loadClassifier, resolveClassifierConfig, saveClassifier, useBackend } from "@dimo/dimo";
 * await useBackend("cpu");
 * const config = resolveClassifierConfig({ imageSize: 4, channels: [2, 2], featureWidth: 4 });
 * const classifier = new Classifier(config, { rng: createRng(0) });
 * await Deno.mkdir(".tmp", { recursive: true });
 * const dir = await Deno.makeTempDir({ dir: ".tmp" });
 * await saveClassifier(`${dir}/mnist.safetensors`, classifier, { testAccuracy: "0.99" });
 * const loaded = await loadClassifier(`${dir}/mnist.safetensors`, { expected: config });
 * assert.deepEqual(loaded.config, config);
 * [classifier, loaded].forEach((c) => c.dispose());
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function saveClassifier(
  path: string,
  classifier: Classifier,
  metadata: Record<string, string> = {},
): Promise<void> {
  await saveConfigured(path, classifier.namedWeights(), {
    key: FILE.key,
    config: classifier.config,
    metadata,
  });
}

/**
 * Loads a classifier written by {@linkcode saveClassifier}.
 *
 * @param path The file to read.
 * @param options `expected`: the configuration the caller needs; any difference is an error.
 * @returns The classifier; the caller disposes it.
 * @throws {CheckpointMismatchError} If the stored configuration differs from `expected`.
 * @throws {TypeError} If the file has no configuration, or a weight is missing or mis-shaped.
 */
export async function loadClassifier(
  path: string,
  options: { readonly expected?: ClassifierConfig } = {},
): Promise<Classifier> {
  return await loadConfigured(
    path,
    FILE,
    (config, weights) => new Classifier(config, { weights }),
    options.expected,
  );
}
