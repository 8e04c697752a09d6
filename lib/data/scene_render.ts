/**
 * Renders a {@linkcode Scene} to RGB pixels, deterministically from its description and seed, in
 * one of four styles:
 *
 * - `flat`: each shape filled with its palette colour on the plain grey background;
 * - `outlined`: only each shape's one-pixel edge, in its colour;
 * - `textured`: a painted look, each shape's brightness modulated by smooth random waves, the
 *   background lightly mottled;
 * - `shaded`: a "photo", a lit gradient across each shape, a grey drop shadow, a graded and
 *   slightly noisy background.
 *
 * Texture and shading scale a colour's brightness only (capped so no channel clips), so every
 * pixel of a shape keeps its colour's hue; backgrounds and shadows are grey, with no saturation.
 *
 * @module
 */
import * as tf from "../backend/tf.ts";
import { createRng, type Rng } from "../rng/mod.ts";
import { errorMessage } from "../validate/mod.ts";
import { onEdge, shapeMask } from "./scene_shapes.ts";
import { type Scene, SCENE_BACKGROUND, SCENE_PALETTE, SCENE_SIZE, type SceneObject } from "./scenes.ts";

/** Bytes in one scene image: `32 · 32 · 3`. */
export const SCENE_IMAGE_BYTES: number = SCENE_SIZE * SCENE_SIZE * 3;

/** A smooth brightness field over the image: a sum of two random plane waves, in [0, 1]. */
function waves(rng: Rng): (col: number, row: number) => number {
  const parts = [0, 1].map(() => {
    const angle = rng.next() * 2 * Math.PI;
    const freq = 0.35 + rng.next() * 0.45;
    return { fx: Math.cos(angle) * freq, fy: Math.sin(angle) * freq, phase: rng.next() * 2 * Math.PI };
  });
  return (col, row) =>
    0.5 + 0.25 * parts.reduce((sum, p) => sum + Math.sin(p.fx * col + p.fy * row + p.phase), 0);
}

/** Writes a colour scaled by `factor`, capped so the brightest channel stays within 255 (hue kept). */
function put(image: Uint8Array, col: number, row: number, rgb: readonly number[], factor: number): void {
  const scale = Math.min(factor, 255 / Math.max(...rgb));
  const at = (row * SCENE_SIZE + col) * 3;
  for (let c = 0; c < 3; c++) image[at + c] = Math.round(rgb[c]! * scale);
}

/** Writes a grey level. */
function grey(image: Uint8Array, col: number, row: number, level: number): void {
  const at = (row * SCENE_SIZE + col) * 3;
  image.fill(Math.max(0, Math.min(255, Math.round(level))), at, at + 3);
}

function checkObject(object: SceneObject, index: number): void {
  const ok = [object.x, object.y, object.width, object.height].every(Number.isInteger) &&
    object.x >= 0 && object.y >= 0 && object.width >= 1 && object.height >= 1 &&
    object.x + object.width <= SCENE_SIZE && object.y + object.height <= SCENE_SIZE;
  if (!ok) {
    throw new RangeError(
      errorMessage(
        "render a scene",
        `objects[${index}]`,
        `an integer box inside the ${SCENE_SIZE}×${SCENE_SIZE} image`,
        {
          x: object.x,
          y: object.y,
          width: object.width,
          height: object.height,
        },
      ),
    );
  }
}

/**
 * Renders a scene to pixels.
 *
 * @param scene The scene; its seed fixes texture and shading.
 * @returns `32 · 32 · 3` bytes, row-major RGB.
 * @throws {RangeError} If an object's box is not inside the image.
 *
 * @example A flat red square on the grey background
 * ```ts
 * import assert from "node:assert";
 * import { renderScene, SCENE_SIZE } from "@dimo/dimo";
 * const image = renderScene({
 *   prompt: { task: "colors", shape: "square", color: "red" },
 *   style: "flat",
 *   objects: [{ shape: "square", color: "red", x: 4, y: 4, width: 8, height: 8 }],
 *   seed: 0,
 * });
 * const pixel = (col: number, row: number) => [...image.slice((row * SCENE_SIZE + col) * 3, (row * SCENE_SIZE + col) * 3 + 3)];
 * assert.deepEqual(pixel(5, 5), [220, 40, 40]);
 * assert.deepEqual(pixel(20, 20), [200, 200, 200]);
 * ```
 */
