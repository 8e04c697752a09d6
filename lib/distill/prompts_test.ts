import assert from "node:assert/strict";
import * as tf from "../backend/tf.ts";
import { useTestBackend, withoutLeaks } from "../backend/testing.ts";
import { createRng, type Rng } from "../rng/mod.ts";
import { resolveTransformerConfig } from "../models/config.ts";
import { Transformer } from "../models/transformer.ts";
import { createDistillState } from "./state.ts";
import { distillStep } from "./step.ts";
import { changed, snapshot, tinyConfig, tinyTeacher } from "./_tiny.ts";

await useTestBackend();

const TEXT = { vocabSize: 10, contextLength: 3, width: 8, heads: 2, layers: 1, mlpRatio: 2 };

function textTeacher(): Transformer {
  const config = resolveTransformerConfig({
    codebookSize: 4,
    numClasses: 0,
    seqLen: 4,
    width: 16,
    heads: 2,
    layers: 1,
    text: TEXT,
  });
  return new Transformer(config, { rng: createRng(0) });
}

/** Prompts `[a, b, 0]` with a, b drawn from the run's stream, recording every draw. */
function promptSource(drawn: number[][]) {
  return (batch: number, rng: Rng) => {
    const rows = Array.from({ length: batch }, () => [2 + rng.int(8), 2 + rng.int(8), 0]);
    drawn.push(...rows);
    return tf.tensor2d(rows, [batch, 3], "int32");
  };
}

Deno.test("distillStep() distils a text-conditioned teacher from prompts alone, its text encoder untouched", async () => {
  await withoutLeaks(async () => {
    const teacher = textTeacher();
    const drawn: number[][] = [];
    const state = createDistillState(teacher, tinyConfig(), 3, { prompts: promptSource(drawn) });
    const before = [snapshot(state.student), snapshot(state.aux)];
    const report = await distillStep(state);
    assert.ok(report.studentUpdated && Number.isFinite(report.auxLoss) && report.gSquared > 0);
    assert.equal(drawn.length, 2 * 8, "one batch of prompts for the student step, one for the aux step");
    for (const [i, model] of [state.student, state.aux].entries()) {
      const moved = changed(before[i]!, snapshot(model));
      assert.ok(moved.length > 0);
      assert.deepEqual(moved.filter((name) => name.startsWith("text.")), [], "the text encoder stays frozen");
    }
    state.dispose();
    teacher.dispose();
  });
});

Deno.test("a negative prompt replaces the null prompt in the teacher's guidance", async () => {
  await withoutLeaks(async () => {
    const teacher = textTeacher();
    const run = async (negativePrompt?: number[]) => {
      const state = createDistillState(teacher, tinyConfig({ dropout: false }), 3, {
        prompts: promptSource([]),
        negativePrompt,
      });
      const { gSquared } = await distillStep(state);
      state.dispose();
      return gSquared;
    };
    const [plain, again, negative] = [await run(), await run(), await run([5, 6, 0])];
    assert.equal(plain, again);
    assert.notEqual(plain, negative);
    teacher.dispose();
  });
});

Deno.test("createDistillState() wants prompts with, and only with, a teacher that reads them", () => {
  const [text, classes] = [textTeacher(), tinyTeacher()];
  assert.throws(
    () => createDistillState(text, tinyConfig(), 1),
    /'conditioning.prompts' must be a function drawing prompt ids for the teacher's text encoder/,
  );
  assert.throws(
    () => createDistillState(classes, tinyConfig(), 1, { prompts: promptSource([]) }),
    /'conditioning.prompts' must be absent for a class-conditional teacher/,
  );
  assert.throws(
    () => createDistillState(text, tinyConfig(), 1, { prompts: promptSource([]), negativePrompt: [1] }),
    /'conditioning.negativePrompt' must be 3 prompt ids/,
  );
  [text, classes].forEach((m) => m.dispose());
});
