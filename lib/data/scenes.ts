/**
 * Scenes: small RGB images of simple coloured shapes, each with a prompt in one of GenEval's six
 * task templates and one of four rendering styles (standing in for HPS's four). This file holds
 * the vocabulary, the typed description of a scene and of what its prompt asks, the prompt text,
 * and the relation rule between two objects that the sampler, the split and the judge share.
 *
 * @module
 */

/** The shapes (GenEval's "objects"). */
export type SceneShape = "square" | "circle" | "triangle" | "cross" | "bar";
/** The colours; their hues are at least 55° apart, so shading and texture cannot confuse them. */
export type SceneColor = "red" | "yellow" | "green" | "cyan" | "blue" | "purple";
/** Relative positions, read as GenEval reads them: by the offset of the two bounding-box centres. */
export type SceneRelation = "left of" | "right of" | "above" | "below";
/** Rendering styles, standing in for HPS's anime, concept-art, painting and photo. */
export type SceneStyle = "flat" | "outlined" | "textured" | "shaded";
/** GenEval's six tasks. */
export type SceneTask = "single_object" | "two_object" | "counting" | "colors" | "position" | "color_attr";

/** Every {@linkcode SceneShape}. */
export const SCENE_SHAPES: readonly SceneShape[] = Object.freeze([
  "square",
  "circle",
  "triangle",
  "cross",
  "bar",
]);
/** Every {@linkcode SceneColor}. */
export const SCENE_COLORS: readonly SceneColor[] = Object.freeze([
  "red",
  "yellow",
  "green",
  "cyan",
  "blue",
  "purple",
]);
/** Every {@linkcode SceneRelation}. */
export const SCENE_RELATIONS: readonly SceneRelation[] = Object.freeze([
  "left of",
  "right of",
  "above",
  "below",
]);
/** Every {@linkcode SceneStyle}. */
export const SCENE_STYLES: readonly SceneStyle[] = Object.freeze(["flat", "outlined", "textured", "shaded"]);
/** Every {@linkcode SceneTask}, in GenEval's order. */
export const SCENE_TASKS: readonly SceneTask[] = Object.freeze([
  "single_object",
  "two_object",
  "counting",
  "colors",
  "position",
  "color_attr",
]);

/** Side of a scene image in pixels; images are `[32, 32, 3]`, row-major, RGB. */
export const SCENE_SIZE = 32;

/** The RGB value of each colour at full brightness. */
export const SCENE_PALETTE: Readonly<Record<SceneColor, readonly [number, number, number]>> = Object.freeze({
  red: Object.freeze([220, 40, 40] as const),
  yellow: Object.freeze([225, 205, 30] as const),
  green: Object.freeze([40, 180, 40] as const),
  cyan: Object.freeze([30, 190, 200] as const),
  blue: Object.freeze([50, 60, 225] as const),
  purple: Object.freeze([170, 50, 210] as const),
});

/** The background grey: no saturation, unlike every palette colour. */
export const SCENE_BACKGROUND: readonly [number, number, number] = Object.freeze([200, 200, 200] as const);

/** Counts a counting prompt may ask for ("two" … "four"; one object is the single-object task). */
export const SCENE_COUNT_WORDS: Readonly<Record<2 | 3 | 4, string>> = Object.freeze({
  2: "two",
  3: "three",
  4: "four",
});

/** Plural of each shape, for counting prompts. */
export const SCENE_PLURALS: Readonly<Record<SceneShape, string>> = Object.freeze({
  square: "squares",
  circle: "circles",
  triangle: "triangles",
  cross: "crosses",
  bar: "bars",
});

/** The noun each style's prompt opens with ("a photo of …"). */
export const SCENE_STYLE_NOUNS: Readonly<Record<SceneStyle, string>> = Object.freeze({
  flat: "drawing",
  outlined: "sketch",
  textured: "painting",
  shaded: "photo",
});

/** A shape with its colour. */
export interface ColoredShape {
  /** The shape. */
  readonly shape: SceneShape;
  /** The colour. */
  readonly color: SceneColor;
}

/** What a prompt asks for, by task: exactly the attributes its template names. */
export type ScenePrompt =
  | { readonly task: "single_object"; readonly shape: SceneShape }
  | { readonly task: "two_object"; readonly shapes: readonly [SceneShape, SceneShape] }
  | { readonly task: "counting"; readonly shape: SceneShape; readonly count: 2 | 3 | 4 }
  | { readonly task: "colors"; readonly shape: SceneShape; readonly color: SceneColor }
  | {
    readonly task: "position";
    readonly shapes: readonly [SceneShape, SceneShape];
    readonly relation: SceneRelation;
  }
  | { readonly task: "color_attr"; readonly objects: readonly [ColoredShape, ColoredShape] };

/** One object of a scene: a shape of a colour in a bounding box (pixels, top-left origin). */
export interface SceneObject extends ColoredShape {
  /** Left column of the bounding box. */
  readonly x: number;
  /** Top row of the bounding box. */
  readonly y: number;
  /** Width of the bounding box in pixels. */
  readonly width: number;
  /** Height of the bounding box in pixels. */
  readonly height: number;
}

