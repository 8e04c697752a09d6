import assert from "node:assert/strict";
import { createRng } from "../rng/mod.ts";
import { tf } from "../backend/mod.ts";
import { useTestBackend } from "../backend/testing.ts";
import { apart } from "./_scene_layout.ts";
import {
  heldOutCombinations,
  heldOutPrompts,
  isHeldOutColorShape,
  isHeldOutTriple,
  promptText,
  relationsBetween,
  renderScene,
  sampleScene,
  sampleScenePrompt,
  sampleScenes,
  type Scene,
  SCENE_BACKGROUND,
  SCENE_PALETTE,
  SCENE_SIZE,
  SCENE_STYLES,
  SCENE_TASKS,
  scenesToTensor,
  WRONG_KINDS,
  wrongScene,
} from "./mod.ts";

/** Hue in degrees of an RGB pixel, and its saturation. */
function hueSat(r: number, g: number, b: number): [number, number] {
  const max = Math.max(r, g, b), min = Math.min(r, g, b), d = max - min;
  if (d === 0) return [0, 0];
  const h = max === r ? ((g - b) / d + 6) % 6 : max === g ? (b - r) / d + 2 : (r - g) / d + 4;
  return [h * 60, d / max];
}

Deno.test("promptText() writes GenEval's six templates with the style's noun", () => {
  assert.equal(promptText({ task: "single_object", shape: "bar" }, "flat"), "a drawing of a bar");
  assert.equal(
    promptText({ task: "two_object", shapes: ["circle", "cross"] }, "outlined"),
    "a sketch of a circle and a cross",
  );
  assert.equal(
    promptText({ task: "counting", shape: "circle", count: 4 }, "textured"),
    "a painting of four circles",
  );
  assert.equal(
    promptText({ task: "colors", shape: "square", color: "cyan" }, "shaded"),
    "a photo of a cyan square",
  );
  assert.equal(
    promptText({ task: "position", shapes: ["bar", "triangle"], relation: "above" }, "flat"),
    "a drawing of a bar above a triangle",
  );
  assert.equal(
    promptText({
      task: "color_attr",
      objects: [{ shape: "bar", color: "red" }, { shape: "circle", color: "blue" }],
    }, "shaded"),
    "a photo of a red bar and a blue circle",
  );
});

Deno.test("relationsBetween() finds two relations on a diagonal and none for near boxes", () => {
  const a = { x: 1, y: 1, width: 8, height: 8 };
  assert.deepEqual(relationsBetween(a, { x: 20, y: 20, width: 8, height: 8 }), ["left of", "above"]);
  assert.deepEqual(relationsBetween(a, { x: 3, y: 2, width: 8, height: 8 }), []);
  assert.deepEqual(
    relationsBetween({ x: 10, y: 20, width: 8, height: 8 }, { x: 11, y: 2, width: 8, height: 8 }),
    [
      "below",
    ],
  );
});

Deno.test("renderScene() keeps each colour's hue in every style and the background grey", () => {
  const rng = createRng(3);
  for (const style of SCENE_STYLES) {
    for (const { scene } of sampleScenes(40, { rng, split: "heldout", styles: [style] })) {
      const image = renderScene(scene);
      const owner = new Int32Array(SCENE_SIZE * SCENE_SIZE).fill(-1);
      scene.objects.forEach((o, i) => {
        for (let r = o.y; r < o.y + o.height; r++) {
          for (let c = o.x; c < o.x + o.width; c++) owner[r * SCENE_SIZE + c] = i;
        }
      });
      let coloured = 0;
      for (let p = 0; p < SCENE_SIZE * SCENE_SIZE; p++) {
        const [h, s] = hueSat(image[3 * p]!, image[3 * p + 1]!, image[3 * p + 2]!);
        if (s === 0) continue;
        coloured++;
        const object = scene.objects[owner[p]!];
        assert.ok(object, `${style}: coloured pixel ${p} outside every box`);
        const [h0] = hueSat(...(SCENE_PALETTE[object.color] as [number, number, number]));
        const diff = Math.min(Math.abs(h - h0), 360 - Math.abs(h - h0));
        assert.ok(diff < 8, `${style}: hue ${h} of a ${object.color} pixel is ${diff}° off`);
      }
      assert.ok(coloured >= 20 * scene.objects.length, `${style}: ${coloured} coloured pixels`);
    }
  }
  const empty = renderScene({
    prompt: { task: "single_object", shape: "bar" },
    style: "flat",
    objects: [],
    seed: 0,
  });
  assert.ok(empty.every((v) => v === SCENE_BACKGROUND[0]));
});

