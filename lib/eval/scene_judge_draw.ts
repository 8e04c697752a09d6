/**
 * Pictures of the scene judge's decisions: the image enlarged, with a box around every object the
 * judge found, green when it judged the image correct and red when not.
 *
 * @module
 */
import { SCENE_IMAGE_BYTES, SCENE_SIZE } from "../data/mod.ts";
import { checkInteger, errorMessage } from "../validate/mod.ts";
import type { RasterImage } from "../viz/mod.ts";
import type { SceneJudgement } from "./scene_judge.ts";

/** Options of {@linkcode drawJudgement}. */
export interface DrawJudgementOptions {
  /**
   * Integer upsampling factor: each image pixel becomes a `scale × scale` block (nearest
   * neighbour), so a one-pixel box line does not hide the object's edge.
   *
   * @default {4}
   */
  readonly scale?: number;
}

/** Box colour of a correct decision. */
const CORRECT: readonly [number, number, number] = [0, 200, 0];
/** Box colour of a wrong one. */
const WRONG: readonly [number, number, number] = [230, 0, 0];
/** The line between a box and its object. */
const BLACK: readonly [number, number, number] = [0, 0, 0];

const ACTION = "draw a judgement";

/**
 * Draws the scene judge's decision on its image: the image scaled up `scale` times, each detected
 * object's bounding box outlined just outside the object, by a black line one output pixel wide
 * and around it a line two pixels wide, green when the judgement is correct and red otherwise
 * (the black line keeps a green or red object's edge apart from its box). Outlines are clipped
 * at the image's border. The reason is not drawn: print `judgement.reason` beside the picture.
 *
 * @param image `32 · 32 · 3` bytes, row-major RGB, the image that was judged.
 * @param judgement What {@linkcode judgeScene} said about it.
 * @param options The scale.
 * @returns RGB pixels, `32 · scale` on a side, ready for {@linkcode encodePng}.
 * @throws {RangeError} If the image has the wrong length or `scale` is not a positive integer.
 *
 * @example A wrong count drawn in red
 * ```ts
 * import assert from "node:assert";
 * import { createRng, drawJudgement, judgeScene, renderScene, sampleScene, wrongScene } from "@dimo/dimo";
 * const rng = createRng(0);
 * const prompt = { task: "counting", shape: "triangle", count: 3 } as const;
 * const image = renderScene(wrongScene(sampleScene(prompt, { style: "flat", rng, split: "train" }), "count_down", rng));
 * const judgement = judgeScene(image, prompt);
 * const drawn = drawJudgement(image, judgement, { scale: 4 });
 * assert.deepEqual([drawn.width, drawn.height, drawn.channels], [128, 128, 3]);
 * const { x, y } = judgement.objects[0]!;
 * const at = (row: number, col: number) => [...drawn.data.subarray((row * 128 + col) * 3, (row * 128 + col + 1) * 3)];
 * assert.deepEqual(at(4 * y - 1, 4 * x - 1), [0, 0, 0]); // the first object's top-left corner, outside
 * assert.deepEqual(at(4 * y - 2, 4 * x - 2), [230, 0, 0]);
 * ```
 */
export function drawJudgement(
  image: Uint8Array,
  judgement: SceneJudgement,
  options: DrawJudgementOptions = {},
): RasterImage {
  if (image?.length !== SCENE_IMAGE_BYTES) {
    throw new RangeError(errorMessage(ACTION, "image.length", `${SCENE_IMAGE_BYTES}`, image?.length));
  }
  const scale = options.scale ?? 4;
  checkInteger(ACTION, "scale", scale, 1);
  const side = SCENE_SIZE * scale;
  const data = new Uint8Array(side * side * 3);
  for (let row = 0; row < side; row++) {
    for (let col = 0; col < side; col++) {
      const from = (Math.floor(row / scale) * SCENE_SIZE + Math.floor(col / scale)) * 3;
      data.set(image.subarray(from, from + 3), (row * side + col) * 3);
    }
  }
  const color = judgement.correct ? CORRECT : WRONG;
  const paint = (row: number, col: number, rgb: readonly number[]) => {
    if (row >= 0 && row < side && col >= 0 && col < side) data.set(rgb, (row * side + col) * 3);
  };
  // Rings outward from the box, so the outline covers none of the object: first a black one,
  // which parts the outline from an object of its own colour, then two in the decision's colour.
  for (const [ring, rgb] of [[1, BLACK], [2, color], [3, color]] as const) {
    for (const { x, y, width, height } of judgement.objects) {
      const top = y * scale - ring, bottom = (y + height) * scale - 1 + ring;
      const left = x * scale - ring, right = (x + width) * scale - 1 + ring;
      for (let col = left; col <= right; col++) [top, bottom].forEach((row) => paint(row, col, rgb));
      for (let row = top; row <= bottom; row++) [left, right].forEach((col) => paint(row, col, rgb));
    }
  }
  return { width: side, height: side, channels: 3, data };
}