/** A scene: what its prompt asks, how it is drawn, and where everything is. */
export interface Scene {
  /** What the prompt asks for. */
  readonly prompt: ScenePrompt;
  /** The rendering style. */
  readonly style: SceneStyle;
  /** The objects, none overlapping. */
  readonly objects: readonly SceneObject[];
  /** Seed of the style's texture and shading (any safe integer). */
  readonly seed: number;
}

/** A box given by its top-left corner and size, as in {@linkcode SceneObject}. */
export interface SceneBox {
  /** Left column. */
  readonly x: number;
  /** Top row. */
  readonly y: number;
  /** Width. */
  readonly width: number;
  /** Height. */
  readonly height: number;
}

/** Margin of GenEval's relation rule: each centre offset shrinks by this fraction of the summed sizes. */
export const RELATION_MARGIN = 0.1;

/**
 * The relations of box `a` to box `b`, by GenEval's rule: the offset of the box centres, each axis
 * shrunk towards zero by {@linkcode RELATION_MARGIN} times the two boxes' summed extent on that
 * axis, is divided by the length of the raw offset; "left of" holds when the x part is below
 * -0.5, "right of" above 0.5, "above" when the y part (rows grow downwards) is below -0.5,
 * "below" above 0.5. Two boxes may stand in two relations (diagonal) or none (close together).
 *
 * @param a The first box.
 * @param b The box `a` is placed relative to.
 * @returns The relations of `a` to `b`.
 *
 * @example A box far to the left, level with the other
 * ```ts
 * import assert from "node:assert";
 * import { relationsBetween } from "@dimo/dimo";
 * const a = { x: 2, y: 10, width: 8, height: 8 };
 * const b = { x: 20, y: 11, width: 8, height: 8 };
 * assert.deepEqual(relationsBetween(a, b), ["left of"]);
 * assert.deepEqual(relationsBetween(b, a), ["right of"]);
 * ```
 */
export function relationsBetween(a: SceneBox, b: SceneBox): SceneRelation[] {
  const dx = a.x + a.width / 2 - (b.x + b.width / 2);
  const dy = a.y + a.height / 2 - (b.y + b.height / 2);
  const norm = Math.hypot(dx, dy);
  if (norm === 0) return [];
  const shrink = (d: number, extent: number) =>
    Math.sign(d) * Math.max(Math.abs(d) - RELATION_MARGIN * extent, 0);
  const rx = shrink(dx, a.width + b.width) / norm;
  const ry = shrink(dy, a.height + b.height) / norm;
  const out: SceneRelation[] = [];
  if (rx < -0.5) out.push("left of");
  if (rx > 0.5) out.push("right of");
  if (ry < -0.5) out.push("above");
  if (ry > 0.5) out.push("below");
  return out;
}

/** The relation of `b` to `a` when `a` stands in `relation` to `b`. */
export const CONVERSE_RELATION: Readonly<Record<SceneRelation, SceneRelation>> = Object.freeze({
  "left of": "right of",
  "right of": "left of",
  above: "below",
  below: "above",
});

/**
 * The text of a prompt in a style, in GenEval's templates with the style's noun for "photo":
 * "a {style} of a {object}", "… a {object} and a {object}", "… {n} {object}s", "… a {color}
 * {object}", "… a {object} {relation} a {object}", "… a {color} {object} and a {color} {object}".
 *
 * @param prompt What the prompt asks for.
 * @param style The rendering style it names.
 * @returns The prompt text, lower case, words separated by single spaces.
 *
 * @example Two templates
 * ```ts
 * import assert from "node:assert";
 * import { promptText } from "@dimo/dimo";
 * assert.equal(promptText({ task: "counting", shape: "cross", count: 3 }, "shaded"), "a photo of three crosses");
 * assert.equal(
 *   promptText({ task: "position", shapes: ["circle", "bar"], relation: "left of" }, "textured"),
 *   "a painting of a circle left of a bar",
 * );
 * ```
 */
export function promptText(prompt: ScenePrompt, style: SceneStyle): string {
  const head = `a ${SCENE_STYLE_NOUNS[style]} of`;
  switch (prompt.task) {
    case "single_object":
      return `${head} a ${prompt.shape}`;
    case "two_object":
      return `${head} a ${prompt.shapes[0]} and a ${prompt.shapes[1]}`;
    case "counting":
      return `${head} ${SCENE_COUNT_WORDS[prompt.count]} ${SCENE_PLURALS[prompt.shape]}`;
    case "colors":
      return `${head} a ${prompt.color} ${prompt.shape}`;
    case "position":
      return `${head} a ${prompt.shapes[0]} ${prompt.relation} a ${prompt.shapes[1]}`;
    case "color_attr": {
      const [a, b] = prompt.objects;
      return `${head} a ${a.color} ${a.shape} and a ${b.color} ${b.shape}`;
    }
    default: {
      const never: never = prompt;
      throw new TypeError(`Cannot write a prompt as 'task' is unknown: ${JSON.stringify(never)}`);
    }
  }
}
