/**
 * Degraded copies of rendered scenes, the low-quality images a preference model learns to rank
 * below clean renders: blurred and noisy pixels. (Wrong attributes come from
 * {@linkcode wrongScene}; a tokenizer's round trip from the caller.)
 *
 * @module
 */
import type { Rng } from "../rng/mod.ts";
import { checkInRange, checkInteger, errorMessage } from "../validate/mod.ts";
import { SCENE_IMAGE_BYTES } from "./scene_render.ts";
import { type Scene, SCENE_BACKGROUND, SCENE_SIZE } from "./scenes.ts";

function checkRender(action: string, image: Uint8Array): void {
  if (!(image instanceof Uint8Array) || image.length !== SCENE_IMAGE_BYTES) {
    throw new RangeError(errorMessage(action, "image", `${SCENE_IMAGE_BYTES} bytes`, image?.length));
  }
}

/**
 * Blurs a render: `passes` 3 × 3 box filters, edges clamped (two passes are about a Gaussian of
 * σ ≈ 1.2 pixels, enough to soften every outline of a 32 × 32 scene).
 *
 * @param image A render, `[32, 32, 3]` bytes row-major.
 * @param passes Box filters applied one after another.
 * @returns The blurred render, a new array.
 * @throws {RangeError} If the image is not 3072 bytes or `passes` is not an integer >= 1.
 *
 * @example A lone bright pixel spreads out
 * ```ts
 * import assert from "node:assert";
 * import { blurScene } from "@dimo/dimo";
 * const image = new Uint8Array(32 * 32 * 3);
 * image[(16 * 32 + 16) * 3] = 255;
 * const blurred = blurScene(image, 1);
 * assert.equal(blurred[(16 * 32 + 16) * 3], Math.round(255 / 9));
 * assert.equal(blurred[(15 * 32 + 15) * 3], Math.round(255 / 9));
 * ```
 */
export function blurScene(image: Uint8Array, passes = 2): Uint8Array {
  checkRender("blur a scene", image);
  checkInteger("blur a scene", "passes", passes, 1);
  let current = Float32Array.from(image);
  const clamp = (v: number) => Math.min(SCENE_SIZE - 1, Math.max(0, v));
  for (let pass = 0; pass < passes; pass++) {
    const next = new Float32Array(SCENE_IMAGE_BYTES);
    for (let row = 0; row < SCENE_SIZE; row++) {
      for (let col = 0; col < SCENE_SIZE; col++) {
        for (let c = 0; c < 3; c++) {
          let sum = 0;
          for (let dy = -1; dy <= 1; dy++) {
            for (let dx = -1; dx <= 1; dx++) {
              sum += current[(clamp(row + dy) * SCENE_SIZE + clamp(col + dx)) * 3 + c]!;
            }
          }
          next[(row * SCENE_SIZE + col) * 3 + c] = sum / 9;
        }
      }
    }
    current = next;
  }
  return Uint8Array.from(current, (v) => Math.round(v));
}

/**
 * Adds independent Gaussian noise to every byte of a render (Box–Muller), clamped to 0 … 255.
 *
 * @param image A render, `[32, 32, 3]` bytes row-major.
 * @param rng The generator of the noise.
 * @param sigma The noise's standard deviation, in bytes.
 * @returns The noisy render, a new array.
 * @throws {RangeError} If the image is not 3072 bytes or `sigma` is negative or not finite.
 *
 * @example Noise moves pixels by about sigma
 * ```ts
 * import assert from "node:assert";
 * import { createRng, noiseScene } from "@dimo/dimo";
 * const image = new Uint8Array(32 * 32 * 3).fill(128);
 * const noisy = noiseScene(image, createRng(0), 20);
 * const rms = Math.sqrt(noisy.reduce((s, v) => s + (v - 128) ** 2, 0) / noisy.length);
 * assert.ok(rms > 18 && rms < 22);
 * ```
 */
export function noiseScene(image: Uint8Array, rng: Rng, sigma = 24): Uint8Array {
  checkRender("add noise to a scene", image);
  checkInRange("add noise to a scene", "sigma", sigma, 0, Number.MAX_VALUE);
  return image.map((v) => {
    const normal = Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
    return Math.min(255, Math.max(0, Math.round(v + sigma * normal)));
  });
}

/**
 * Cuts every object of a rendered scene into four pieces: a band of background grey, two pixels
 * wide, across the middle of each object's box in both directions. The pieces keep the object's
 * colour but not its shape or size: what a generator's scattered fragments look like, and what a
 * judge must not take for the object.
 *
 * @param scene The scene the render was made from (its objects' boxes).
 * @param image Its render, `[32, 32, 3]` bytes row-major.
 * @returns The cut render, a new array.
 * @throws {RangeError} If the image is not 3072 bytes.
 *
 * @example The middle of an object turns grey, its corner keeps its colour
 * ```ts
 * import assert from "node:assert";
 * import { fragmentScene, renderScene, SCENE_BACKGROUND, type Scene } from "@dimo/dimo";
 * const scene: Scene = {
 *   prompt: { task: "single_object", shape: "square" },
 *   style: "flat",
 *   objects: [{ shape: "square", color: "red", x: 10, y: 10, width: 10, height: 10 }],
 *   seed: 0,
 * };
 * const render = renderScene(scene);
 * const cut = fragmentScene(scene, render);
 * const at = (image: Uint8Array, row: number, col: number) => [...image.subarray((row * 32 + col) * 3, (row * 32 + col) * 3 + 3)];
 * assert.deepEqual(at(cut, 15, 15), [...SCENE_BACKGROUND]);
 * assert.deepEqual(at(cut, 11, 11), at(render, 11, 11));
 * ```
 */
export function fragmentScene(scene: Scene, image: Uint8Array): Uint8Array {
  checkRender("fragment a scene", image);
  const cut = image.slice();
  const paint = (row: number, col: number) => cut.set(SCENE_BACKGROUND, (row * SCENE_SIZE + col) * 3);
  for (const { x, y, width, height } of scene.objects) {
    const [midX, midY] = [x + Math.floor(width / 2), y + Math.floor(height / 2)];
    for (let row = y; row < y + height; row++) {
      for (let col = x; col < x + width; col++) {
        if (Math.abs(col + 0.5 - midX) <= 1 || Math.abs(row + 0.5 - midY) <= 1) paint(row, col);
      }
    }
  }
  return cut;
}
