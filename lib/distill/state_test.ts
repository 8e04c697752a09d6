import assert from "node:assert/strict";
import * as tf from "../backend/tf.ts";
import { useTestBackend, withoutLeaks } from "../backend/testing.ts";
import { createDistillState, restoreDistillState } from "./state.ts";
import { distillStep, type StepReport } from "./step.ts";
import { snapshot, tinyConfig, tinyTeacher } from "./_tiny.ts";
import { MASKGIT_IMAGENET_CONFIG } from "../models/config.ts";
import { Transformer } from "../models/transformer.ts";
import { createRng } from "../rng/mod.ts";

await useTestBackend();

const FROZEN = ["tok_emb.weight", "pos_emb", "head.bias"];

Deno.test("createDistillState() copies the teacher into student and aux and freezes the embeddings", async () => {
  await withoutLeaks(() => {
    const teacher = tinyTeacher();
    const state = createDistillState(teacher, tinyConfig(), 1);
    const weights = snapshot(teacher);
    assert.deepEqual(snapshot(state.student), weights);
    assert.deepEqual(snapshot(state.aux), weights);
    for (const model of [state.student, state.aux]) {
      const frozen = Object.entries(model.namedWeights()).filter(([, v]) => !v.trainable).map(([n]) => n);
      assert.deepEqual(frozen, FROZEN);
    }
    assert.ok(Object.values(teacher.namedWeights()).every((v) => v.trainable), "the teacher is not modified");
    assert.equal(state.studentEma.shadow.length, state.student.trainableVariables().length);
    assert.equal(state.iteration, 0);
    state.dispose();

    const unfrozen = createDistillState(teacher, tinyConfig({ freezeEmbeddings: false }), 1);
    assert.equal(unfrozen.student.trainableVariables().length, Object.keys(weights).length);
    unfrozen.dispose();
    teacher.dispose();
  });
});

Deno.test("DistillState.studentEmaModel() combines the EMA averages with the frozen weights", async () => {
  await withoutLeaks(async () => {
    const teacher = tinyTeacher();
    const state = createDistillState(teacher, tinyConfig({ dropout: false }), 1);
    for (let i = 0; i < 2; i++) await distillStep(state);
    const ema = state.studentEmaModel();
    const averaged = snapshot(ema);
    const student = snapshot(state.student);
    const names = Object.keys(student).filter((n) => state.student.namedWeights()[n].trainable);
    names.forEach((name, i) =>
      assert.deepEqual(averaged[name], Array.from(state.studentEma.shadow[i].dataSync()))
    );
    for (const name of FROZEN) assert.deepEqual(averaged[name], student[name]);
    assert.ok(
      names.some((name) => averaged[name].some((x, j) => x !== student[name][j])),
      "the EMA lags the student",
    );
    ema.dispose();
    state.dispose();
    teacher.dispose();
  });
});

function withoutSeconds(report: StepReport): Omit<StepReport, "seconds"> {
  const { seconds: _, ...rest } = report;
  return rest;
}

Deno.test("restoreDistillState() resumes with identical reports and weights", async () => {
  await withoutLeaks(async () => {
    const teacher = tinyTeacher();
    const config = tinyConfig({ updateRatio: 2 }); // dropout on: the random streams must resume too
    const state = createDistillState(teacher, config, 3);
    for (let i = 0; i < 3; i++) await distillStep(state);
    const tensors = state.stateTensors();
    const json = JSON.parse(JSON.stringify(state.stateJson()));
    const expected = [await distillStep(state), await distillStep(state)].map(withoutSeconds);

    const resumed = await restoreDistillState(teacher, { config, tensors, json });
    tf.dispose(Object.values(tensors));
    assert.equal(resumed.iteration, 3);
    assert.equal(resumed.seed, 3);
    assert.deepEqual([await distillStep(resumed), await distillStep(resumed)].map(withoutSeconds), expected);
    assert.deepEqual(snapshot(resumed.student), snapshot(state.student));
    assert.deepEqual(snapshot(resumed.aux), snapshot(state.aux));
    const [a, b] = [resumed.studentEmaModel(), state.studentEmaModel()];
    assert.deepEqual(snapshot(a), snapshot(b));
    for (const s of [a, b, state, resumed]) s.dispose();
    teacher.dispose();
  });
});

Deno.test("DistillState.load() rejects missing, unknown and mis-shaped tensors", async () => {
  await withoutLeaks(async () => {
    const teacher = tinyTeacher();
    const config = tinyConfig();
    const state = createDistillState(teacher, config, 1);
    const tensors = state.stateTensors();
    const json = state.stateJson();
    const { ["studentEma.ln_f.weight" as string]: _, ...others } = tensors;
    const extra = tf.zeros([1]);
    const bad = tf.zeros([3, 3]);
    const attempts: [Record<string, tf.Tensor>, RegExp][] = [
      [{ ...others }, /studentEma/],
      [{ ...tensors, "optimizer.m.0": extra }, /'optimizer\.m\.0'/],
      [{ ...tensors, "student.pos_emb": bad }, /'pos_emb'/],
    ];
    for (const [saved, message] of attempts) {
      await assert.rejects(restoreDistillState(teacher, { config, tensors: saved, json }), TypeError);
      await assert.rejects(restoreDistillState(teacher, { config, tensors: saved, json }), message);
    }
    await assert.rejects(
      restoreDistillState(teacher, { config, tensors, json: { ...json, iteration: -1 } }),
      /iteration/,
    );
    await assert.rejects(
      restoreDistillState(teacher, {
        config,
        tensors,
        json: { ...json, rng: { student: json.rng.student } as never },
      }),
      TypeError,
    );
    await assert.rejects(
      restoreDistillState(teacher, {
        config,
        tensors,
        json: { ...json, curve: [{ iteration: "1" }] as never },
      }),
      /'json\.curve' must be an array of curve points/,
    );
    tf.dispose([extra, bad, ...Object.values(tensors)]);
    state.dispose();
    teacher.dispose();
  });
});

Deno.test({
  name: "createDistillState() refuses, before copying it, a teacher whose run cannot fit wasm's heap",
  ignore: tf.getBackend() !== "wasm",
  fn: async () => {
    await withoutLeaks(() => {
      const teacher = new Transformer(MASKGIT_IMAGENET_CONFIG, { rng: createRng(0) });
      const before = tf.memory().numTensors;
      assert.throws(
        () => createDistillState(teacher, tinyConfig(), 0),
        /Cannot start a distillation run on the wasm backend as its tensors take 5\.\d GB/,
      );
      assert.equal(tf.memory().numTensors, before);
      teacher.dispose();
    });
  },
});
