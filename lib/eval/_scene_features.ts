/**
 * Colour and shape of a found object from its pixels: hue against the palette's, and features of
 * its filled silhouette.
 *
 * @module
 */
import { SCENE_COLORS, SCENE_PALETTE, type SceneColor, type SceneShape, shapeMask } from "../data/mod.ts";

/** Hue in degrees and saturation of an RGB pixel. */
export function hueSaturation(r: number, g: number, b: number): [number, number] {
  const max = Math.max(r, g, b), min = Math.min(r, g, b), d = max - min;
  if (d === 0) return [0, 0];
  const h = max === r ? ((g - b) / d + 6) % 6 : max === g ? (b - r) / d + 2 : (r - g) / d + 4;
  return [h * 60, d / max];
}

const PALETTE_HUES = SCENE_COLORS.map((c) =>
  hueSaturation(...(SCENE_PALETTE[c] as [number, number, number]))[0]
);

/** The palette colour nearest a hue, on the circle. */
export function nearestColor(hue: number): SceneColor {
  let best = 0, bestDiff = Infinity;
  PALETTE_HUES.forEach((h, i) => {
    const diff = Math.min(Math.abs(hue - h), 360 - Math.abs(hue - h));
    if (diff < bestDiff) [best, bestDiff] = [i, diff];
  });
  return SCENE_COLORS[best]!;
}

/** Silhouette features of a component: how it fills its box, its aspect, its top-bottom balance. */
export interface ShapeFeatures {
  /** Filled pixels (holes included) over box pixels. */
  readonly fill: number;
  /** Longer box side over shorter. */
  readonly aspect: number;
  /** (bottom-half pixels - top-half pixels) / both, middle row excluded: ~0.5 for a triangle. */
  readonly bottomHeavy: number;
}

/**
 * Shape from silhouette features. A bar is the only elongated shape; a triangle the only one
 * heavier at the bottom; of the rest a square fills its box, a disc about 0.75–0.8 of it, a cross
 * at most 0.56.
 */
export function classifyShape(f: ShapeFeatures): SceneShape {
  if (f.aspect >= 1.6) return "bar";
  if (f.bottomHeavy >= 0.22) return "triangle";
  if (f.fill >= 0.89) return "square";
  if (f.fill >= 0.65) return "circle";
  return "cross";
}

/** A component's box-sized mask with the holes an outline leaves filled: its silhouette. */
export function fillHoles(mask: Uint8Array, width: number, height: number): Uint8Array {
  // Flood the outside 4-connectedly from a one-pixel frame; whatever it cannot reach is inside.
  const w = width + 2, h = height + 2;
  const outside = new Uint8Array(w * h);
  const isMask = (c: number, r: number) =>
    c >= 1 && r >= 1 && c <= width && r <= height && mask[(r - 1) * width + (c - 1)] === 1;
  const stack = [0];
  outside[0] = 1;
  while (stack.length > 0) {
    const p = stack.pop()!;
    const c = p % w, r = (p - c) / w;
    for (const [dc, dr] of [[1, 0], [-1, 0], [0, 1], [0, -1]] as const) {
      const nc = c + dc, nr = r + dr;
      if (nc < 0 || nr < 0 || nc >= w || nr >= h) continue;
      const q = nr * w + nc;
      if (!outside[q] && !isMask(nc, nr)) {
        outside[q] = 1;
        stack.push(q);
      }
    }
  }
  const filled = new Uint8Array(width * height);
  for (let r = 0; r < height; r++) {
    for (let c = 0; c < width; c++) filled[r * width + c] = outside[(r + 1) * w + c + 1] ? 0 : 1;
  }
  return filled;
}

/** Features of a silhouette (see {@linkcode fillHoles}) filling a `width × height` box. */
export function shapeFeatures(filled: Uint8Array, width: number, height: number): ShapeFeatures {
  let area = 0, top = 0, bottom = 0;
  for (let r = 0; r < height; r++) {
    for (let c = 0; c < width; c++) {
      if (!filled[r * width + c]) continue;
      area++;
      if (2 * r + 1 < height) top++;
      else if (2 * r + 1 > height) bottom++;
    }
  }
  return {
    fill: area / (width * height),
    aspect: Math.max(width, height) / Math.min(width, height),
    bottomHeavy: top + bottom === 0 ? 0 : (bottom - top) / (bottom + top),
  };
}

/**
 * How well a silhouette is its shape: the intersection over union of it and the shape's mask
 * drawn in the same box, 1 for a render, low for a fragment that only falls in the shape's class.
 */
export function shapeFit(filled: Uint8Array, width: number, height: number, shape: SceneShape): number {
  const template = shapeMask(shape, width, height);
  let both = 0, either = 0;
  for (let i = 0; i < filled.length; i++) {
    both += filled[i]! & template[i]!;
    either += filled[i]! | template[i]!;
  }
  return either === 0 ? 0 : both / either;
}
