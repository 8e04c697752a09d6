/**
 * One-attribute prompt perturbations: the prompt an image almost satisfies, with one shape,
 * colour, count or relation changed, or two colours swapped between objects. A preference model
 * learns to rank them below the true prompt, and is validated by how often it does.
 *
 * @module
 */
import type { Rng } from "../rng/mod.ts";
import { checkOneOf, errorMessage } from "../validate/mod.ts";
import {
  CONVERSE_RELATION,
  SCENE_COLORS,
  SCENE_SHAPES,
  type SceneColor,
  type ScenePrompt,
  type SceneShape,
} from "./scenes.ts";
import { isHeldOutColorShape, isHeldOutTriple, SCENE_SPLITS, type SceneSplit } from "./scene_split.ts";

/** What a perturbation changes. */
export type PerturbKind = "shape" | "color" | "count" | "relation" | "swap_colors";

/** Every {@linkcode PerturbKind}. */
export const PERTURB_KINDS: readonly PerturbKind[] = Object.freeze([
  "shape",
  "color",
  "count",
  "relation",
  "swap_colors",
]);

/** A perturbed prompt and what was changed. */
export interface PromptPerturbation {
  /** What was changed. */
  readonly kind: PerturbKind;
  /** The perturbed prompt. */
  readonly prompt: ScenePrompt;
}

const otherShapes = (...used: SceneShape[]) => SCENE_SHAPES.filter((s) => !used.includes(s));
const otherColors = (...used: SceneColor[]) => SCENE_COLORS.filter((c) => !used.includes(c));

/** A two-shape prompt with one of its shapes replaced by a shape it does not name, every way. */
function withOneShapeReplaced<P extends { readonly shapes: readonly [SceneShape, SceneShape] }>(
  prompt: P,
): P[] {
  const [a, b] = prompt.shapes;
  const others = otherShapes(a, b);
  return [
    ...others.map((s) => ({ ...prompt, shapes: [s, b] as const })),
    ...others.map((s) => ({ ...prompt, shapes: [a, s] as const })),
  ];
}

/**
 * Every one-attribute perturbation of a prompt, in a fixed order:
 * - `shape`: one named shape replaced by a shape the prompt does not name;
 * - `color`: one named colour replaced by a colour the prompt does not name;
 * - `count`: another count of the counting prompt;
 * - `relation`: the position prompt's relation replaced by its converse;
 * - `swap_colors`: the colours of the two objects of a colour-attribution prompt exchanged.
 *
 * @param prompt The prompt.
 * @returns Its perturbations; none of them equals the prompt.
 *
 * @example A colour prompt has four shape and five colour perturbations
 * ```ts
 * import assert from "node:assert";
 * import { promptPerturbations } from "@dimo/dimo";
 * const all = promptPerturbations({ task: "colors", shape: "square", color: "red" });
 * assert.deepEqual([all.filter((p) => p.kind === "shape").length, all.filter((p) => p.kind === "color").length], [4, 5]);
 * ```
 */
export function promptPerturbations(prompt: ScenePrompt): PromptPerturbation[] {
  const out: PromptPerturbation[] = [];
  const add = (kind: PerturbKind, changed: ScenePrompt[]) =>
    changed.forEach((p) => out.push({ kind, prompt: p }));
  switch (prompt.task) {
    case "single_object":
      add("shape", otherShapes(prompt.shape).map((shape) => ({ ...prompt, shape })));
      break;
    case "two_object":
      add("shape", withOneShapeReplaced(prompt));
      break;
    case "counting":
      add("shape", otherShapes(prompt.shape).map((shape) => ({ ...prompt, shape })));
      add(
        "count",
        ([2, 3, 4] as const).filter((n) => n !== prompt.count).map((count) => ({ ...prompt, count })),
      );
      break;
    case "colors":
      add("shape", otherShapes(prompt.shape).map((shape) => ({ ...prompt, shape })));
      add("color", otherColors(prompt.color).map((color) => ({ ...prompt, color })));
      break;
    case "position": {
      add("shape", withOneShapeReplaced(prompt));
      add("relation", [{ ...prompt, relation: CONVERSE_RELATION[prompt.relation] }]);
      break;
    }
    case "color_attr": {
      const [a, b] = prompt.objects;
      const shapes = otherShapes(a.shape, b.shape);
      const colors = otherColors(a.color, b.color);
      add("shape", [
        ...shapes.map((shape) => ({ ...prompt, objects: [{ ...a, shape }, b] as const })),
        ...shapes.map((shape) => ({ ...prompt, objects: [a, { ...b, shape }] as const })),
      ]);
      add("color", [
        ...colors.map((color) => ({ ...prompt, objects: [{ ...a, color }, b] as const })),
        ...colors.map((color) => ({ ...prompt, objects: [a, { ...b, color }] as const })),
      ]);
      add("swap_colors", [{
        ...prompt,
        objects: [{ ...a, color: b.color }, { ...b, color: a.color }] as const,
      }]);
      break;
    }
  }
  return out;
}

/** Whether a prompt names a held-out colour–shape pair or triple. */
function namesHeldOut(prompt: ScenePrompt): boolean {
  switch (prompt.task) {
    case "colors":
      return isHeldOutColorShape(prompt.shape, prompt.color);
    case "color_attr":
      return prompt.objects.some((o) => isHeldOutColorShape(o.shape, o.color));
    case "position":
      return isHeldOutTriple({ a: prompt.shapes[0], relation: prompt.relation, b: prompt.shapes[1] });
    default:
      return false;
  }
}

/** Options of {@linkcode perturbPrompt}. */
export interface PerturbPromptOptions {
  /** The generator of the choice. */
  readonly rng: Rng;
  /**
   * "train" draws only perturbations that name no held-out combination, so training never reads
   * a held-out pair or triple even as a negative; "heldout" draws from all of them.
   * @default {"heldout"}
   */
  readonly split?: SceneSplit;
}

/**
 * Draws one perturbation of a prompt: a kind uniformly among those the prompt has (so a position
 * prompt's relation is flipped as often as a shape is changed), then a perturbation of that kind.
 *
 * @param prompt The prompt.
 * @param options The generator and the split.
 * @returns A perturbation.
 * @throws {RangeError} If the split is unknown, or no perturbation is allowed in it.
 *
 * @example Flip a relation or change a shape
 * ```ts
 * import assert from "node:assert";
 * import { createRng, perturbPrompt, promptText } from "@dimo/dimo";
 * const prompt = { task: "position", shapes: ["cross", "circle"], relation: "below" } as const;
 * const { kind, prompt: changed } = perturbPrompt(prompt, { rng: createRng(0) });
 * assert.ok(kind === "relation" || kind === "shape");
 * assert.notEqual(promptText(changed, "flat"), promptText(prompt, "flat"));
 * ```
 */
export function perturbPrompt(prompt: ScenePrompt, options: PerturbPromptOptions): PromptPerturbation {
  const { rng, split = "heldout" } = options;
  checkOneOf("perturb a prompt", "split", split, SCENE_SPLITS);
  const all = promptPerturbations(prompt).filter((p) => split === "heldout" || !namesHeldOut(p.prompt));
  const kinds = PERTURB_KINDS.filter((kind) => all.some((p) => p.kind === kind));
  if (kinds.length === 0) {
    throw new RangeError(
      errorMessage("perturb a prompt", "prompt", `perturbable in the ${split} split`, prompt),
    );
  }
  const kind = kinds[rng.int(kinds.length)]!;
  const ofKind = all.filter((p) => p.kind === kind);
  return ofKind[rng.int(ofKind.length)]!;
}
