import assert from "node:assert/strict";
import { DEFAULT_DISTILL_CONFIG, type PartialDistillConfig, resolveDistillConfig } from "./config.ts";

Deno.test("resolveDistillConfig() defaults are the official MaskGIT settings", () => {
  const config = resolveDistillConfig();
  assert.deepEqual(config, DEFAULT_DISTILL_CONFIG);
  assert.deepEqual(config.init, { rInit: { kind: "fixed", value: 0.6 }, sigma: 0.1 });
  assert.deepEqual(config.divergence, { kind: "jeffreys", beta: 0 });
  assert.deepEqual(config.schedule, { name: "arccos" });
  assert.equal(config.teacherGuidance, 2);
  assert.equal(config.normalization, "sum");
  const adam = { lr: 1e-5, beta1: 0.9, beta2: 0.999, eps: 1e-6, warmupSteps: 100 };
  assert.deepEqual(config.studentAdam, { ...adam, clipNorm: 1 });
  assert.deepEqual(config.auxAdam, { ...adam, clipNorm: Infinity });
  assert.equal(config.auxLabelSmoothing, 0.1);
  assert.equal(config.updateRatio, 1);
  assert.equal(config.emaDecay, 0.9999);
  assert.equal(config.freezeEmbeddings, true);
  assert.equal(config.dropout, true);
  assert.equal(config.batch, 64);
  assert.equal(config.genTemperature, 1);
});

Deno.test("resolveDistillConfig() merges nested overrides and deep-freezes the result", () => {
  const config = resolveDistillConfig({
    init: { sigma: 0 },
    studentAdam: { lr: 1e-3 },
    divergence: { kind: "js" },
    schedule: { name: "cosine" },
    updateRatio: 3,
  });
  assert.deepEqual(config.init, { rInit: { kind: "fixed", value: 0.6 }, sigma: 0 });
  assert.equal(config.studentAdam.lr, 1e-3);
  assert.equal(config.studentAdam.clipNorm, 1, "unset Adam fields keep the distillation defaults");
  assert.equal(config.auxAdam.lr, 1e-5);
  assert.deepEqual(
    config.divergence,
    { kind: "js", skew: 0.5 },
    "the divergence's own defaults are filled in",
  );
  assert.equal(config.updateRatio, 3);
  for (
    const part of [
      config,
      config.init,
      config.init.rInit,
      config.divergence,
      config.schedule,
      config.studentAdam,
    ]
  ) {
    assert.ok(Object.isFrozen(part));
  }
  assert.equal(DEFAULT_DISTILL_CONFIG.init.sigma, 0.1, "the defaults are untouched");
});

Deno.test("resolveDistillConfig() rejects bad values, naming the dotted field and the value", () => {
  const cases: [PartialDistillConfig, RegExp][] = [
    [{ divergence: { kind: "kl" } as never }, /'divergence\.kind'.*"kl"/],
    [{ divergence: { kind: "jeffreys", beta: NaN } }, /'divergence\.beta'.*NaN/],
    [{ divergence: { kind: "jeffreys", beta: Infinity } }, /'divergence\.beta'.*Infinity/],
    [{ divergence: { kind: "fkl", beta: 0.5 } as never }, /'divergence\.field'.*"beta"/],
    [{ schedule: { name: "cos" } as never }, /'schedule\.name'.*"cos"/],
    [{ updateRatio: 0 }, /'updateRatio'.*0/],
    [{ updateRatio: 1.5 }, /'updateRatio'.*1\.5/],
    [{ batch: 0 }, /'batch'/],
    [{ accumulation: 0 }, /'accumulation'.*0/],
    [{ accumulation: 1.5 }, /'accumulation'.*1\.5/],
    [{ init: { rInit: { kind: "fixed", value: 1.5 } } }, /'init\.rInit\.value'.*1\.5/],
    [{ init: { rInit: { kind: "uniform", low: 0.7, high: 0.2 } } }, /'init\.rInit\.high'.*0\.2/],
    [{ init: { sigma: 1 } }, /'init\.sigma'.*1/],
    [{ init: { sigma: -0.1 } }, /'init\.sigma'/],
    [{ teacherGuidance: NaN }, /'teacherGuidance'.*NaN/],
    [{ normalization: "avg" as never }, /'normalization'.*"avg"/],
    [{ studentAdam: { lr: -1 } }, /'studentAdam\.lr'.*-1/],
    [{ auxAdam: { beta2: 1 } }, /'auxAdam\.beta2'/],
    [{ auxLabelSmoothing: 1 }, /'auxLabelSmoothing'/],
    [{ emaDecay: 1.01 }, /'emaDecay'/],
    [{ genTemperature: 0 }, /'genTemperature'.*0/],
    [{ genTemperature: Infinity }, /'genTemperature'/],
    [{ lr: 1e-4 } as never, /'field'.*"lr"/],
    [{ init: { rinit: 0.5 } } as never, /'init\.field'.*"rinit"/],
    [{ studentAdam: { learningRate: 1 } } as never, /'studentAdam\.field'.*"learningRate"/],
  ];
  for (const [partial, message] of cases) {
    assert.throws(() => resolveDistillConfig(partial), RangeError, JSON.stringify(partial));
    assert.throws(() => resolveDistillConfig(partial), message, JSON.stringify(partial));
  }
  assert.throws(() => resolveDistillConfig({ dropout: "yes" as never }), TypeError);
  assert.throws(() => resolveDistillConfig({ freezeEmbeddings: 1 as never }), /'freezeEmbeddings'/);
  assert.throws(() => resolveDistillConfig({ schedule: "arccos" as never }), /'schedule' must be an object/);
  assert.throws(() => resolveDistillConfig({ divergence: undefined }), /'divergence' must be an object/);
});

Deno.test("resolveDistillConfig() accepts the edge values the method allows", () => {
  const config = resolveDistillConfig({
    init: { rInit: { kind: "uniform", low: 0, high: 1 }, sigma: 0 },
    divergence: { kind: "jeffreys", beta: -0.2 },
    teacherGuidance: 1,
    auxLabelSmoothing: 0,
    emaDecay: 0,
    normalization: "mean",
  });
  assert.equal(config.divergence.kind === "jeffreys" && config.divergence.beta, -0.2);
  assert.equal(config.normalization, "mean");
});
