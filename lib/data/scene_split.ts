/**
 * The train / held-out split of the scenes, for measuring compositional generalisation as
 * GenEval does. A fixed set of colour–shape pairs and of shape–relation–shape triples is held
 * out. The rule: no training scene contains a held-out pair or triple anywhere in its pixels,
 * whether its prompt names it or not — no object of a held-out colour and shape, and no two
 * objects standing in a held-out relation by {@linkcode relationsBetween}. A triple and its
 * converse ("a square left of a circle", "a circle right of a square") describe one picture, so
 * both are held out. The held-out prompts of the colour, position and colour-attribution tasks
 * all name held-out combinations (colour attribution names two); the single-object, two-object
 * and counting prompts are every prompt of their templates, as GenEval scores those too.
 *
 * @module
 */
import {
  type ColoredShape,
  CONVERSE_RELATION,
  promptText,
  relationsBetween,
  SCENE_COLORS,
  SCENE_SHAPES,
  SCENE_STYLES,
  type SceneColor,
  type SceneObject,
  type ScenePrompt,
  type SceneRelation,
  type SceneShape,
  type SceneStyle,
} from "./scenes.ts";

/** Which scenes a draw may produce: training scenes avoid every held-out combination. */
export type SceneSplit = "train" | "heldout";

/** Every {@linkcode SceneSplit}. */
export const SCENE_SPLITS: readonly SceneSplit[] = Object.freeze(["train", "heldout"]);

/** A shape–relation–shape triple: `a` stands in `relation` to `b`. */
export interface ShapeTriple {
  /** The first shape. */
  readonly a: SceneShape;
  /** Its relation to `b`. */
  readonly relation: SceneRelation;
  /** The second shape. */
  readonly b: SceneShape;
}

/** The held-out colour–shape pairs: two per shape, at most two per colour. */
export const HELD_OUT_COLOR_SHAPES: readonly ColoredShape[] = Object.freeze(
  [
    { shape: "square", color: "red" },
    { shape: "square", color: "cyan" },
    { shape: "circle", color: "green" },
    { shape: "circle", color: "purple" },
    { shape: "triangle", color: "yellow" },
    { shape: "triangle", color: "blue" },
    { shape: "cross", color: "yellow" },
    { shape: "cross", color: "purple" },
    { shape: "bar", color: "red" },
    { shape: "bar", color: "green" },
  ] as const,
);

/** The held-out triples as named; their converses are held out with them. */
export const HELD_OUT_TRIPLES: readonly ShapeTriple[] = Object.freeze(
  [
    { a: "square", relation: "left of", b: "circle" },
    { a: "circle", relation: "above", b: "triangle" },
    { a: "triangle", relation: "right of", b: "cross" },
    { a: "cross", relation: "below", b: "bar" },
    { a: "bar", relation: "left of", b: "triangle" },
    { a: "square", relation: "above", b: "cross" },
  ] as const,
);

/**
 * Whether a colour–shape pair is held out.
 *
 * @param shape The shape.
 * @param color The colour.
 * @returns True if no training scene may show this shape in this colour.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { isHeldOutColorShape } from "@dimo/dimo";
 * assert.equal(isHeldOutColorShape("square", "red"), true);
 * assert.equal(isHeldOutColorShape("square", "blue"), false);
 * ```
 */
export function isHeldOutColorShape(shape: SceneShape, color: SceneColor): boolean {
  return HELD_OUT_COLOR_SHAPES.some((p) => p.shape === shape && p.color === color);
}

/**
 * Whether a triple is held out, as named or as the converse of one named.
 *
 * @param triple The triple.
 * @returns True if no training scene may show `a` in `relation` to `b`.
 *
 * @example A held-out triple and its converse
 * ```ts
 * import assert from "node:assert";
 * import { isHeldOutTriple } from "@dimo/dimo";
 * assert.equal(isHeldOutTriple({ a: "square", relation: "left of", b: "circle" }), true);
 * assert.equal(isHeldOutTriple({ a: "circle", relation: "right of", b: "square" }), true);
 * assert.equal(isHeldOutTriple({ a: "circle", relation: "left of", b: "square" }), false);
 * ```
 */
export function isHeldOutTriple(triple: ShapeTriple): boolean {
  return HELD_OUT_TRIPLES.some((t) =>
    (t.a === triple.a && t.b === triple.b && t.relation === triple.relation) ||
    (t.a === triple.b && t.b === triple.a && CONVERSE_RELATION[t.relation] === triple.relation)
  );
}

