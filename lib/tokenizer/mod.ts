/**
 * Image tokenizers: images ↔ token sequences for the class-conditional image MDM. A
 * {@linkcode PatchTokenizer} quantises each `p × p` patch to its nearest codebook entry (4×4
 * patches of a 28×28 image: 49 tokens); {@linkcode trainKMeansTokenizer} fits the codebook by
 * k-means.
 *
 * @example Train on random images, then tokenize them
 * ```ts
 * import assert from "node:assert";
 * import { createRng, tf, trainKMeansTokenizer, useBackend } from "@dimo/dimo";
 * await useBackend("cpu");
 * const rng = createRng(0);
 * const images = tf.randomUniform([8, 28, 28], 0, 1, "float32", rng.seed()) as tf.Tensor3D;
 * const tokenizer = await trainKMeansTokenizer(images, { codebookSize: 16, iterations: 3, rng });
 * const tokens = tokenizer.encode(images);
 * assert.deepEqual(tokens.shape, [8, 49]);
 * tf.dispose([images, tokens]);
 * tokenizer.dispose();
 * ```
 *
 * @module
 */
export * from "./patch_tokenizer.ts";
export * from "./kmeans.ts";
