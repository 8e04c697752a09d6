import assert from "node:assert/strict";
import * as tf from "../backend/tf.ts";
import { useTestBackend, withoutLeaks } from "../backend/testing.ts";
import { divergenceConformance, extremeLogits, randomLogits, take } from "./_conformance.ts";
import { jeffreysReference } from "./_reference.ts";
import { createFkl } from "./fkl.ts";
import { createJeffreys } from "./jeffreys.ts";
import { createRkl } from "./rkl.ts";
import type { Divergence } from "./types.ts";

await useTestBackend();

divergenceConformance("jeffreys(0.5)", createJeffreys(0.5), jeffreysReference(0.5), {
  nonNegative: true,
  smooth: true,
});
divergenceConformance("jeffreys(-0.2)", createJeffreys(-0.2), jeffreysReference(-0.2), {
  nonNegative: false,
  smooth: true,
});

/** value() and gradLogits() on extreme and random rows, concatenated. */
async function outputs(d: Divergence): Promise<number[]> {
  const { zPsi, zPhi } = extremeLogits();
  const [a, b] = [
    tf.tensor2d([...zPsi, ...randomLogits(4, 5, 7, 3)]),
    tf.tensor2d([...zPhi, ...randomLogits(5, 5, 7, 3)]),
  ];
  const result = [...await take(d.value(a, b)), ...await take(d.gradLogits(a, b))];
  tf.dispose([a, b]);
  return result;
}

Deno.test("jeffreys at beta 0 equals fkl and at beta 1 equals rkl, exactly", async () => {
  await withoutLeaks(async () => {
    // === rather than deepEqual: (1 − β)·x + β·y may give +0 where x alone is −0.
    const sameNumbers = (a: number[], b: number[]) => a.length === b.length && a.every((v, i) => v === b[i]);
    assert.ok(sameNumbers(await outputs(createJeffreys(0)), await outputs(createFkl())));
    assert.ok(sameNumbers(await outputs(createJeffreys(1)), await outputs(createRkl())));
  });
});

Deno.test("createJeffreys() rejects a beta that is not finite", () => {
  for (const beta of [NaN, Infinity, -Infinity, "0.5" as unknown as number]) {
    assert.throws(
      () => createJeffreys(beta),
      (e) => e instanceof RangeError && /'beta' must be a finite number/.test(e.message),
    );
  }
  assert.deepEqual(createJeffreys(-0.2).spec, { kind: "jeffreys", beta: -0.2 });
});