/**
 * The held-out combinations a set of objects shows: each object of a held-out colour and shape,
 * each pair of different shapes in a held-out relation (named once, in the pair's order). Empty for every training scene.
 *
 * @param objects The objects of a scene.
 * @returns A description of each held-out combination found.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { heldOutCombinations } from "@dimo/dimo";
 * const square = { shape: "square", color: "blue", x: 2, y: 12, width: 8, height: 8 } as const;
 * const circle = { shape: "circle", color: "blue", x: 20, y: 12, width: 8, height: 8 } as const;
 * assert.deepEqual(heldOutCombinations([square, circle]), ["square left of circle"]);
 * assert.deepEqual(heldOutCombinations([{ ...square, x: 20 }, { ...circle, x: 2 }]), []);
 * ```
 */
export function heldOutCombinations(objects: readonly SceneObject[]): string[] {
  const found: string[] = [];
  for (const o of objects) {
    if (isHeldOutColorShape(o.shape, o.color)) found.push(`${o.color} ${o.shape}`);
  }
  // Each pair once: isHeldOutTriple already covers the converse.
  objects.forEach((a, i) => {
    for (const b of objects.slice(i + 1)) {
      if (a.shape === b.shape) continue;
      for (const relation of relationsBetween(a, b)) {
        if (isHeldOutTriple({ a: a.shape, relation, b: b.shape })) {
          found.push(`${a.shape} ${relation} ${b.shape}`);
        }
      }
    }
  });
  return found;
}

/** A prompt with its style and text. */
export interface StyledPrompt {
  /** What the prompt asks for. */
  readonly prompt: ScenePrompt;
  /** The style it names. */
  readonly style: SceneStyle;
  /** Its text, from {@linkcode promptText}. */
  readonly text: string;
}

/**
 * The held-out prompt list (like GenEval's 553 prompts): 134 prompts, each in the four styles.
 * Single object: every shape (5). Two objects: every ordered pair of different shapes (20).
 * Counting: every shape at two, three and four (15). Colours: the held-out pairs (10). Position:
 * the held-out triples and their converses (12). Colour attribution: every ordered pair of two
 * held-out colour–shape pairs with different shapes and different colours (72).
 *
 * @returns 536 prompts, in task order, the four styles of one prompt together.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { heldOutPrompts } from "@dimo/dimo";
 * const prompts = heldOutPrompts();
 * assert.equal(prompts.length, 536);
 * assert.equal(prompts.filter((p) => p.prompt.task === "position").length, 48);
 * assert.equal(prompts[0]!.text, "a drawing of a square");
 * ```
 */
export function heldOutPrompts(): StyledPrompt[] {
  const prompts: ScenePrompt[] = [];
  for (const shape of SCENE_SHAPES) prompts.push({ task: "single_object", shape });
  for (const a of SCENE_SHAPES) {
    for (const b of SCENE_SHAPES) if (a !== b) prompts.push({ task: "two_object", shapes: [a, b] });
  }
  for (const shape of SCENE_SHAPES) {
    for (const count of [2, 3, 4] as const) prompts.push({ task: "counting", shape, count });
  }
  for (const { shape, color } of HELD_OUT_COLOR_SHAPES) prompts.push({ task: "colors", shape, color });
  for (const t of HELD_OUT_TRIPLES) {
    prompts.push({ task: "position", shapes: [t.a, t.b], relation: t.relation });
    prompts.push({ task: "position", shapes: [t.b, t.a], relation: CONVERSE_RELATION[t.relation] });
  }
  for (const p of HELD_OUT_COLOR_SHAPES) {
    for (const q of HELD_OUT_COLOR_SHAPES) {
      if (p.shape !== q.shape && p.color !== q.color) prompts.push({ task: "color_attr", objects: [p, q] });
    }
  }
  return prompts.flatMap((prompt) =>
    SCENE_STYLES.map((style) => ({ prompt, style, text: promptText(prompt, style) }))
  );
}

/**
 * The colours a shape may take in a split: all of them held out, the training ones in training.
 *
 * @param shape The shape.
 * @param split The split.
 * @returns The allowed colours, in {@linkcode SCENE_COLORS} order.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { allowedColors } from "@dimo/dimo";
 * assert.deepEqual(allowedColors("square", "train"), ["yellow", "green", "blue", "purple"]);
 * assert.equal(allowedColors("square", "heldout").length, 6);
 * ```
 */
export function allowedColors(shape: SceneShape, split: SceneSplit): SceneColor[] {
  return SCENE_COLORS.filter((color) => split === "heldout" || !isHeldOutColorShape(shape, color));
}
