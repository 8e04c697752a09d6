/**
 * Pixel masks of the scene shapes: which pixels of a shape's bounding box it covers.
 *
 * @module
 */
import type { SceneShape } from "./scenes.ts";

/** Width and height of a shape's bounding box at a size: a bar is wide and low, the rest square. */
export function shapeBoxSize(shape: SceneShape, size: number): { width: number; height: number } {
  return shape === "bar"
    ? { width: size + 2, height: Math.round(size * 0.45) }
    : { width: size, height: size };
}

/**
 * The mask of a shape filling a `width × height` box, row-major, 1 inside. The triangle points up;
 * the cross's arms are about a third of its size thick, with the parity of its size so both arms
 * sit centred.
 *
 * @param shape The shape.
 * @param width The box's width in pixels.
 * @param height The box's height in pixels.
 * @returns `width · height` bytes, 1 where the shape is.
 *
 * @example A 3 × 3 cross
 * ```ts
 * import assert from "node:assert";
 * import { shapeMask } from "@dimo/dimo";
 * assert.deepEqual([...shapeMask("cross", 3, 3)], [0, 1, 0, 1, 1, 1, 0, 1, 0]);
 * ```
 */
export function shapeMask(shape: SceneShape, width: number, height: number): Uint8Array {
  const mask = new Uint8Array(width * height);
  const cx = width / 2, cy = height / 2;
  let arm = Math.floor(width / 3);
  if (arm % 2 !== width % 2) arm -= 1;
  arm = Math.max(arm, 1);
  for (let row = 0; row < height; row++) {
    for (let col = 0; col < width; col++) {
      const px = col + 0.5, py = row + 0.5;
      let inside: boolean;
      switch (shape) {
        case "square":
        case "bar":
          inside = true;
          break;
        case "circle": {
          const r = width / 2 + 0.15;
          inside = (px - cx) ** 2 + (py - cy) ** 2 <= r * r;
          break;
        }
        case "triangle":
          inside = Math.abs(px - cx) <= (py / height) * (width / 2) + 0.25;
          break;
        case "cross":
          inside = Math.abs(px - cx) <= arm / 2 || Math.abs(py - cy) <= arm / 2;
          break;
        default: {
          const never: never = shape;
          throw new TypeError(`Cannot draw a shape as 'shape' is unknown: ${never}`);
        }
      }
      mask[row * width + col] = inside ? 1 : 0;
    }
  }
  return mask;
}

/** Whether a mask pixel lies on the shape's edge: inside, with a 4-neighbour outside or off the box. */
export function onEdge(mask: Uint8Array, width: number, height: number, col: number, row: number): boolean {
  if (!mask[row * width + col]) return false;
  if (col === 0 || row === 0 || col === width - 1 || row === height - 1) return true;
  return !mask[row * width + col - 1] || !mask[row * width + col + 1] || !mask[(row - 1) * width + col] ||
    !mask[(row + 1) * width + col];
}
