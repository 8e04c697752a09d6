import assert from "node:assert/strict";
import * as tf from "../backend/tf.ts";
import { useTestBackend, withoutLeaks } from "../backend/testing.ts";
import { divergenceConformance, extremeLogits, take } from "./_conformance.ts";
import { tvReference } from "./_reference.ts";
import { createTv } from "./tv.ts";

await useTestBackend();

divergenceConformance("tv", createTv(), tvReference, { nonNegative: true, smooth: false });

Deno.test("tv value() is at most 1 and reaches it for disjoint supports", async () => {
  await withoutLeaks(async () => {
    const { zPsi, zPhi } = extremeLogits();
    const [a, b] = [tf.tensor2d(zPsi), tf.tensor2d(zPhi)];
    const value = await take(createTv().value(a, b));
    tf.dispose([a, b]);
    assert.ok(value.every((v) => v <= 1 + 1e-6), `value ${value}`);
    assert.ok(Math.abs(value[0] - 1) <= 1e-6, "opposed one-hot rows are 1 apart");
  });
});
