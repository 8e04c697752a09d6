import assert from "node:assert/strict";
import { createRng } from "../rng/mod.ts";
import { PERTURB_KINDS, perturbPrompt, promptPerturbations } from "./scene_prompt_perturb.ts";
import { sampleScenePrompt } from "./scene_sample.ts";
import { heldOutCombinations, heldOutPrompts, isHeldOutTriple } from "./scene_split.ts";
import { promptText, SCENE_TASKS, type ScenePrompt } from "./scenes.ts";

Deno.test("promptPerturbations() changes exactly one attribute, never giving the prompt back", () => {
  for (const { prompt } of heldOutPrompts()) {
    const text = promptText(prompt, "flat");
    const all = promptPerturbations(prompt);
    assert.ok(all.length > 0);
    for (const p of all) {
      const changed = promptText(p.prompt, "flat").split(" ");
      const words = text.split(" ");
      assert.notEqual(changed.join(" "), text);
      const differing = words.filter((w, i) => w !== changed[i]).length;
      // Words stay in place; a colour swap changes two of them, every other kind one.
      assert.equal(differing, p.kind === "swap_colors" ? 2 : 1, text);
    }
  }
  const swap = promptPerturbations({
    task: "color_attr",
    objects: [{ shape: "square", color: "red" }, { shape: "bar", color: "blue" }],
  }).filter((p) => p.kind === "swap_colors");
  assert.deepEqual(swap.map((p) => promptText(p.prompt, "flat")), [
    "a drawing of a blue square and a red bar",
  ]);
});

Deno.test("perturbPrompt() draws every kind a task has, and in training no held-out combination", () => {
  const rng = createRng(0);
  const seen = new Set<string>();
  for (let i = 0; i < 600; i++) {
    const task = SCENE_TASKS[i % SCENE_TASKS.length]!;
    const prompt = sampleScenePrompt(task, { rng, split: "train" });
    const { kind, prompt: changed } = perturbPrompt(prompt, { rng, split: "train" });
    seen.add(kind);
    const objects = (p: ScenePrompt) =>
      p.task === "colors"
        ? [{ shape: p.shape, color: p.color, x: 0, y: 0, width: 1, height: 1 }]
        : p.task === "color_attr"
        ? p.objects.map((o) => ({ ...o, x: 0, y: 0, width: 1, height: 1 }))
        : [];
    assert.deepEqual(heldOutCombinations(objects(changed)), []);
    if (changed.task === "position") {
      assert.ok(!isHeldOutTriple({ a: changed.shapes[0], relation: changed.relation, b: changed.shapes[1] }));
    }
  }
  assert.deepEqual([...seen].sort(), [...PERTURB_KINDS].sort());
  assert.throws(
    () => perturbPrompt({ task: "single_object", shape: "bar" }, { rng, split: "test" as "train" }),
    /'split'/,
  );
});
