/**
 * An image tokenizer's encode-decode round trip on rendered scenes, in the form
 * {@linkcode validateJudge} takes as its `transform`: judged on these reconstructions, the
 * ground-truth renders give the ceiling any generator on the tokenizer's tokens can reach.
 *
 * @module
 */
import * as tf from "../backend/tf.ts";
import { SCENE_IMAGE_BYTES, scenesToTensor, tensorToScenes } from "../data/mod.ts";
import type { PatchTokenizer } from "../tokenizer/mod.ts";
import { errorMessage } from "../validate/mod.ts";

/**
 * Makes the round trip `decode(encode(images))` of rendered scenes through an RGB tokenizer of
 * 32 × 32 images, back to bytes (rounded, clamped to 0 … 255).
 *
 * @param tokenizer A tokenizer of `[N, 32, 32, 3]` images; the caller still owns it.
 * @returns A function from renders to their reconstructions, same order and length; it throws a
 *   `RangeError` for an empty list or an image of the wrong length.
 * @throws {TypeError} If the tokenizer's images are not 32 × 32 with 3 channels.
 *
 * @example A codebook of the background grey alone erases every object
 * ```ts
 * import assert from "node:assert";
 * import { PatchTokenizer, renderScene, sceneRoundTrip, tf, useBackend } from "@dimo/dimo";
 * await useBackend("cpu");
 * const codebook = tf.fill([1, 48], 200 / 255) as tf.Tensor2D;
 * const tokenizer = new PatchTokenizer<tf.Tensor4D>(codebook, { height: 32, width: 32, patch: 4, channels: 3 });
 * const scene = {
 *   prompt: { task: "single_object", shape: "square" } as const,
 *   style: "flat" as const,
 *   objects: [{ shape: "square", color: "red", x: 8, y: 8, width: 9, height: 9 }] as const,
 *   seed: 0,
 * };
 * const [image] = await sceneRoundTrip(tokenizer)([renderScene(scene)]);
 * assert.ok(image!.every((v) => v === 200));
 * tokenizer.dispose();
 * codebook.dispose();
 * ```
 */
export function sceneRoundTrip(
  tokenizer: PatchTokenizer<tf.Tensor4D>,
): (images: readonly Uint8Array[]) => Promise<Uint8Array[]> {
  const { height, width, channels } = tokenizer.config;
  if (height * width * channels !== SCENE_IMAGE_BYTES || channels !== 3) {
    const shape = [height, width, channels];
    throw new TypeError(errorMessage("round-trip scenes", "tokenizer", "of [*, 32, 32, 3] images", shape));
  }
  return async (images) => {
    const decoded = tf.tidy(() => tokenizer.decode(tokenizer.encode(scenesToTensor(images))) as tf.Tensor4D);
    try {
      return await tensorToScenes(decoded);
    } finally {
      decoded.dispose();
    }
  };
}
