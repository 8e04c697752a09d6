import assert from "node:assert/strict";
import * as tf from "../backend/tf.ts";
import { useTestBackend, withoutLeaks } from "../backend/testing.ts";
import { CheckpointMismatchError } from "../io/json.ts";
import { createRng, type Rng } from "../rng/mod.ts";
import { resolveTransformerConfig } from "../models/config.ts";
import type { Transformer } from "../models/transformer.ts";
import { silentProgress } from "../progress/mod.ts";
import { resolveMdmTrainConfig } from "./train.ts";
import { trainTeacher } from "./train_loop.ts";

await useTestBackend();

const config = resolveTransformerConfig({
  codebookSize: 5,
  numClasses: 2,
  seqLen: 4,
  width: 8,
  heads: 2,
  layers: 1,
});
const training = {
  iterations: 6,
  lr: 1e-2,
  warmupSteps: 0,
  config: resolveMdmTrainConfig({}),
  nextBatch: (rng: Rng) => ({
    tokens: tf.tensor2d(Array.from({ length: 12 }, () => rng.int(5)), [3, 4], "int32"),
    condition: tf.tensor1d([rng.int(2), rng.int(2), rng.int(2)], "int32"),
  }),
};
const weightsOf = (model: Transformer) =>
  Object.fromEntries(
    Object.entries(model.namedWeights()).map(([name, v]) => [name, Array.from(v.dataSync())]),
  );

Deno.test("trainTeacher() stopped and started again from its checkpoint ends as an uninterrupted training", async () => {
  await withoutLeaks(async () => {
    await Deno.mkdir(".tmp", { recursive: true });
    const dir = await Deno.makeTempDir({ dir: ".tmp", prefix: "train_loop_" });
    const checkpoint = `${dir}/teacher-state.safetensors`;
    const options = { curveEvery: 1, checkpointEvery: 2, progress: silentProgress };
    const controller = new AbortController();
    const stopAtThree = (update: { done: number }) => update.done === 3 && controller.abort();
    await assert.rejects(
      trainTeacher(config, training, {
        ...options,
        rng: createRng(4),
        checkpoint,
        signal: controller.signal,
        progress: stopAtThree,
      }),
      (error) => error instanceof DOMException && error.name === "AbortError",
    );
    const ticks: number[] = [];
    const resumed = await trainTeacher(config, training, {
      ...options,
      rng: createRng(4),
      checkpoint,
      progress: (update) => ticks.push(update.done),
    });
    assert.deepEqual(ticks.filter((done) => done < 5), [], "it goes on from iteration 4's checkpoint");
    const straight = await trainTeacher(config, training, { ...options, rng: createRng(4) });
    assert.deepEqual(resumed.curve, straight.curve);
    assert.deepEqual([resumed.resumedFrom, straight.resumedFrom], [4, 0]);
    assert.deepEqual(resumed.curve.map((p) => p.iteration), [1, 2, 3, 4, 5, 6]);
    assert.deepEqual(weightsOf(resumed.teacher), weightsOf(straight.teacher));
    // The finished file: nothing left to train, and the seconds of both earlier runs' iterations.
    const again = await trainTeacher(config, training, { ...options, rng: createRng(4), checkpoint });
    assert.equal(again.resumedFrom, 6);
    assert.ok(resumed.seconds > 0);
    assert.equal(again.seconds, resumed.seconds, "the state file keeps the iterations' seconds");
    again.teacher.dispose();
    await assert.rejects(
      trainTeacher(config, training, { ...options, rng: createRng(5), checkpoint }),
      (error) => error instanceof CheckpointMismatchError && error.field === "seed",
    );
    [resumed.teacher, straight.teacher].forEach((m) => m.dispose());
    await Deno.remove(dir, { recursive: true });
  });
});
