import assert from "node:assert/strict";
import { tf } from "../backend/mod.ts";
import { useTestBackend, withoutLeaks } from "../backend/testing.ts";
import { createRng } from "../rng/mod.ts";
import {
  createMaskSchedule,
  exactMaskCount,
  MASK_SCHEDULE_NAMES,
  maskBernoulli,
  maskExactCount,
  sampleMaskRatios,
} from "./mod.ts";

await useTestBackend();

Deno.test("createMaskSchedule() matches the closed forms", () => {
  for (const u of [0, 0.1, 0.5, 0.9, 1]) {
    assert.equal(createMaskSchedule("arccos").gamma(u), Math.acos(u) / (Math.PI / 2));
    assert.equal(createMaskSchedule("linear").gamma(u), u);
    assert.equal(createMaskSchedule("square").gamma(u), u * u);
    const cos = Math.cos((Math.PI / 2) * u);
    assert.equal(createMaskSchedule({ name: "cosine" }).gamma(u), Math.min(0.98, Math.max(0.02, cos)));
    assert.equal(createMaskSchedule({ name: "cosine", clampMin: 0, clampMax: 1 }).gamma(u), cos);
  }
});

Deno.test("sampleMaskRatios() under arccos has mean 2/π", () => {
  const ratios = sampleMaskRatios(createMaskSchedule("arccos"), 20000, createRng(1));
  const mean = ratios.reduce((a, b) => a + b, 0) / ratios.length;
  // The ratio's standard deviation is about 0.3, so the mean's is about 0.002.
  assert.ok(Math.abs(mean - 2 / Math.PI) < 0.01, `mean ${mean}`);
  assert.ok(ratios.every((r) => r >= 0 && r <= 1));
});

Deno.test("createMaskSchedule() rejects unknown names and bad clamps", () => {
  assert.throws(
    () => createMaskSchedule("cosine-ish" as never),
    /'name' must be one of "arccos".*"cosine-ish"/,
  );
  assert.throws(() => createMaskSchedule({ name: "cosine", clampMin: 0.5, clampMax: 0.2 }), RangeError);
  assert.equal(MASK_SCHEDULE_NAMES.length, 4);
});

Deno.test("maskExactCount() masks exactly round(L·r) positions (≥ 1), uniformly", async () => {
  await withoutLeaks(async () => {
    const [batch, length] = [400, 10];
    const tokens = tf.tidy(() => tf.add(tf.zeros([batch, length], "int32"), tf.range(0, length, 1, "int32")));
    const ratios = Array.from({ length: batch }, (_, b) => [0, 0.25, 0.5, 1][b % 4]);
    const { xt, masked } = maskExactCount(tokens as tf.Tensor2D, ratios, { maskId: 99, rng: createRng(3) });
    const [x, m] = [await xt.data(), await masked.data()];
    const perPosition = new Array(length).fill(0);
    for (let b = 0; b < batch; b++) {
      let count = 0;
      for (let i = 0; i < length; i++) {
        const k = b * length + i;
        if (m[k]) {
          count++;
          perPosition[i]++;
          assert.equal(x[k], 99);
        } else assert.equal(x[k], i);
      }
      assert.equal(count, exactMaskCount(length, ratios[b]));
    }
    // Expected masks per position: 100 rows each at 1, 3 (round(2.5) = 3), 5 and 10 of 10 → 190.
    for (const c of perPosition) assert.ok(Math.abs(c - 190) < 40, `position count ${c}`);
    tf.dispose([tokens, xt, masked]);
  });
});

Deno.test("maskBernoulli() masks each token with probability r", async () => {
  await withoutLeaks(async () => {
    const tokens = tf.zeros([200, 50], "int32") as tf.Tensor2D;
    const ratios = Array.from({ length: 200 }, (_, b) => (b < 100 ? 0.3 : 1));
    const { xt, masked } = maskBernoulli(tokens, ratios, { maskId: 7, rng: createRng(4) });
    const m = Array.from(await masked.data());
    const first = m.slice(0, 5000).reduce((a, b) => a + b, 0) / 5000;
    assert.ok(Math.abs(first - 0.3) < 0.03, `rate ${first}`); // 4.6 standard deviations
    assert.ok(m.slice(5000).every((v) => v === 1));
    assert.equal((await xt.data())[9999], 7);
    tf.dispose([tokens, xt, masked]);
  });
});

Deno.test("forward processes are reproducible from the seed", async () => {
  await withoutLeaks(async () => {
    const tokens = tf.zeros([4, 16], "int32") as tf.Tensor2D;
    const draw = async (seed: number) => {
      const { xt, masked } = maskExactCount(tokens, [0.5, 0.5, 0.5, 0.5], {
        maskId: 1,
        rng: createRng(seed),
      });
      const data = Array.from(await xt.data());
      tf.dispose([xt, masked]);
      return data;
    };
    assert.deepEqual(await draw(5), await draw(5));
    assert.notDeepEqual(await draw(5), await draw(6));
    tokens.dispose();
  });
});

Deno.test("forward processes reject bad ratios, dtypes and shapes", () => {
  const tokens = tf.zeros([2, 3], "int32") as tf.Tensor2D;
  const rng = createRng(0);
  assert.throws(() => maskExactCount(tokens, [0.5, 1.5], { maskId: 9, rng }), /'ratios\[1\]'.*1\.5/);
  assert.throws(() => maskBernoulli(tokens, [0.5], { maskId: 9, rng }), TypeError);
  const floats = tf.zeros([2, 3]) as tf.Tensor2D;
  assert.throws(() => maskExactCount(floats, [0.5, 0.5], { maskId: 9, rng }), /dtype int32/);
  tf.dispose([tokens, floats]);
});
