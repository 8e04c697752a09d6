/**
 * Networks: the {@linkcode Denoiser} interface samplers and the distillation step see, and a
 * MaskGIT-shaped bidirectional {@linkcode Transformer} that provides it, with its configuration,
 * layers and named, freezable weights; and the {@linkcode Vqgan} tokenizer of MaskGIT's ImageNet
 * models, images ↔ codebook ids, named as the official checkpoint.
 *
 * @example Teacher, student and aux from one initialisation
 * ```ts
 * import assert from "node:assert";
 * import { createRng, resolveTransformerConfig, tf, Transformer, useBackend } from "@dimo/dimo";
 * await useBackend("cpu");
 * const config = resolveTransformerConfig({ codebookSize: 8, numClasses: 2, seqLen: 4, width: 8, heads: 2, layers: 1 });
 * const teacher = new Transformer(config, { rng: createRng(0) });
 * const student = teacher.clone();
 * student.freeze(["tok_emb"]);
 * const xInit = tf.fill([1, 4], config.codebookSize, "int32") as tf.Tensor2D;
 * const zTheta = student.apply(xInit, tf.tensor1d([1], "int32"));
 * assert.deepEqual(zTheta.shape, [1, 4, 9]);
 * teacher.dispose();
 * student.dispose();
 * ```
 *
 * @module
 */
export * from "./denoiser.ts";
export * from "./config.ts";
export * from "./layers.ts";
export * from "./transformer.ts";
export * from "./checkpoint.ts";
export * from "./classifier.ts";
export * from "./classifier_train.ts";
export * from "./classifier_checkpoint.ts";
export * from "./dual_encoder.ts";
export * from "./dual_encoder_train.ts";
export * from "./dual_encoder_checkpoint.ts";
export * from "./vqgan_config.ts";
export * from "./vqgan.ts";
export * from "./vqgan_checkpoint.ts";
