import assert from "node:assert/strict";
import {
  fragmentScene,
  renderScene,
  type Scene,
  SCENE_COLORS,
  SCENE_SHAPES,
  SCENE_STYLES,
  SCENE_TASKS,
  type SceneObject,
  type ScenePrompt,
  type SceneStyle,
} from "../data/mod.ts";
import { detectObjects, judgeRates, judgeScene, validateJudge } from "./mod.ts";

/** Renders objects for a prompt in a style. */
function render(
  prompt: ScenePrompt,
  objects: SceneObject[],
  style: SceneStyle = "flat",
  seed = 0,
): Uint8Array {
  const scene: Scene = { prompt, style, objects, seed };
  return renderScene(scene);
}

const box = (shape: SceneObject["shape"], color: SceneObject["color"], x: number, y: number, size = 9) => {
  const bar = shape === "bar";
  return { shape, color, x, y, width: bar ? size + 2 : size, height: bar ? Math.round(size * 0.45) : size };
};

/** A 3 × 3 blur keeping `centre` of each pixel, like a reconstruction's softened edges. */
function blur(image: Uint8Array, centre: number): Uint8Array {
  const out = new Uint8Array(image.length);
  for (let r = 0; r < 32; r++) {
    for (let c = 0; c < 32; c++) {
      for (let k = 0; k < 3; k++) {
        let sum = 0, weight = 0;
        for (let dr = -1; dr <= 1; dr++) {
          for (let dc = -1; dc <= 1; dc++) {
            if (r + dr < 0 || c + dc < 0 || r + dr > 31 || c + dc > 31) continue;
            const w = dr === 0 && dc === 0 ? centre : (1 - centre) / 8;
            sum += w * image[((r + dr) * 32 + c + dc) * 3 + k]!;
            weight += w;
          }
        }
        out[(r * 32 + c) * 3 + k] = Math.round(sum / weight);
      }
    }
  }
  return out;
}

Deno.test("detectObjects() reads every shape at every size, colour and style", () => {
  for (const style of SCENE_STYLES) {
    for (const shape of SCENE_SHAPES) {
      for (const size of [8, 9, 10, 11]) {
        SCENE_COLORS.forEach((color, i) => {
          const object = box(shape, color, 3 + i, 5 + (size % 3));
          const found = detectObjects(render({ task: "single_object", shape }, [object], style, i + size));
          assert.equal(found.length, 1, `${style} ${color} ${shape} ${size}`);
          const { x, y, width, height } = found[0]!;
          assert.deepEqual(
            { shape: found[0]!.shape, color: found[0]!.color },
            { shape, color },
            `${style} ${size}`,
          );
          assert.deepEqual({ x, y, width, height }, {
            x: object.x,
            y: object.y,
            width: object.width,
            height: object.height,
          });
        });
      }
    }
  }
});

Deno.test("detectObjects() finds nothing in a blank image and refuses a wrong length", () => {
  assert.deepEqual(detectObjects(render({ task: "single_object", shape: "bar" }, [], "shaded", 3)), []);
  assert.throws(() => detectObjects(new Uint8Array(12)), /'image.length' must be 3072: current value is 12/);
});

Deno.test("judgeScene() decides each task as GenEval does", () => {
  const redSquare = box("square", "red", 2, 12);
  const blueCircle = box("circle", "blue", 20, 12);
  const yellowCross = box("cross", "yellow", 12, 1);
  const cases: [ScenePrompt, SceneObject[], boolean, string][] = [
    [{ task: "single_object", shape: "square" }, [redSquare, blueCircle], true, "ok"],
    [{ task: "single_object", shape: "triangle" }, [redSquare], false, "no triangle"],
    [{ task: "two_object", shapes: ["circle", "square"] }, [redSquare, blueCircle], true, "ok"],
    [{ task: "two_object", shapes: ["circle", "cross"] }, [redSquare, blueCircle], false, "no cross"],
    [
      { task: "counting", shape: "circle", count: 2 },
      [redSquare, blueCircle, { ...blueCircle, y: 1 }],
      true,
      "ok",
    ],
    [{ task: "counting", shape: "cross", count: 2 }, [yellowCross], false, "1 cross, asked for 2"],
    [{ task: "colors", shape: "square", color: "red" }, [redSquare, blueCircle], true, "ok"],
    [
      { task: "colors", shape: "circle", color: "red" },
      [redSquare, blueCircle],
      false,
      "a blue circle, asked for red",
    ],
    [
      { task: "colors", shape: "square", color: "red" },
      [redSquare, { ...redSquare, color: "green", x: 20 }],
      false,
      "a green square, asked for red",
    ],
    [
      { task: "position", shapes: ["square", "circle"], relation: "left of" },
      [redSquare, blueCircle],
      true,
      "ok",
    ],
    [
      { task: "position", shapes: ["circle", "square"], relation: "left of" },
      [redSquare, blueCircle],
      false,
      "circle right of square, asked for left of",
    ],
    [
      { task: "position", shapes: ["cross", "circle"], relation: "above" },
      [yellowCross, blueCircle],
      true,
      "ok",
    ],
    [{ task: "position", shapes: ["cross", "bar"], relation: "above" }, [yellowCross], false, "no bar"],
    [
      { task: "position", shapes: ["square", "circle"], relation: "below" },
      [{ ...redSquare, y: 2 }, { ...blueCircle, y: 20 }],
      false,
      "square left of and above circle, asked for below",
    ],
    [
      {
        task: "color_attr",
        objects: [{ shape: "circle", color: "blue" }, { shape: "square", color: "red" }],
      },
      [redSquare, blueCircle, yellowCross],
      true,
      "ok",
    ],
    [
      {
        task: "color_attr",
        objects: [{ shape: "circle", color: "red" }, { shape: "square", color: "blue" }],
      },
      [redSquare, blueCircle],
      false,
      "a blue circle, asked for red",
    ],
  ];
  for (const [prompt, objects, correct, reason] of cases) {
    for (const style of SCENE_STYLES) {
      const judgement = judgeScene(render(prompt, objects, style, 5), prompt);
      assert.deepEqual(
        [judgement.correct, judgement.reason],
        [correct, reason],
        `${JSON.stringify(prompt)} ${style}`,
      );
    }
  }
});

