/**
 * Draws scenes: a prompt of a task, then a scene satisfying it, every attribute the prompt leaves
 * open (colours, sizes, positions, style's texture) drawn at random from an {@linkcode Rng}.
 * Training draws never show a held-out combination ({@linkcode heldOutCombinations}).
 *
 * @module
 */
import type { Rng } from "../rng/mod.ts";
import { checkInteger, checkOneOf, errorMessage } from "../validate/mod.ts";
import { layout } from "./_scene_layout.ts";
import {
  type ColoredShape,
  promptText,
  relationsBetween,
  type Scene,
  SCENE_RELATIONS,
  SCENE_SHAPES,
  SCENE_STYLES,
  SCENE_TASKS,
  type SceneObject,
  type ScenePrompt,
  type SceneShape,
  type SceneStyle,
  type SceneTask,
} from "./scenes.ts";
import {
  allowedColors,
  heldOutCombinations,
  isHeldOutTriple,
  SCENE_SPLITS,
  type SceneSplit,
} from "./scene_split.ts";

function pick<T>(items: readonly T[], rng: Rng): T {
  return items[rng.int(items.length)]!;
}

/** Two different shapes. */
function twoShapes(rng: Rng): [SceneShape, SceneShape] {
  const a = pick(SCENE_SHAPES, rng);
  return [a, pick(SCENE_SHAPES.filter((s) => s !== a), rng)];
}

/** A shape with a colour allowed in the split. */
function coloredShape(shape: SceneShape, split: SceneSplit, rng: Rng): ColoredShape {
  return { shape, color: pick(allowedColors(shape, split), rng) };
}

/**
 * Draws a prompt of a task, uniformly over the prompts the split allows: a training prompt never
 * names a held-out colour–shape pair or triple. Two-shape prompts name two different shapes, and
 * colour attribution two different colours.
 *
 * @param task The task.
 * @param options The generator and the split.
 * @returns What the prompt asks for.
 * @throws {RangeError} If the task or split is unknown.
 *
 * @example A training colour prompt is never a held-out pair
 * ```ts
 * import assert from "node:assert";
 * import { createRng, isHeldOutColorShape, sampleScenePrompt } from "@dimo/dimo";
 * const rng = createRng(0);
 * for (let i = 0; i < 50; i++) {
 *   const prompt = sampleScenePrompt("colors", { rng, split: "train" });
 *   assert.ok(prompt.task === "colors" && !isHeldOutColorShape(prompt.shape, prompt.color));
 * }
 * ```
 */
export function sampleScenePrompt(task: SceneTask, options: { rng: Rng; split: SceneSplit }): ScenePrompt {
  checkOneOf("draw a prompt", "task", task, SCENE_TASKS);
  checkOneOf("draw a prompt", "split", options.split, SCENE_SPLITS);
  const { rng, split } = options;
  switch (task) {
    case "single_object":
      return { task, shape: pick(SCENE_SHAPES, rng) };
    case "two_object":
      return { task, shapes: twoShapes(rng) };
    case "counting":
      return { task, shape: pick(SCENE_SHAPES, rng), count: pick([2, 3, 4] as const, rng) };
    case "colors": {
      const { shape, color } = coloredShape(pick(SCENE_SHAPES, rng), split, rng);
      return { task, shape, color };
    }
    case "position":
      for (;;) {
        const shapes = twoShapes(rng);
        const relation = pick(SCENE_RELATIONS, rng);
        if (split === "heldout" || !isHeldOutTriple({ a: shapes[0], relation, b: shapes[1] })) {
          return { task, shapes, relation };
        }
      }
    case "color_attr":
      for (;;) {
        const [a, b] = twoShapes(rng);
        const objects: [ColoredShape, ColoredShape] = [
          coloredShape(a, split, rng),
          coloredShape(b, split, rng),
        ];
        if (objects[0].color !== objects[1].color) return { task, objects };
      }
  }
}

/** The objects a prompt's scene shows, colours the prompt leaves open drawn from the split's. */
function sceneItems(prompt: ScenePrompt, split: SceneSplit, rng: Rng): ColoredShape[] {
  switch (prompt.task) {
    case "single_object":
      return [coloredShape(prompt.shape, split, rng)];
    case "two_object":
    case "position":
      return prompt.shapes.map((shape) => coloredShape(shape, split, rng));
    case "counting":
      return Array.from({ length: prompt.count }, () => coloredShape(prompt.shape, split, rng));
    case "colors":
      return [{ shape: prompt.shape, color: prompt.color }];
    case "color_attr":
      return [...prompt.objects];
  }
}

/**
 * Lays out a scene that satisfies a prompt. Position scenes stand in the asked relation and in
 * no other ({@linkcode relationsBetween}), so the picture is unambiguous. In training, a layout
 * showing a held-out combination is redrawn; a training prompt naming one is refused.
 *
 * @param prompt What the prompt asks for.
 * @param options The style, the generator and the split.
 * @returns The scene, with a seed for its texture drawn from `rng`.
 * @throws {RangeError} If the split is "train" and the prompt names a held-out combination.
 *
 * @example A position scene
 * ```ts
 * import assert from "node:assert";
 * import { createRng, relationsBetween, sampleScene } from "@dimo/dimo";
 * const prompt = { task: "position", shapes: ["cross", "circle"], relation: "below" } as const;
 * const scene = sampleScene(prompt, { style: "shaded", rng: createRng(1), split: "train" });
 * assert.deepEqual(relationsBetween(scene.objects[0]!, scene.objects[1]!), ["below"]);
 * ```
 */
