import assert from "node:assert/strict";
import { tf } from "../backend/mod.ts";
import { useTestBackend, withoutLeaks } from "../backend/testing.ts";
import { createRng } from "../rng/mod.ts";
import { resolveInitConfig, type RInit, sampleEmbeddingNoise, sampleXInit } from "./mod.ts";

await useTestBackend();

async function draw(rInit: RInit, batch: number, seqLen: number, seed = 0): Promise<Int32Array> {
  const x = sampleXInit(rInit, { batch, seqLen, codebookSize: 8, maskId: 8, rng: createRng(seed) });
  const data = await x.data() as Int32Array;
  x.dispose();
  return data;
}

function maskCounts(data: Int32Array, seqLen: number): number[] {
  return Array.from(
    { length: data.length / seqLen },
    (_, b) => data.slice(b * seqLen, (b + 1) * seqLen).filter((t) => t === 8).length,
  );
}

Deno.test("sampleXInit() masks round(L·rInit) positions and draws the rest uniformly", async () => {
  await withoutLeaks(async () => {
    const data = await draw({ kind: "fixed", value: 0.6 }, 500, 10);
    assert.ok(maskCounts(data, 10).every((c) => c === 6));
    const counts = new Array(8).fill(0);
    data.forEach((t) => t < 8 && counts[t]++);
    // 2,000 random tokens over 8 codes: 250 each, standard deviation about 15.
    for (const c of counts) assert.ok(Math.abs(c - 250) < 75, `code count ${c}`);
  });
});

Deno.test("sampleXInit() gives all random at rInit 0 and all masked at rInit 1", async () => {
  await withoutLeaks(async () => {
    assert.ok((await draw({ kind: "fixed", value: 0 }, 20, 7)).every((t) => t < 8));
    assert.ok((await draw({ kind: "fixed", value: 1 }, 20, 7)).every((t) => t === 8));
  });
});

Deno.test("sampleXInit() draws rInit ~ U(low, high) per sample", async () => {
  await withoutLeaks(async () => {
    const counts = maskCounts(await draw({ kind: "uniform", low: 0.2, high: 0.8 }, 2000, 20), 20);
    assert.ok(counts.every((c) => c >= 4 && c <= 16));
    const mean = counts.reduce((a, b) => a + b, 0) / counts.length;
    assert.ok(Math.abs(mean - 10) < 0.3, `mean masked ${mean}`); // standard error about 0.08
    assert.ok(new Set(counts).size > 8);
  });
});

Deno.test("sampleXInit() is reproducible from the seed", async () => {
  await withoutLeaks(async () => {
    const rInit: RInit = { kind: "fixed", value: 0.5 };
    assert.deepEqual(await draw(rInit, 3, 6, 11), await draw(rInit, 3, 6, 11));
    assert.notDeepEqual(await draw(rInit, 3, 6, 11), await draw(rInit, 3, 6, 12));
  });
});

Deno.test("resolveInitConfig() rejects rInit outside [0, 1] and sigma outside [0, 1)", () => {
  assert.throws(() => resolveInitConfig({ rInit: { kind: "fixed", value: -0.1 } }), /'rInit.value'.*-0.1/);
  assert.throws(() => resolveInitConfig({ rInit: { kind: "uniform", low: 0.7, high: 0.3 } }), /'rInit.high'/);
  assert.throws(() => resolveInitConfig({ rInit: { kind: "beta" } as never }), /'rInit.kind'/);
  assert.throws(() => resolveInitConfig({ sigma: 1 }), /'sigma' must be a number in \[0, 1\)/);
  assert.throws(() => resolveInitConfig({ sigma: NaN }), RangeError);
  assert.throws(
    () =>
      sampleXInit({ kind: "fixed", value: 2 }, {
        batch: 1,
        seqLen: 2,
        codebookSize: 2,
        maskId: 2,
        rng: createRng(0),
      }),
    /'rInit.value'/,
  );
  const config = resolveInitConfig({});
  assert.deepEqual(config, { rInit: { kind: "fixed", value: 0.6 }, sigma: 0.1 });
  assert.ok(Object.isFrozen(config));
});

Deno.test("sampleEmbeddingNoise() is standard normal and seeded", async () => {
  await withoutLeaks(async () => {
    const a = sampleEmbeddingNoise([8, 16, 32], createRng(2));
    const b = sampleEmbeddingNoise([8, 16, 32], createRng(2));
    const values = Array.from(await a.data());
    const mean = values.reduce((s, v) => s + v, 0) / values.length;
    const variance = values.reduce((s, v) => s + (v - mean) ** 2, 0) / values.length;
    assert.ok(Math.abs(mean) < 0.05 && Math.abs(variance - 1) < 0.06, `mean ${mean}, var ${variance}`);
    assert.deepEqual(values, Array.from(await b.data()));
    tf.dispose([a, b]);
  });
});
