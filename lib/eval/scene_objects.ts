/**
 * Finding the objects of a scene image from its pixels: saturated pixels are object pixels (the
 * background and shadows are grey), 8-connected components of them are candidates, each
 * classified by colour (its saturation-weighted mean hue, nearest palette hue) and shape (the fill,
 * aspect and top-bottom balance of its silhouette with holes filled, so an outline reads as the
 * shape it encloses). As a detector keeps only what it recognises with some confidence, a
 * candidate is an object only if it is the size of a scene object and its silhouette is its shape
 * (`fit`, the overlap with the shape drawn in its box): scattered fragments of colour are not.
 *
 * @module
 */
import { SCENE_SIZE, type SceneColor, type SceneShape } from "../data/mod.ts";
import { errorMessage } from "../validate/mod.ts";
import {
  classifyShape,
  fillHoles,
  hueSaturation,
  nearestColor,
  shapeFeatures,
  shapeFit,
} from "./_scene_features.ts";

/** An object found in an image. */
export interface DetectedObject {
  /** Its shape. */
  readonly shape: SceneShape;
  /** Its colour. */
  readonly color: SceneColor;
  /** Left column of its bounding box. */
  readonly x: number;
  /** Top row of its bounding box. */
  readonly y: number;
  /** Width of its bounding box. */
  readonly width: number;
  /** Height of its bounding box. */
  readonly height: number;
  /** Number of its pixels. */
  readonly pixels: number;
  /** Intersection over union of its silhouette and its shape drawn in its box, in [0, 1]. */
  readonly fit: number;
}

/** Saturation an object pixel reaches at least; grey background and shadows have none. */
const MIN_SATURATION = 0.35;
/** Brightest channel an object pixel reaches at least (darker pixels have no reliable hue). */
const MIN_VALUE = 50;
/** Smallest component kept as an object; fewer pixels are specks. */
const MIN_PIXELS = 8;
/** Longest box side an object reaches at least: a scene object's is 8 or more, less one pixel of a generator's softer edge. */
const MIN_SIDE = 7;
/**
 * Smallest {@linkcode DetectedObject.fit} of an object: every render fits at 1, most of the
 * tokenizer's reconstructions above 0.8, while most fragments of a generator's failed draw that
 * reach the size fit below.
 */
const MIN_FIT = 0.5;

/**
 * Finds the objects of a scene image, from its pixels alone.
 *
 * @param image `32 · 32 · 3` bytes, row-major RGB (as {@linkcode renderScene} writes).
 * @returns The objects, most pixels first.
 * @throws {RangeError} If the image has the wrong length.
 *
 * @example A rendered scene's objects
 * ```ts
 * import assert from "node:assert";
 * import { detectObjects, renderScene } from "@dimo/dimo";
 * const image = renderScene({
 *   prompt: { task: "two_object", shapes: ["cross", "circle"] },
 *   style: "outlined",
 *   objects: [
 *     { shape: "cross", color: "cyan", x: 2, y: 3, width: 9, height: 9 },
 *     { shape: "circle", color: "purple", x: 18, y: 16, width: 11, height: 11 },
 *   ],
 *   seed: 0,
 * });
 * const found = detectObjects(image).map(({ shape, color, x, y }) => ({ shape, color, x, y }));
 * assert.deepEqual(found.sort((a, b) => a.x - b.x), [
 *   { shape: "cross", color: "cyan", x: 2, y: 3 },
 *   { shape: "circle", color: "purple", x: 18, y: 16 },
 * ]);
 * ```
 */
export function detectObjects(image: Uint8Array): DetectedObject[] {
  const n = SCENE_SIZE * SCENE_SIZE;
  if (image?.length !== 3 * n) {
    throw new RangeError(errorMessage("find objects", "image.length", `${3 * n}`, image?.length));
  }
  const hue = new Float32Array(n), sat = new Float32Array(n);
  const isObject = new Uint8Array(n);
  for (let p = 0; p < n; p++) {
    const r = image[3 * p]!, g = image[3 * p + 1]!, b = image[3 * p + 2]!;
    [hue[p], sat[p]] = hueSaturation(r, g, b);
    isObject[p] = sat[p]! >= MIN_SATURATION && Math.max(r, g, b) >= MIN_VALUE ? 1 : 0;
  }
  const seen = new Uint8Array(n);
  const objects: DetectedObject[] = [];
  for (let start = 0; start < n; start++) {
    if (!isObject[start] || seen[start]) continue;
    const members: number[] = [start];
    seen[start] = 1;
    for (let k = 0; k < members.length; k++) {
      const p = members[k]!;
      const c = p % SCENE_SIZE, r = (p - c) / SCENE_SIZE;
      for (let dr = -1; dr <= 1; dr++) {
        for (let dc = -1; dc <= 1; dc++) {
          const nc = c + dc, nr = r + dr;
          if (nc < 0 || nr < 0 || nc >= SCENE_SIZE || nr >= SCENE_SIZE) continue;
          const q = nr * SCENE_SIZE + nc;
          if (isObject[q] && !seen[q]) {
            seen[q] = 1;
            members.push(q);
          }
        }
      }
    }
    if (members.length < MIN_PIXELS) continue;
    let x0 = SCENE_SIZE, y0 = SCENE_SIZE, x1 = 0, y1 = 0, hx = 0, hy = 0;
    for (const p of members) {
      const c = p % SCENE_SIZE, r = (p - c) / SCENE_SIZE;
      [x0, y0, x1, y1] = [Math.min(x0, c), Math.min(y0, r), Math.max(x1, c), Math.max(y1, r)];
      // Mean hue on the circle, each pixel weighted by its saturation.
      hx += sat[p]! * Math.cos((hue[p]! * Math.PI) / 180);
      hy += sat[p]! * Math.sin((hue[p]! * Math.PI) / 180);
    }
    const width = x1 - x0 + 1, height = y1 - y0 + 1;
    if (Math.max(width, height) < MIN_SIDE) continue;
    const mask = new Uint8Array(width * height);
    for (const p of members) {
      const c = p % SCENE_SIZE, r = (p - c) / SCENE_SIZE;
      mask[(r - y0) * width + (c - x0)] = 1;
    }
    const silhouette = fillHoles(mask, width, height);
    const shape = classifyShape(shapeFeatures(silhouette, width, height));
    const fit = shapeFit(silhouette, width, height, shape);
    if (fit < MIN_FIT) continue;
    const meanHue = ((Math.atan2(hy, hx) * 180) / Math.PI + 360) % 360;
    objects.push({
      shape,
      color: nearestColor(meanHue),
      x: x0,
      y: y0,
      width,
      height,
      pixels: members.length,
      fit,
    });
  }
  return objects.sort((a, b) => b.pixels - a.pixels);
}
