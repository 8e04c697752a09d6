import assert from "node:assert/strict";
import * as tf from "./tf.ts";
import { chooseBackendName, chooseThreads, defaultWasmThreads, useBackend } from "./select.ts";
import { useTestBackend, withoutLeaks } from "./testing.ts";

// The other test files run wasm on one thread; this one starts the thread pool.
const info = ["auto", "wasm"].includes(chooseBackendName())
  ? await useBackend("wasm", { threads: 2 })
  : await useTestBackend();

Deno.test("chooseThreads() reads the flag and rejects what is not an integer in 1–8", () => {
  assert.equal(chooseThreads("1"), 1);
  assert.equal(chooseThreads("8"), 8);
  assert.throws(() => chooseThreads("0"), /--threads must be an integer in 1–8, got '0'/);
  assert.throws(() => chooseThreads("2.5"), RangeError);
  assert.throws(() => chooseThreads("many"), /got 'many'/);
});

Deno.test("defaultWasmThreads() takes half the cores, at least 1 and at most 8", () => {
  assert.deepEqual([1, 2, 3, 4, 7, 16, 64].map((cores) => defaultWasmThreads(cores)), [1, 1, 1, 2, 3, 8, 8]);
  assert.equal(defaultWasmThreads(), defaultWasmThreads(navigator.hardwareConcurrency));
  assert.throws(() => defaultWasmThreads(0), /'cores' must be/);
  assert.throws(() => defaultWasmThreads(2.5), RangeError);
});

Deno.test("useBackend('wasm') rejects a thread count out of range before starting anything", async () => {
  await assert.rejects(
    () => useBackend("wasm", { threads: 9 }),
    /'threads' must be a number in \[1, 8\]: current value is 9/,
  );
  await assert.rejects(() => useBackend("wasm", { threads: 0 }), RangeError);
});

Deno.test({
  name:
    "wasm with 2 threads: the adapter names the pool, products match float64, the count is fixed once started",
  ignore: info.name !== "wasm",
  fn: async () => {
    const running = Number(/(\d+) threads?/.exec(info.adapter)?.[1]);
    assert.equal(running, 2, info.adapter);
    await withoutLeaks(async () => {
      // 2-D products of this size go through XNNPACK, which is what uses the pool.
      const a = tf.randomUniform([257, 300], -1, 1, "float32", 1);
      const b = tf.randomUniform([300, 129], -1, 1, "float32", 2);
      const c = tf.matMul(a, b);
      const [av, bv, cv] = await Promise.all([a.data(), b.data(), c.data()]);
      for (const [i, j] of [[0, 0], [200, 100], [256, 128]]) {
        let dot = 0;
        for (let k = 0; k < 300; k++) dot += av[i * 300 + k] * bv[k * 129 + j];
        assert.ok(
          Math.abs(cv[i * 129 + j] - dot) < 1e-4,
          `c[${i}, ${j}] = ${cv[i * 129 + j]}, float64 ${dot}`,
        );
      }
      tf.dispose([a, b, c]);
    });
    await assert.rejects(() => useBackend("wasm", { threads: 1 }), /with 1 threads: it already runs with 2/);
    assert.equal((await useBackend("wasm", { threads: running })).adapter, info.adapter);
  },
});
