import assert from "node:assert/strict";
import * as tf from "../backend/tf.ts";
import { useTestBackend, withoutLeaks } from "../backend/testing.ts";
import { classAccuracy } from "./class_accuracy.ts";

await useTestBackend();

Deno.test("classAccuracy() counts the samples classified as requested", async () => {
  await withoutLeaks(async () => {
    const requested = tf.tensor1d([0, 1, 2, 3, 4, 5, 6, 7], "int32");
    const predicted = tf.tensor1d([0, 1, 2, 3, 4, 5, 0, 0], "int32");
    assert.equal(await classAccuracy(requested, predicted), 0.75);
    assert.equal(await classAccuracy(requested, requested), 1);
    tf.dispose([requested, predicted]);
  });
});

Deno.test("classAccuracy() rejects mismatched lengths, float labels and empty inputs", async () => {
  await withoutLeaks(async () => {
    const requested = tf.tensor1d([0, 1, 2], "int32");
    const short = tf.tensor1d([0, 1], "int32");
    const floats = tf.tensor1d([0, 1, 2]);
    const empty = tf.tensor1d([], "int32");
    await assert.rejects(classAccuracy(requested, short), { name: "TypeError", message: /'predicted'/ });
    await assert.rejects(classAccuracy(requested, floats as tf.Tensor1D), {
      name: "TypeError",
      message: /int32/,
    });
    await assert.rejects(classAccuracy(empty, empty), { name: "RangeError", message: /non-empty/ });
    tf.dispose([requested, short, floats, empty]);
  });
});