Deno.test("renderScene() is a function of the scene: its seed changes texture and shading only", () => {
  const scene = sampleScenes(1, { rng: createRng(8), split: "train", styles: ["textured"] })[0]!.scene;
  assert.deepEqual(renderScene(scene), renderScene(structuredClone(scene)));
  assert.notDeepEqual(renderScene(scene), renderScene({ ...scene, seed: scene.seed + 1 }));
  const flat: Scene = { ...scene, style: "flat" };
  assert.deepEqual(renderScene(flat), renderScene({ ...flat, seed: flat.seed + 1 }));
});

Deno.test("renderScene() refuses a box outside the image, naming the object", () => {
  const scene: Scene = {
    prompt: { task: "single_object", shape: "square" },
    style: "flat",
    objects: [{ shape: "square", color: "red", x: 28, y: 0, width: 8, height: 8 }],
    seed: 0,
  };
  assert.throws(() => renderScene(scene), /'objects\[0\]' must be an integer box inside the 32×32 image/);
});

Deno.test("sampleScenes() draws separated scenes that match their prompts, reproducibly", () => {
  const samples = sampleScenes(600, { rng: createRng(11), split: "heldout" });
  assert.deepEqual(samples, sampleScenes(600, { rng: createRng(11), split: "heldout" }));
  const tasks = new Set(samples.map((s) => s.scene.prompt.task));
  assert.equal(tasks.size, SCENE_TASKS.length);
  for (const { scene, text } of samples) {
    assert.equal(text, promptText(scene.prompt, scene.style));
    const objects = scene.objects;
    objects.forEach((a, i) => objects.slice(i + 1).forEach((b) => assert.ok(apart(a, b))));
    const p = scene.prompt;
    const shapes = objects.map((o) => o.shape);
    if (p.task === "counting") assert.deepEqual(shapes, Array(p.count).fill(p.shape));
    if (p.task === "two_object" || p.task === "position") assert.deepEqual(shapes, p.shapes);
    if (p.task === "position") assert.deepEqual(relationsBetween(objects[0]!, objects[1]!), [p.relation]);
    if (p.task === "colors") assert.deepEqual([objects[0]!.shape, objects[0]!.color], [p.shape, p.color]);
    if (p.task === "color_attr") {
      assert.deepEqual(objects.map(({ shape, color }) => ({ shape, color })), p.objects);
    }
  }
});

Deno.test("training scenes never show a held-out pair or triple, named or not", () => {
  const samples = sampleScenes(1500, { rng: createRng(12), split: "train" });
  for (const { scene } of samples) {
    assert.deepEqual(heldOutCombinations(scene.objects), [], JSON.stringify(scene));
  }
  const heldout = sampleScenes(1500, {
    rng: createRng(12),
    split: "heldout",
    tasks: { two_object: 1, colors: 1 },
  });
  assert.ok(heldout.filter((s) => heldOutCombinations(s.scene.objects).length > 0).length > 100);
  const rng = createRng(4);
  for (let i = 0; i < 300; i++) {
    const p = sampleScenePrompt("position", { rng, split: "train" });
    assert.ok(
      p.task === "position" && !isHeldOutTriple({ a: p.shapes[0], relation: p.relation, b: p.shapes[1] }),
    );
    const q = sampleScenePrompt("color_attr", { rng, split: "train" });
    assert.ok(q.task === "color_attr" && q.objects.every((o) => !isHeldOutColorShape(o.shape, o.color)));
  }
  assert.throws(
    () =>
      sampleScene({ task: "colors", shape: "square", color: "red" }, { style: "flat", rng, split: "train" }),
    /'prompt' must be free of held-out combinations: current value is "red square"/,
  );
  assert.throws(
    () =>
      sampleScene({ task: "position", shapes: ["circle", "square"], relation: "right of" }, {
        style: "flat",
        rng,
        split: "train",
      }),
    /circle right of square/,
  );
});