Deno.test("validateJudge() passes 98% both ways on the held-out prompts in every task and style", async () => {
  const { groundTruth, wrong, wrongByKind } = await validateJudge({ count: 536, seed: 1 });
  for (const rates of [groundTruth, wrong]) {
    assert.ok(rates.overall >= 0.98, `overall ${rates.overall}`);
    for (const task of SCENE_TASKS) {
      assert.ok(rates.byTask[task].n > 0 && rates.byTask[task].rate >= 0.98, task);
    }
    for (const style of SCENE_STYLES) {
      assert.ok(rates.byStyle[style].n > 0 && rates.byStyle[style].rate >= 0.98, style);
    }
  }
  assert.equal(groundTruth.byTask.color_attr.n, 288);
  assert.equal(wrong.byTask.color_attr.n, 3 * 288);
  for (const [kind, rate] of Object.entries(wrongByKind)) assert.ok(rate.n > 0 && rate.rate >= 0.98, kind);
});

Deno.test("validateJudge() applies a transform, and a judge fooled by it shows in the rates", async () => {
  const blurred = await validateJudge({
    count: 240,
    seed: 2,
    transform: (images) => images.map((i) => blur(i, 0.5)),
  });
  assert.ok(blurred.groundTruth.overall >= 0.98 && blurred.wrong.overall >= 0.98);
  // Grey images hold no objects: every ground truth fails, every wrong render is judged wrong.
  const erased = await validateJudge({
    count: 24,
    transform: (images) => images.map((i) => i.map(() => 128)),
  });
  assert.equal(erased.groundTruth.overall, 0);
  assert.equal(erased.wrong.overall, 1);
  await assert.rejects(validateJudge({ count: 0 }), /'count' must be an integer >= 1/);
});

Deno.test("judgeRates() averages per task, GenEval's overall, and leaves empty groups NaN", () => {
  const judged = Array.from({ length: 60 }, (_, i) => ({
    task: SCENE_TASKS[i % 2]!,
    style: SCENE_STYLES[0]!,
    correct: i % 2 === 0,
  }));
  const rates = judgeRates(judged);
  assert.equal(rates.byTask.single_object.rate, 1);
  assert.equal(rates.byTask.two_object.rate, 0);
  assert.equal(rates.overall, 0.5);
  assert.ok(Number.isNaN(rates.byTask.counting.rate));
  assert.equal(rates.byStyle.flat.n, 60);
  assert.ok(Number.isNaN(judgeRates([]).overall));
});

Deno.test("detectObjects() takes no fragment for an object: every piece of an object cut in four is left out", () => {
  for (const style of SCENE_STYLES) {
    for (const shape of SCENE_SHAPES) {
      for (const size of [8, 11]) {
        const scene: Scene = {
          prompt: { task: "single_object", shape },
          style,
          objects: [box(shape, "blue", 10, 10, size)],
          seed: size,
        };
        const whole = detectObjects(renderScene(scene));
        assert.deepEqual(whole.map((o) => [o.shape, o.fit]), [[shape, 1]], `${style} ${shape} ${size}`);
        const pieces = detectObjects(fragmentScene(scene, renderScene(scene)));
        assert.deepEqual(pieces, [], `${style} ${shape} ${size}: ${JSON.stringify(pieces)}`);
      }
    }
  }
});

Deno.test("detectObjects() leaves out a blob of an object's size that is not its shape", () => {
  // An L of a cross's size: classified a cross by its fill, but half the cross's pixels are missing.
  const image = render({ task: "single_object", shape: "cross" }, []);
  for (let r = 8; r < 18; r++) {
    for (let c = 8; c < 18; c++) {
      if (c < 10 || r >= 16) image.set([40, 40, 220], (r * 32 + c) * 3);
    }
  }
  assert.deepEqual(detectObjects(image), []);
  assert.equal(judgeScene(image, { task: "single_object", shape: "cross" }).correct, false);
});
