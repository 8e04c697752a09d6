import assert from "node:assert/strict";
import { applyOverrides } from "./overrides.ts";

const base = {
  teacher: { iterations: 1200, lr: 1e-3 },
  distill: {
    init: { rInit: { kind: "fixed", value: 0.6 }, sigma: 0.1 },
    divergence: { kind: "jeffreys", beta: 0 },
    dropout: true,
    auxAdam: { clipNorm: Infinity },
  },
  sampler: { steps: [16, 8] },
  name: "quick",
} as const;

Deno.test("applyOverrides() sets numbers, booleans, strings and Infinity by their defaults' types", () => {
  const set = applyOverrides(base, [
    "distill.init.sigma=0",
    "teacher.iterations=500",
    "teacher.lr=2e-4",
    "distill.dropout=false",
    "distill.auxAdam.clipNorm=1",
    "name=full",
  ]);
  assert.equal(set.distill.init.sigma, 0);
  assert.equal(set.teacher.iterations, 500);
  assert.equal(set.teacher.lr, 2e-4);
  assert.equal(set.distill.dropout, false);
  assert.equal(set.distill.auxAdam.clipNorm, 1);
  assert.equal(set.name, "full");
  assert.equal(applyOverrides(base, ["teacher.lr=Infinity"]).teacher.lr, Infinity);
  assert.equal(base.distill.init.sigma, 0.1, "the base is not changed");
});

Deno.test("applyOverrides() applies overrides in order, the last one winning", () => {
  assert.equal(applyOverrides(base, ["teacher.iterations=5", "teacher.iterations=7"]).teacher.iterations, 7);
});

Deno.test("applyOverrides() replaces objects and arrays from JSON, and drops a variant's fields with its kind", () => {
  const set = applyOverrides(base, [
    'distill.init.rInit={"kind":"uniform","low":0.3,"high":0.9}',
    "sampler.steps=[4,2,1]",
    "distill.divergence.kind=rkl",
  ]);
  assert.deepEqual(set.distill.init.rInit, { kind: "uniform", low: 0.3, high: 0.9 });
  assert.deepEqual(set.sampler.steps, [4, 2, 1]);
  assert.deepEqual(set.distill.divergence, { kind: "rkl" });
  const same = applyOverrides(base, ["distill.divergence.kind=jeffreys", "distill.divergence.beta=0.5"]);
  assert.deepEqual(
    same.distill.divergence,
    { kind: "jeffreys", beta: 0.5 },
    "the same kind keeps its fields",
  );
});

Deno.test("applyOverrides() refuses unknown keys, a missing '=' and type changes, naming the key", () => {
  assert.throws(
    () => applyOverrides(base, ["distill.init.sigmaa=0"]),
    (e: unknown) =>
      e instanceof RangeError && /'distill\.init\.sigmaa' must be a known setting/.test(e.message),
  );
  assert.throws(() => applyOverrides(base, ["distill.init.sigma.x=0"]), /'distill\.init\.sigma\.x'/);
  assert.throws(() => applyOverrides(base, ["teacher.iterations"]), /of the form key=value/);
  for (
    const bad of [
      "teacher.iterations=5x",
      "teacher.iterations=",
      "teacher.iterations=true",
      "distill.dropout=1",
      "distill.init={}x",
      'sampler.steps=["a"]',
      "distill.init=[1]",
    ]
  ) {
    const key = bad.slice(0, bad.indexOf("="));
    assert.throws(
      () => applyOverrides(base, [bad]),
      (e: unknown) => e instanceof TypeError && e.message.includes(`'${key}'`),
      bad,
    );
  }
});
