/**
 * Validation of the scene judge on the held-out prompts: fresh ground-truth renders must be
 * judged correct, and deliberately wrong renders ({@linkcode wrongScene}: an object missing, the
 * count one off, a colour changed or swapped, the relation reversed) judged wrong, and so must the
 * renders with every object cut into pieces ({@linkcode fragmentScene}).
 *
 * @module
 */
import {
  fragmentScene,
  heldOutPrompts,
  renderScene,
  sampleScene,
  WRONG_KINDS,
  type WrongKind,
  wrongScene,
} from "../data/mod.ts";
import { createRng, shuffle } from "../rng/mod.ts";
import { checkInteger } from "../validate/mod.ts";
import { type JudgedImage, type JudgedRate, type JudgeRates, judgeRates, judgeScene } from "./scene_judge.ts";

/** Options of {@linkcode validateJudge}. */
export interface ValidateJudgeOptions {
  /**
   * Ground-truth renders; prompts are the held-out list shuffled, repeated as needed.
   * @default {536, each held-out prompt once}
   */
  readonly count?: number;
  /**
   * Seed of the prompt order, the scenes and the wrong renders.
   * @default {0}
   */
  readonly seed?: number;
  /**
   * Applied to each batch of renders before judging (e.g. an image tokenizer's encode-decode
   * round trip, whose ground-truth rate is then the ceiling any generator on its tokens can reach).
   * @default {none}
   */
  readonly transform?: (images: Uint8Array[]) => Uint8Array[] | Promise<Uint8Array[]>;
}

/** The judge's rates on held-out renders. */
export interface JudgeValidation {
  /** Ground-truth renders: the rates judged correct. */
  readonly groundTruth: JudgeRates;
  /** Wrong renders (every kind of each task): the rates judged wrong. */
  readonly wrong: JudgeRates;
  /** Wrong renders per kind: the rate judged wrong. */
  readonly wrongByKind: Readonly<Record<WrongKind, JudgedRate>>;
  /** The ground-truth renders with every object cut in four (`fragmentScene`): the rates judged wrong. */
  readonly fragmented: JudgeRates;
}

/**
 * Renders `count` scenes of held-out prompts, and for each every wrong render its task has, then
 * judges them all.
 *
 * @param options Sample size, seed and an optional transform of the renders.
 * @returns Ground-truth rates judged correct and wrong-render rates judged wrong.
 * @throws {RangeError} If `count` is not a positive integer or `seed` not a safe integer.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { validateJudge } from "@dimo/dimo";
 * const { groundTruth, wrong, fragmented } = await validateJudge({ count: 48 });
 * assert.ok(groundTruth.overall >= 0.98 && wrong.overall >= 0.98 && fragmented.overall >= 0.98);
 * ```
 */
export async function validateJudge(options: ValidateJudgeOptions = {}): Promise<JudgeValidation> {
  const prompts = heldOutPrompts();
  const { count = prompts.length, seed = 0, transform = (images: Uint8Array[]) => images } = options;
  checkInteger("validate the judge", "count", count, 1);
  checkInteger("validate the judge", "seed", seed, Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
  const rng = createRng(seed);
  const order = shuffle(prompts.map((_, i) => i), rng);
  const truths = [];
  const wrongs: { scene: ReturnType<typeof sampleScene>; kind: WrongKind }[] = [];
  for (let i = 0; i < count; i++) {
    const { prompt, style } = prompts[order[i % order.length]!]!;
    const scene = sampleScene(prompt, { style, rng, split: "heldout" });
    truths.push(scene);
    for (const kind of WRONG_KINDS[prompt.task]) wrongs.push({ scene: wrongScene(scene, kind, rng), kind });
  }
  type Scenes = readonly ReturnType<typeof sampleScene>[];
  const judge = async (
    scenes: Scenes,
    expect: boolean,
    draw = (scene: Scenes[number]) => renderScene(scene),
  ) => {
    const images = await transform(scenes.map(draw));
    return scenes.map((scene, i) => ({
      task: scene.prompt.task,
      style: scene.style,
      correct: judgeScene(images[i]!, scene.prompt).correct === expect,
    }));
  };
  const judgedWrong: JudgedImage[] = await judge(wrongs.map((w) => w.scene), false);
  const kinds = [...new Set(Object.values(WRONG_KINDS).flat())];
  const wrongByKind = Object.fromEntries(kinds.map((kind) => {
    const group = judgedWrong.filter((_, i) => wrongs[i]!.kind === kind);
    return [kind, { n: group.length, rate: group.filter((j) => j.correct).length / group.length }];
  })) as Record<WrongKind, JudgedRate>;
  return {
    groundTruth: judgeRates(await judge(truths, true)),
    wrong: judgeRates(judgedWrong),
    wrongByKind,
    fragmented: judgeRates(await judge(truths, false, (scene) => fragmentScene(scene, renderScene(scene)))),
  };
}
