/**
 * The GenEval stand-in: decides from an image's pixels alone whether it satisfies its scene
 * prompt, task by task as GenEval does with its detector: the objects present, their count, their
 * colours, and their relation by bounding-box centres ({@linkcode relationsBetween}).
 *
 * @module
 */
import {
  relationsBetween,
  SCENE_PLURALS,
  SCENE_STYLES,
  SCENE_TASKS,
  type SceneColor,
  type ScenePrompt,
  type SceneShape,
  type SceneStyle,
  type SceneTask,
} from "../data/mod.ts";
import { type DetectedObject, detectObjects } from "./scene_objects.ts";

/** The judge's decision on one image. */
export interface SceneJudgement {
  /** Whether the image satisfies the prompt. */
  readonly correct: boolean;
  /** Why, in a few words ("2 crosses, asked for 3"). */
  readonly reason: string;
  /** The objects found. */
  readonly objects: readonly DetectedObject[];
}

/** Objects of a shape, most pixels first. */
function ofShape(objects: readonly DetectedObject[], shape: SceneShape): DetectedObject[] {
  return objects.filter((o) => o.shape === shape);
}

/** Why a shape's objects fail "present, every one of this colour", or "" when they pass. */
function colorFault(objects: readonly DetectedObject[], shape: SceneShape, color?: SceneColor): string {
  const found = ofShape(objects, shape);
  if (found.length === 0) return `no ${shape}`;
  const other = found.find((o) => color !== undefined && o.color !== color);
  return other ? `a ${other.color} ${shape}, asked for ${color}` : "";
}

/**
 * Judges one image against its prompt, as GenEval does per task:
 * - single object: at least one object of the shape;
 * - two objects: at least one of each shape;
 * - counting: exactly the count of objects of the shape;
 * - colours: at least one object of the shape, and every one of the colour;
 * - position: both shapes present, and the largest of the first in the relation to the largest
 *   of the second;
 * - colour attribution: both shapes present, every object of each in its colour.
 * Objects of other shapes are ignored, as GenEval ignores other classes.
 *
 * @param image `32 · 32 · 3` bytes, row-major RGB.
 * @param prompt What the prompt asks for.
 * @returns The decision, its reason and the objects found.
 * @throws {RangeError} If the image has the wrong length.
 *
 * @example A ground-truth render passes; the same scene with one object fewer fails
 * ```ts
 * import assert from "node:assert";
 * import { createRng, judgeScene, renderScene, sampleScene, wrongScene } from "@dimo/dimo";
 * const rng = createRng(0);
 * const prompt = { task: "counting", shape: "triangle", count: 3 } as const;
 * const scene = sampleScene(prompt, { style: "textured", rng, split: "train" });
 * assert.equal(judgeScene(renderScene(scene), prompt).correct, true);
 * const wrong = judgeScene(renderScene(wrongScene(scene, "count_down", rng)), prompt);
 * assert.deepEqual([wrong.correct, wrong.reason], [false, "2 triangles, asked for 3"]);
 * ```
 */
export function judgeScene(image: Uint8Array, prompt: ScenePrompt): SceneJudgement {
  const objects = detectObjects(image);
  const decide = (reason: string): SceneJudgement => ({
    correct: reason === "",
    reason: reason || "ok",
    objects,
  });
  switch (prompt.task) {
    case "single_object":
      return decide(colorFault(objects, prompt.shape));
    case "two_object":
      return decide(prompt.shapes.map((s) => colorFault(objects, s)).find((r) => r !== "") ?? "");
    case "counting": {
      const n = ofShape(objects, prompt.shape).length;
      return decide(
        n === prompt.count
          ? ""
          : `${n} ${n === 1 ? prompt.shape : SCENE_PLURALS[prompt.shape]}, asked for ${prompt.count}`,
      );
    }
    case "colors":
      return decide(colorFault(objects, prompt.shape, prompt.color));
    case "position": {
      const [a, b] = prompt.shapes.map((s) => ofShape(objects, s)[0]);
      if (!a || !b) return decide(`no ${a ? prompt.shapes[1] : prompt.shapes[0]}`);
      const relations = relationsBetween(a, b);
      return decide(
        relations.includes(prompt.relation)
          ? ""
          : `${prompt.shapes[0]} ${relations.join(" and ") || "near"} ${
            prompt.shapes[1]
          }, asked for ${prompt.relation}`,
      );
    }
    case "color_attr":
      return decide(
        prompt.objects.map((o) => colorFault(objects, o.shape, o.color)).find((r) => r !== "") ?? "",
      );
  }
}

/** A rate over a group of judged images. */
export interface JudgedRate {
  /** Images in the group. */
  readonly n: number;
  /** Fraction of them judged correct (NaN for an empty group). */
  readonly rate: number;
}

/** Rates of judged images: overall (GenEval's mean over tasks), per task, per style. */
export interface JudgeRates {
  /** Mean of the per-task rates over tasks with images, as GenEval's overall score. */
  readonly overall: number;
  /** Per task. */
  readonly byTask: Readonly<Record<SceneTask, JudgedRate>>;
  /** Per style. */
  readonly byStyle: Readonly<Record<SceneStyle, JudgedRate>>;
}

/** One judged image, for {@linkcode judgeRates}. */
export interface JudgedImage {
  /** The prompt's task. */
  readonly task: SceneTask;
  /** The style asked for. */
  readonly style: SceneStyle;
  /** Whether the judge found it correct. */
  readonly correct: boolean;
}

/**
 * Rates of images judged correct, per task, per style, and overall as GenEval reports it: the
 * mean of the per-task rates.
 *
 * @param judged The judged images.
 * @returns The rates.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { judgeRates } from "@dimo/dimo";
 * const rates = judgeRates([
 *   { task: "counting", style: "flat", correct: true },
 *   { task: "counting", style: "shaded", correct: false },
 *   { task: "colors", style: "flat", correct: true },
 * ]);
 * assert.equal(rates.byTask.counting.rate, 0.5);
 * assert.equal(rates.byStyle.flat.rate, 1);
 * assert.equal(rates.overall, 0.75);
 * ```
 */
export function judgeRates(judged: readonly JudgedImage[]): JudgeRates {
  const rate = (group: readonly JudgedImage[]): JudgedRate => ({
    n: group.length,
    rate: group.length === 0 ? NaN : group.filter((j) => j.correct).length / group.length,
  });
  const byTask = Object.fromEntries(
    SCENE_TASKS.map((t) => [t, rate(judged.filter((j) => j.task === t))]),
  ) as Record<
    SceneTask,
    JudgedRate
  >;
  const byStyle = Object.fromEntries(
    SCENE_STYLES.map((s) => [s, rate(judged.filter((j) => j.style === s))]),
  ) as Record<
    SceneStyle,
    JudgedRate
  >;
  const present = Object.values(byTask).filter((r) => r.n > 0);
  return {
    overall: present.length === 0 ? NaN : present.reduce((sum, r) => sum + r.rate, 0) / present.length,
    byTask,
    byStyle,
  };
}
