/**
 * Files: the safetensors format (typed arrays and tfjs tensors) and atomic writes, so a
 * checkpoint on disk is always whole; and tensors to and from scijs ndarrays.
 *
 * @example Save tensors to bytes and read them back
 * ```ts
 * import assert from "node:assert";
 * import { safetensorsToTensors, tensorsToSafetensors, tf, useBackend } from "@dimo/dimo";
 * await useBackend("cpu");
 * const tokens = tf.tensor2d([[3, 1], [4, 1]], [2, 2], "int32");
 * const bytes = await tensorsToSafetensors({ tokens }, { note: "x_init" });
 * tokens.dispose();
 * const { tensors, metadata } = safetensorsToTensors(bytes);
 * assert.deepEqual(Array.from(tensors.tokens.dataSync()), [3, 1, 4, 1]);
 * assert.equal(metadata.note, "x_init");
 * tensors.tokens.dispose();
 * ```
 *
 * @module
 */
export * from "./safetensors.ts";
export * from "./safetensors_encode.ts";
export * from "./safetensors_decode.ts";
export * from "./safetensors_tf.ts";
export * from "./safetensors_file.ts";
export * from "./atomic.ts";
export * from "./json.ts";
export * from "./configured.ts";
export * from "./ndarray.ts";
