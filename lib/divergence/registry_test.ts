import assert from "node:assert/strict";
import * as tf from "../backend/tf.ts";
import { useTestBackend, withoutLeaks } from "../backend/testing.ts";
import { createDivergence } from "./registry.ts";
import { DEFAULT_DIVERGENCE_SPEC, DIVERGENCE_KINDS, type DivergenceSpec } from "./types.ts";

await useTestBackend();

const SPECS: DivergenceSpec[] = [
  { kind: "fkl" },
  { kind: "rkl" },
  { kind: "jeffreys", beta: 0.3 },
  { kind: "js", skew: 0.3 },
  { kind: "tv" },
];

Deno.test("createDivergence() builds every kind with its spec", () => {
  assert.deepEqual(SPECS.map((s) => s.kind), [...DIVERGENCE_KINDS]);
  for (const spec of SPECS) assert.deepEqual(createDivergence(spec).spec, spec);
  assert.deepEqual(createDivergence({ kind: "js" }).spec, { kind: "js", skew: 0.5 });
  assert.deepEqual(createDivergence(DEFAULT_DIVERGENCE_SPEC).spec, { kind: "jeffreys", beta: 0 });
});

Deno.test("createDivergence() names an unknown kind and lists the valid ones", () => {
  const spec = { kind: "kl" } as unknown as DivergenceSpec;
  assert.throws(
    () => createDivergence(spec),
    (e) =>
      e instanceof RangeError && e.message.includes('"kl"') &&
      e.message.includes('"fkl", "rkl", "jeffreys", "js", "tv"'),
  );
});

Deno.test("createDivergence() rejects a beta that is not finite and a skew outside (0, 1)", () => {
  assert.throws(() => createDivergence({ kind: "jeffreys", beta: NaN }), RangeError);
  assert.throws(() => createDivergence({ kind: "jeffreys" } as unknown as DivergenceSpec), RangeError);
  assert.throws(() => createDivergence({ kind: "js", skew: 1 }), RangeError);
});

Deno.test("value() and gradLogits() name both shapes when they differ", async () => {
  await withoutLeaks(() => {
    const [zPsi, zPhi] = [tf.zeros([2, 3, 4]), tf.zeros([2, 3, 5])];
    for (const spec of SPECS) {
      const d = createDivergence(spec);
      for (const f of [d.value, d.gradLogits]) {
        assert.throws(
          () => f(zPsi, zPhi),
          (e) => e instanceof TypeError && e.message.includes("[2, 3, 4]") && e.message.includes("[2,3,5]"),
        );
      }
    }
    tf.dispose([zPsi, zPhi]);
  });
});

Deno.test("value() and gradLogits() reject int32 logits and scalars", async () => {
  await withoutLeaks(() => {
    const [ints, scalar] = [tf.zeros([2, 3], "int32"), tf.scalar(1)];
    const d = createDivergence({ kind: "fkl" });
    assert.throws(() => d.gradLogits(ints, ints), TypeError);
    assert.throws(() => d.value(scalar, scalar), TypeError);
    tf.dispose([ints, scalar]);
  });
});