export function renderScene(scene: Scene): Uint8Array {
  scene.objects.forEach(checkObject);
  const image = new Uint8Array(SCENE_IMAGE_BYTES);
  const rng = createRng(scene.seed);
  const base = SCENE_BACKGROUND[0];
  const backgroundNoise = waves(rng.fork("background"));
  const noise = rng.fork("noise");
  for (let row = 0; row < SCENE_SIZE; row++) {
    for (let col = 0; col < SCENE_SIZE; col++) {
      switch (scene.style) {
        case "flat":
        case "outlined":
          grey(image, col, row, base);
          break;
        case "textured":
          grey(image, col, row, base - 12 + 24 * backgroundNoise(col, row));
          break;
        case "shaded":
          grey(image, col, row, base + 25 - (50 * row) / SCENE_SIZE + (noise.next() - 0.5) * 8);
          break;
      }
    }
  }
  const masks = scene.objects.map((o) => shapeMask(o.shape, o.width, o.height));
  if (scene.style === "shaded") {
    // Drop shadows first, so objects paint over any shadow that reaches a neighbour.
    scene.objects.forEach((o, i) => {
      for (let row = 0; row < o.height; row++) {
        for (let col = 0; col < o.width; col++) {
          const c = o.x + col + 1, r = o.y + row + 1;
          if (masks[i]![row * o.width + col] && c < SCENE_SIZE && r < SCENE_SIZE) {
            const at = (r * SCENE_SIZE + c) * 3;
            grey(image, c, r, image[at]! * 0.7);
          }
        }
      }
    });
  }
  scene.objects.forEach((o, i) => {
    const mask = masks[i]!;
    const rgb = SCENE_PALETTE[o.color];
    const objectRng = rng.fork(`object ${i}`);
    const paint = waves(objectRng);
    const angle = objectRng.next() * 2 * Math.PI;
    const lx = Math.cos(angle), ly = Math.sin(angle);
    const extent = Math.max(o.width, o.height);
    for (let row = 0; row < o.height; row++) {
      for (let col = 0; col < o.width; col++) {
        if (!mask[row * o.width + col]) continue;
        const c = o.x + col, r = o.y + row;
        switch (scene.style) {
          case "flat":
            put(image, c, r, rgb, 1);
            break;
          case "outlined":
            if (onEdge(mask, o.width, o.height, col, row)) put(image, c, r, rgb, 1);
            break;
          case "textured":
            put(image, c, r, rgb, 0.7 + 0.35 * paint(c, r));
            break;
          case "shaded": {
            const t = ((col + 0.5 - o.width / 2) * lx + (row + 0.5 - o.height / 2) * ly) / extent;
            put(image, c, r, rgb, Math.min(1.1, Math.max(0.55, 0.85 - 0.7 * t)));
            break;
          }
        }
      }
    }
  });
  return image;
}

/**
 * Stacks rendered scenes into one float tensor with values in [0, 1].
 *
 * @param images Images from {@linkcode renderScene}, `32 · 32 · 3` bytes each.
 * @returns `[B, 32, 32, 3]` float32.
 * @throws {RangeError} If there are no images or one has the wrong length.
 *
 * @example Two images
 * ```ts
 * import assert from "node:assert";
 * import { renderScene, scenesToTensor, tf, useBackend } from "@dimo/dimo";
 * await useBackend("cpu");
 * const image = renderScene({ prompt: { task: "single_object", shape: "circle" }, style: "flat", objects: [], seed: 1 });
 * const batch = scenesToTensor([image, image]);
 * assert.deepEqual(batch.shape, [2, 32, 32, 3]);
 * assert.ok(Math.abs(batch.dataSync()[0]! - 200 / 255) < 1e-6);
 * tf.dispose(batch);
 * ```
 */
export function scenesToTensor(images: readonly Uint8Array[]): tf.Tensor4D {
  if (images.length === 0) {
    throw new RangeError(errorMessage("stack scenes", "images", "a non-empty list", images.length));
  }
  const data = new Float32Array(images.length * SCENE_IMAGE_BYTES);
  images.forEach((image, i) => {
    if (image.length !== SCENE_IMAGE_BYTES) {
      throw new RangeError(
        errorMessage("stack scenes", `images[${i}].length`, `${SCENE_IMAGE_BYTES}`, image.length),
      );
    }
    for (let j = 0; j < SCENE_IMAGE_BYTES; j++) data[i * SCENE_IMAGE_BYTES + j] = image[j]! / 255;
  });
  return tf.tensor4d(data, [images.length, SCENE_SIZE, SCENE_SIZE, 3], "float32");
}

/**
 * The inverse of {@linkcode scenesToTensor}: images in [0, 1] back to one byte array each, rounded
 * and clamped to 0 … 255 (a decoder's output may overshoot). Reads the tensor back asynchronously,
 * so it runs on WebGPU too.
 *
 * @param images float32 `[N, 32, 32, 3]`; they stay the caller's.
 * @returns N images of {@linkcode SCENE_IMAGE_BYTES} bytes.
 *
 * @example A round trip
 * ```ts
 * import assert from "node:assert";
 * import { renderScene, scenesToTensor, tensorToScenes, tf, useBackend } from "@dimo/dimo";
 * await useBackend("cpu");
 * const image = renderScene({ prompt: { task: "single_object", shape: "circle" }, style: "flat", objects: [], seed: 1 });
 * const batch = scenesToTensor([image]);
 * assert.deepEqual(await tensorToScenes(batch), [image]);
 * tf.dispose(batch);
 * ```
 */
export async function tensorToScenes(images: tf.Tensor4D): Promise<Uint8Array[]> {
  const bytes = tf.tidy(() => tf.clipByValue(tf.round(tf.mul(images, 255)), 0, 255));
  const values = await bytes.data();
  bytes.dispose();
  return Array.from(
    { length: images.shape[0] },
    (_, i) => Uint8Array.from(values.subarray(i * SCENE_IMAGE_BYTES, (i + 1) * SCENE_IMAGE_BYTES)),
  );
}
