import assert from "node:assert/strict";
import * as tf from "./tf.ts";
import { matMul, matMulAligned } from "./ops.ts";
import { useTestBackend, withoutLeaks } from "./testing.ts";

await useTestBackend();

async function assertClose(got: tf.Tensor, want: tf.Tensor) {
  assert.deepEqual(got.shape, want.shape);
  const [g, w] = [await got.data(), await want.data()];
  w.forEach((v, i) =>
    assert.ok(Math.abs(g[i] - v) <= 1e-5 * (1 + Math.abs(v)), `element ${i}: ${g[i]} vs ${v}`)
  );
}

const cases: [string, number[], number[]][] = [
  ["odd K and N", [5, 7], [7, 9]],
  ["aligned", [3, 8], [8, 4]],
  ["batched", [2, 3, 5, 65], [2, 3, 65, 65]],
  ["broadcast b", [2, 6, 1025], [1025, 3]],
];
for (const [name, sa, sb] of cases) {
  Deno.test(`matMulAligned equals tf.matMul: ${name}`, async () => {
    const a = tf.randomNormal(sa, 0, 1, "float32", 1), b = tf.randomNormal(sb, 0, 1, "float32", 2);
    const want = tf.matMul(a, b);
    await withoutLeaks(async () => {
      for (const multiple of [1, 4, 8]) {
        const got = matMulAligned(a, b, multiple);
        await assertClose(got, want);
        got.dispose();
      }
    });
    tf.dispose([a, b, want]);
  });
}

Deno.test("matMul: the value and both gradients equal tfjs's, with and without transposeB", async () => {
  const a = tf.randomNormal([2, 5, 7], 0, 1, "float32", 3),
    b = tf.randomNormal([2, 7, 9], 0, 1, "float32", 4);
  const bt = tf.transpose(b, [0, 2, 1]);
  const dy = tf.randomNormal([2, 5, 9], 0, 1, "float32", 5);
  const loss = (f: (x: tf.Tensor, y: tf.Tensor) => tf.Tensor) => (x: tf.Tensor, y: tf.Tensor) =>
    tf.sum(tf.mul(f(x, y), dy));
  const want = tf.grads(loss(tf.matMul))([a, b]);
  for (const [y, transposeB] of [[b, false], [bt, true]] as const) {
    const got = tf.grads(loss((x, z) => matMul(x, z, transposeB)))([a, y]);
    await assertClose(got[0], want[0]);
    const gotB = transposeB ? tf.transpose(got[1], [0, 2, 1]) : got[1];
    await assertClose(gotB, want[1]);
    tf.dispose([...got, gotB]);
  }
  tf.dispose([a, b, bt, dy, ...want]);
});
