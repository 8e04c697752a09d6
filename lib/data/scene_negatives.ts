/**
 * Deliberately wrong scenes, for validating a judge: each changes one thing the prompt asks for
 * (an object missing, the count one off, a colour changed or two swapped, the relation reversed)
 * and keeps the rest of the scene, its style and its texture seed.
 *
 * @module
 */
import type { Rng } from "../rng/mod.ts";
import { checkOneOf } from "../validate/mod.ts";
import { layout, placeOne } from "./_scene_layout.ts";
import { type Scene, SCENE_COLORS, SCENE_SIZE, type SceneObject, type SceneTask } from "./scenes.ts";

/** The ways a scene is made wrong. */
export type WrongKind = "missing" | "count_up" | "count_down" | "recolor" | "swap_colors" | "reverse";

/** The wrong kinds that contradict each task's prompt. */
export const WRONG_KINDS: Readonly<Record<SceneTask, readonly WrongKind[]>> = Object.freeze({
  single_object: Object.freeze(["missing"] as const),
  two_object: Object.freeze(["missing"] as const),
  counting: Object.freeze(["count_up", "count_down"] as const),
  colors: Object.freeze(["recolor"] as const),
  position: Object.freeze(["reverse", "missing"] as const),
  color_attr: Object.freeze(["swap_colors", "recolor", "missing"] as const),
});

/** The scene with the object at `index` replaced. */
function withObject(scene: Scene, index: number, object: SceneObject | null): Scene {
  const objects = scene.objects.flatMap((o, i) => i !== index ? [o] : object ? [object] : []);
  return { ...scene, objects };
}

/** A colour other than `color`. */
function otherColor(color: string, rng: Rng) {
  const others = SCENE_COLORS.filter((c) => c !== color);
  return others[rng.int(others.length)]!;
}

/**
 * Makes a scene wrong for its prompt in one way:
 * - `missing`: one object removed (for two-object prompts, one of the two);
 * - `count_up` / `count_down`: one more object of the counted shape, or one fewer (when the
 *   others leave no room for one more, all are laid out afresh);
 * - `recolor`: one named object given another colour;
 * - `swap_colors`: the two named objects' colours exchanged (colour attribution);
 * - `reverse`: every object mirrored across the image's middle, horizontally for "left of" /
 *   "right of", vertically for "above" / "below", so the relation turns into its converse.
 *
 * @param scene A scene that satisfies its prompt, objects in the prompt's order.
 * @param kind One of the prompt task's {@linkcode WRONG_KINDS}.
 * @param rng The generator of the choices (which object, which colour, where).
 * @returns The wrong scene.
 * @throws {RangeError} If `kind` does not apply to the scene's task.
 *
 * @example Reverse a relation
 * ```ts
 * import assert from "node:assert";
 * import { createRng, relationsBetween, sampleScene, wrongScene } from "@dimo/dimo";
 * const rng = createRng(0);
 * const prompt = { task: "position", shapes: ["square", "cross"], relation: "left of" } as const;
 * const scene = sampleScene(prompt, { style: "flat", rng, split: "heldout" });
 * const wrong = wrongScene(scene, "reverse", rng);
 * assert.deepEqual(relationsBetween(wrong.objects[0]!, wrong.objects[1]!), ["right of"]);
 * ```
 */
export function wrongScene(scene: Scene, kind: WrongKind, rng: Rng): Scene {
  const prompt = scene.prompt;
  checkOneOf(`make a wrong ${prompt.task} scene`, "kind", kind, WRONG_KINDS[prompt.task]);
  const objects = scene.objects;
  const named = prompt.task === "single_object" || prompt.task === "colors" ? 1 : 2;
  switch (kind) {
    case "missing":
    case "count_down":
      return withObject(scene, rng.int(prompt.task === "counting" ? objects.length : named), null);
    case "count_up": {
      const item = { shape: objects[0]!.shape, color: SCENE_COLORS[rng.int(SCENE_COLORS.length)]! };
      for (let attempt = 0; attempt < 50; attempt++) {
        const added = placeOne(item, objects, [8, 9], rng);
        if (added) return { ...scene, objects: [...objects, added] };
      }
      // No room left beside the others: lay all of them out afresh, one more than before.
      return { ...scene, objects: layout([...objects, item], () => true, rng) };
    }
    case "recolor": {
      const index = rng.int(named);
      const object = objects[index]!;
      return withObject(scene, index, { ...object, color: otherColor(object.color, rng) });
    }
    case "swap_colors": {
      const [a, b] = objects as [SceneObject, SceneObject];
      return { ...scene, objects: [{ ...a, color: b.color }, { ...b, color: a.color }, ...objects.slice(2)] };
    }
    case "reverse": {
      const horizontal = prompt.task === "position" &&
        (prompt.relation === "left of" || prompt.relation === "right of");
      return {
        ...scene,
        objects: objects.map((o) =>
          horizontal ? { ...o, x: SCENE_SIZE - o.x - o.width } : { ...o, y: SCENE_SIZE - o.y - o.height }
        ),
      };
    }
  }
}