export function sampleScene(
  prompt: ScenePrompt,
  options: { style: SceneStyle; rng: Rng; split: SceneSplit },
): Scene {
  const { style, rng, split } = options;
  checkOneOf("draw a scene", "style", style, SCENE_STYLES);
  checkOneOf("draw a scene", "split", split, SCENE_SPLITS);
  const items = sceneItems(prompt, split, rng);
  if (split === "train") {
    // Boxes all at one point stand in no relation, so only colour pairs are found here.
    const named = heldOutCombinations(items.map((item) => ({ ...item, x: 0, y: 0, width: 1, height: 1 })));
    if (
      prompt.task === "position" &&
      isHeldOutTriple({ a: prompt.shapes[0], relation: prompt.relation, b: prompt.shapes[1] })
    ) {
      named.push(`${prompt.shapes[0]} ${prompt.relation} ${prompt.shapes[1]}`);
    }
    if (named.length > 0) {
      throw new RangeError(
        errorMessage("draw a training scene", "prompt", "free of held-out combinations", named.join(", ")),
      );
    }
  }
  const accept = (objects: readonly SceneObject[]) => {
    if (split === "train" && heldOutCombinations(objects).length > 0) return false;
    if (prompt.task !== "position") return true;
    const relations = relationsBetween(objects[0]!, objects[1]!);
    return relations.length === 1 && relations[0] === prompt.relation;
  };
  const objects = layout(items, accept, rng);
  return { prompt, style, objects, seed: rng.int(2 ** 31) };
}

/** A scene with its prompt's text. */
export interface SceneSample {
  /** The scene. */
  readonly scene: Scene;
  /** The prompt text, from {@linkcode promptText}. */
  readonly text: string;
}

/** Options of {@linkcode sampleScenes}. */
export interface SampleScenesOptions {
  /** The generator of every draw. */
  readonly rng: Rng;
  /** The split. */
  readonly split: SceneSplit;
  /**
   * Relative weight of each task.
   * @default {equal weights over the six tasks}
   */
  readonly tasks?: Partial<Record<SceneTask, number>>;
  /**
   * The styles to draw from, uniformly.
   * @default {SCENE_STYLES}
   */
  readonly styles?: readonly SceneStyle[];
}

/**
 * Draws (scene, prompt) pairs: a task by weight, a prompt of it, a style, a scene.
 *
 * @param count How many pairs.
 * @param options The generator, split, task mix and styles.
 * @returns `count` pairs.
 * @throws {RangeError} If `count` is not a non-negative integer, a weight is negative or not
 *   finite, no weight is positive, or a style is unknown.
 *
 * @example Counting prompts only
 * ```ts
 * import assert from "node:assert";
 * import { createRng, sampleScenes } from "@dimo/dimo";
 * const samples = sampleScenes(4, { rng: createRng(2), split: "train", tasks: { counting: 1 } });
 * assert.ok(samples.every((s) => s.scene.prompt.task === "counting"));
 * assert.ok(samples.every((s) => /^a \w+ of (two|three|four) \w+$/.test(s.text)));
 * ```
 */
export function sampleScenes(count: number, options: SampleScenesOptions): SceneSample[] {
  checkInteger("draw scenes", "count", count, 0);
  const weights = SCENE_TASKS.map((task) => options.tasks ? options.tasks[task] ?? 0 : 1);
  for (const [task, weight] of Object.entries(options.tasks ?? {})) {
    checkOneOf("draw scenes", "tasks", task, SCENE_TASKS);
    if (!(Number.isFinite(weight) && weight >= 0)) {
      throw new RangeError(errorMessage("draw scenes", `tasks.${task}`, "a finite number >= 0", weight));
    }
  }
  const total = weights.reduce((a, b) => a + b, 0);
  if (!(total > 0)) {
    throw new RangeError(errorMessage("draw scenes", "tasks", "a mix with a positive weight", options.tasks));
  }
  const styles = options.styles ?? SCENE_STYLES;
  if (styles.length === 0) {
    throw new RangeError(errorMessage("draw scenes", "styles", "a non-empty list", styles));
  }
  styles.forEach((style, i) => checkOneOf("draw scenes", `styles[${i}]`, style, SCENE_STYLES));
  const { rng, split } = options;
  return Array.from({ length: count }, () => {
    let u = rng.next() * total;
    const index = weights.findIndex((w) => (u -= w) < 0);
    const task = SCENE_TASKS[index === -1 ? weights.findLastIndex((w) => w > 0) : index]!;
    const style = pick(styles, rng);
    const scene = sampleScene(sampleScenePrompt(task, { rng, split }), { style, rng, split });
    return { scene, text: promptText(scene.prompt, style) };
  });
}
