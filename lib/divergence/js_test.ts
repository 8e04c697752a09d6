import assert from "node:assert/strict";
import * as tf from "../backend/tf.ts";
import { useTestBackend, withoutLeaks } from "../backend/testing.ts";
import { divergenceConformance, extremeLogits, randomLogits, take } from "./_conformance.ts";
import { jsReference } from "./_reference.ts";
import { createJs } from "./js.ts";

await useTestBackend();

divergenceConformance("js(0.5)", createJs(), jsReference(0.5), { nonNegative: true, smooth: true });
divergenceConformance("js(0.2)", createJs(0.2), jsReference(0.2), { nonNegative: true, smooth: true });

Deno.test("js value() at skew 0.5 is symmetric and at most log 2", async () => {
  await withoutLeaks(async () => {
    const { zPsi, zPhi } = extremeLogits();
    const [a, b] = [
      tf.tensor2d([...zPsi, ...randomLogits(6, 5, 7, 3)]),
      tf.tensor2d([...zPhi, ...randomLogits(7, 5, 7, 3)]),
    ];
    const js = createJs(0.5);
    const forward = await take(js.value(a, b));
    const swapped = await take(js.value(b, a));
    tf.dispose([a, b]);
    forward.forEach((v, i) => assert.ok(Math.abs(v - swapped[i]) <= 1e-6, `${v} vs ${swapped[i]}`));
    assert.ok(forward.every((v) => v <= Math.LN2 + 1e-6), `value ${forward}`);
    assert.ok(Math.abs(forward[0] - Math.LN2) <= 1e-6, "opposed one-hot rows are log 2 apart");
  });
});

Deno.test("createJs() defaults skew to 0.5 and rejects one outside (0, 1)", () => {
  assert.deepEqual(createJs().spec, { kind: "js", skew: 0.5 });
  for (const skew of [0, 1, -0.5, 1.5, NaN]) {
    assert.throws(
      () => createJs(skew),
      (e) => e instanceof RangeError && /'skew' must be a number in \(0, 1\)/.test(e.message),
    );
  }
});
