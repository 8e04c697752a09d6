import assert from "node:assert/strict";
import * as tf from "./tf.ts";
import { useTestBackend, withoutLeaks } from "./testing.ts";
import { installWasmBatchMatMul } from "./wasm_batch_matmul.ts";
import { transposeLast2 } from "./_axes.ts";

const info = await useTestBackend();
const onWasm = info.name === "wasm";

/** `a · b` in float64 from the tensors' values, broadcasting outer dimensions of size 1. */
async function reference(a: tf.Tensor, b: tf.Tensor, transposeA = false, transposeB = false) {
  const at = transposeA ? transposeLast2(a) : a;
  const bt = transposeB ? transposeLast2(b) : b;
  const [m, k] = at.shape.slice(-2), n = bt.shape.at(-1)!;
  const batchA = at.size / (m * k), batchB = bt.size / (k * n), batches = Math.max(batchA, batchB);
  const [av, bv] = [await at.data(), await bt.data()];
  if (at !== a) at.dispose();
  if (bt !== b) bt.dispose();
  const out = new Float64Array(batches * m * n);
  for (let s = 0; s < batches; s++) {
    const ao = (batchA === 1 ? 0 : s) * m * k, bo = (batchB === 1 ? 0 : s) * k * n;
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let dot = 0;
        for (let l = 0; l < k; l++) dot += av[ao + i * k + l] * bv[bo + l * n + j];
        out[(s * m + i) * n + j] = dot;
      }
    }
  }
  return out;
}

async function assertProduct(aShape: number[], bShape: number[], transposeA = false, transposeB = false) {
  await withoutLeaks(async () => {
    const a = tf.randomUniform(aShape, -1, 1, "float32", 1);
    const b = tf.randomUniform(bShape, -1, 1, "float32", 2);
    const c = tf.matMul(a, b, transposeA, transposeB);
    const expected = await reference(a, b, transposeA, transposeB);
    const got = await c.data();
    assert.equal(got.length, expected.length, `${aShape} · ${bShape}: shape ${c.shape}`);
    got.forEach((x, i) =>
      assert.ok(Math.abs(x - expected[i]) < 1e-4, `${aShape} · ${bShape} [${i}]: ${x} vs ${expected[i]}`)
    );
    tf.dispose([a, b, c]);
  });
}

Deno.test({
  name: "the wasm BatchMatMul kernel is installed and matches float64 for batched and broadcast products",
  ignore: !onWasm,
  fn: async () => {
    assert.equal(installWasmBatchMatMul(), true);
    await assertProduct([2, 3, 5, 4], [2, 3, 4, 6]); // attention-like: equal outer dimensions
    await assertProduct([1, 5, 4], [3, 4, 6]); // a broadcast against b's batch
    await assertProduct([3, 5, 4], [4, 6]); // b a single matrix
    await assertProduct([3, 4, 5], [3, 4, 6], true, false); // transposes go to the stock kernel
    await assertProduct([3, 5, 4], [3, 6, 4], false, true);
    await assertProduct([7, 9], [9, 2]); // 2-D: the stock XNNPACK path
  },
});

Deno.test({
  name: "the wasm BatchMatMul kernel keeps tfjs's error for mismatched inner dimensions and its gradients",
  ignore: !onWasm,
  fn: async () => {
    await withoutLeaks(async () => {
      assert.throws(
        () => tf.tidy(() => tf.matMul(tf.ones([2, 3, 4]), tf.ones([2, 5, 6]))),
        /inner shapes \(4\) and \(5\)/,
      );
      const a = tf.randomUniform([2, 3, 4], -1, 1, "float32", 3);
      const b = tf.randomUniform([2, 4, 5], -1, 1, "float32", 4);
      const [da, db] = tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.matMul(x, y)))([a, b]);
      // d/da sum(a·b) = 1 · bᵀ: each row of da[s] holds b[s]'s row sums.
      const [dav, bv, dbv, av] = await Promise.all([da.data(), b.data(), db.data(), a.data()]);
      for (let s = 0; s < 2; s++) {
        for (let l = 0; l < 4; l++) {
          let rowSum = 0, colSum = 0;
          for (let j = 0; j < 5; j++) rowSum += bv[(s * 4 + l) * 5 + j];
          for (let i = 0; i < 3; i++) colSum += av[(s * 3 + i) * 4 + l];
          assert.ok(Math.abs(dav[(s * 3) * 4 + l] - rowSum) < 1e-5);
          assert.ok(Math.abs(dbv[(s * 4 + l) * 5] - colSum) < 1e-5);
        }
      }
      tf.dispose([a, b, da, db]);
    });
  },
});