Deno.test("heldOutPrompts() lists every task, each compositional prompt naming held-out combinations", () => {
  const prompts = heldOutPrompts();
  const perTask = Object.fromEntries(
    SCENE_TASKS.map((t) => [t, prompts.filter((p) => p.prompt.task === t).length]),
  );
  assert.deepEqual(perTask, {
    single_object: 20,
    two_object: 80,
    counting: 60,
    colors: 40,
    position: 48,
    color_attr: 288,
  });
  assert.equal(new Set(prompts.map((p) => p.text)).size, prompts.length);
  for (const { prompt } of prompts) {
    if (prompt.task === "colors") assert.ok(isHeldOutColorShape(prompt.shape, prompt.color));
    if (prompt.task === "position") {
      assert.ok(isHeldOutTriple({ a: prompt.shapes[0], relation: prompt.relation, b: prompt.shapes[1] }));
    }
    if (prompt.task === "color_attr") {
      assert.ok(prompt.objects.every((o) => isHeldOutColorShape(o.shape, o.color)));
      assert.notEqual(prompt.objects[0].color, prompt.objects[1].color);
    }
  }
});

Deno.test("wrongScene() changes exactly what each kind names", () => {
  const rng = createRng(21);
  for (const { scene } of sampleScenes(300, { rng, split: "heldout" })) {
    for (const kind of WRONG_KINDS[scene.prompt.task]) {
      const wrong = wrongScene(scene, kind, rng);
      const n = scene.objects.length;
      if (kind === "missing" || kind === "count_down") assert.equal(wrong.objects.length, n - 1);
      if (kind === "count_up") {
        assert.equal(wrong.objects.length, n + 1);
        assert.ok(wrong.objects.every((o) => o.shape === scene.objects[0]!.shape));
        wrong.objects.forEach((a, i) => wrong.objects.slice(i + 1).forEach((b) => assert.ok(apart(a, b))));
      }
      if (kind === "recolor") {
        const changed = wrong.objects.filter((o, i) => o.color !== scene.objects[i]!.color);
        assert.equal(changed.length, 1);
      }
      if (kind === "swap_colors") {
        assert.equal(wrong.objects[0]!.color, scene.objects[1]!.color);
        assert.equal(wrong.objects[1]!.color, scene.objects[0]!.color);
      }
      if (kind === "reverse" && scene.prompt.task === "position") {
        const relation = relationsBetween(wrong.objects[0]!, wrong.objects[1]!);
        assert.ok(!relation.includes(scene.prompt.relation));
        assert.equal(relation.length, 1);
      }
      renderScene(wrong);
    }
  }
  const single = sampleScenes(1, { rng, split: "train", tasks: { single_object: 1 } })[0]!.scene;
  assert.throws(
    () => wrongScene(single, "reverse", rng),
    /make a wrong single_object scene as 'kind' must be one of "missing"/,
  );
});

Deno.test("scenesToTensor() stacks images in [0, 1] without leaking tensors", async () => {
  await useTestBackend();
  const images = sampleScenes(3, { rng: createRng(0), split: "train" }).map((s) => renderScene(s.scene));
  const before = tf.memory().numTensors;
  const batch = scenesToTensor(images);
  assert.deepEqual(batch.shape, [3, SCENE_SIZE, SCENE_SIZE, 3]);
  const values = batch.dataSync();
  assert.ok(Math.abs(values[5 * 3 + 1]! * 255 - images[0]![5 * 3 + 1]!) < 1e-4);
  batch.dispose();
  assert.equal(tf.memory().numTensors, before);
  assert.throws(
    () => scenesToTensor([new Uint8Array(10)]),
    /'images\[0\].length' must be 3072: current value is 10/,
  );
});
