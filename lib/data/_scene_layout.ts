/**
 * Placement of a scene's objects: random sizes and positions, no two boxes closer than a margin,
 * redrawn until a predicate over the boxes holds.
 *
 * @module
 */
import type { Rng } from "../rng/mod.ts";
import { shapeBoxSize } from "./scene_shapes.ts";
import { type ColoredShape, SCENE_SIZE, type SceneObject } from "./scenes.ts";

/** Empty pixels kept between two boxes, so objects stay separate components. */
export const LAYOUT_GAP = 2;
/** Empty pixels kept between a box and the image border. */
const BORDER = 1;

/** Whether two boxes keep {@linkcode LAYOUT_GAP} between them on some axis. */
export function apart(a: SceneObject, b: SceneObject): boolean {
  return a.x + a.width + LAYOUT_GAP <= b.x || b.x + b.width + LAYOUT_GAP <= a.x ||
    a.y + a.height + LAYOUT_GAP <= b.y || b.y + b.height + LAYOUT_GAP <= a.y;
}

/** Draws a box for a shape at a random size and place that keeps apart from `placed`, or null. */
export function placeOne(
  item: ColoredShape,
  placed: readonly SceneObject[],
  sizes: readonly [number, number],
  rng: Rng,
): SceneObject | null {
  const size = sizes[0] + rng.int(sizes[1] - sizes[0] + 1);
  const { width, height } = shapeBoxSize(item.shape, size);
  for (let attempt = 0; attempt < 60; attempt++) {
    const object: SceneObject = {
      ...item,
      x: BORDER + rng.int(SCENE_SIZE - 2 * BORDER - width + 1),
      y: BORDER + rng.int(SCENE_SIZE - 2 * BORDER - height + 1),
      width,
      height,
    };
    if (placed.every((p) => apart(p, object))) return object;
  }
  return null;
}

/**
 * Places the items, redrawing the whole layout until `accept` holds. Sizes are 8–11 pixels, 8–9
 * for three or more objects so four fit with room to spare.
 */
export function layout(
  items: readonly ColoredShape[],
  accept: (objects: readonly SceneObject[]) => boolean,
  rng: Rng,
): SceneObject[] {
  const sizes: [number, number] = items.length >= 3 ? [8, 9] : [8, 11];
  for (let attempt = 0; attempt < 2000; attempt++) {
    const objects: SceneObject[] = [];
    for (const item of items) {
      const object = placeOne(item, objects, sizes, rng);
      if (!object) break;
      objects.push(object);
    }
    if (objects.length === items.length && accept(objects)) return objects;
  }
  throw new Error(`Cannot lay out a scene: no placement of ${JSON.stringify(items)} passed its checks`);
}
