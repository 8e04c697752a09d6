import assert from "node:assert/strict";
import * as tf from "./tf.ts";
import { embed, matMul } from "./ops.ts";
import { useTestBackend, withoutLeaks } from "./testing.ts";

await useTestBackend();

async function assertClose(got: tf.Tensor, want: tf.Tensor) {
  assert.deepEqual(got.shape, want.shape);
  const [g, w] = [await got.data(), await want.data()];
  w.forEach((v, i) =>
    assert.ok(Math.abs(g[i] - v) <= 1e-5 * (1 + Math.abs(v)), `element ${i}: ${g[i]} vs ${v}`)
  );
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

Deno.test("matMul: a b shared by the batch gets the sum of the batch's gradients", async () => {
  const a = tf.randomNormal([3, 6, 33], 0, 1, "float32", 6), b = tf.randomNormal([33, 5], 0, 1, "float32", 7);
  const dy = tf.randomNormal([3, 6, 5], 0, 1, "float32", 8);
  const loss = (f: (x: tf.Tensor, y: tf.Tensor) => tf.Tensor) => (x: tf.Tensor, y: tf.Tensor) =>
    tf.sum(tf.mul(f(x, y), dy));
  // tfjs's own matMul gradient rejects a broadcast b: spell the broadcast out for the reference.
  const want = tf.grads(
    loss((x, y) => tf.matMul(x, tf.broadcastTo(y, [...x.shape.slice(0, -2), ...y.shape.slice(-2)]))),
  )([a, b]);
  await withoutLeaks(async () => {
    const got = tf.grads(loss(matMul))([a, b]);
    await assertClose(got[0], want[0]);
    await assertClose(got[1], want[1]);
    tf.dispose(got);
  });
  tf.dispose([a, b, dy, ...want]);
});

Deno.test("embed: rows of the table, and the table's gradient sums dy over every use of a row", async () => {
  const [vocab, width] = [7, 5];
  const table = tf.randomNormal([vocab, width], 0, 1, "float32", 9);
  const idValues = [[3, 0, 3], [6, 3, 1]];
  const ids = tf.tensor2d(idValues, undefined, "int32");
  const dy = tf.randomNormal([2, 3, width], 0, 1, "float32", 10);
  const [tableValues, dyValues] = [await table.data(), await dy.data()];
  const wantRows = idValues.flat().flatMap((id) => [...tableValues.slice(id * width, (id + 1) * width)]);
  const wantGrad = new Float32Array(vocab * width);
  idValues.flat().forEach((id, r) => {
    for (let c = 0; c < width; c++) wantGrad[id * width + c] += dyValues[r * width + c];
  });
  const want = [tf.tensor3d(wantRows, [2, 3, width]), tf.tensor2d(wantGrad, [vocab, width])];
  await withoutLeaks(async () => {
    const rows = embed(table, ids);
    await assertClose(rows, want[0]);
    const grad = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(embed(t, ids), dy)))(table);
    await assertClose(grad, want[1]);
    tf.dispose([rows, grad]);
  });
  tf.dispose([table, ids, dy, ...want]);
});

Deno.test("matMul with a bias: the value and the gradients of a, b and the bias equal tfjs's", async () => {
  const a = tf.randomNormal([2, 3, 5, 7], 0, 1, "float32", 11),
    b = tf.randomNormal([2, 3, 9, 7], 0, 1, "float32", 12);
  const bias = tf.randomNormal([9], 0, 1, "float32", 13),
    dy = tf.randomNormal([2, 3, 5, 9], 0, 1, "float32", 14);
  const loss =
    (f: (x: tf.Tensor, y: tf.Tensor, z: tf.Tensor) => tf.Tensor) =>
    (x: tf.Tensor, y: tf.Tensor, z: tf.Tensor) => tf.sum(tf.mul(f(x, y, z), dy));
  const reference = (x: tf.Tensor, y: tf.Tensor, z: tf.Tensor) => tf.add(tf.matMul(x, y, false, true), z);
  const want = [reference(a, b, bias), ...tf.grads(loss(reference))([a, b, bias])];
  await withoutLeaks(async () => {
    const product = (x: tf.Tensor, y: tf.Tensor, z: tf.Tensor) => matMul(x, y, true, z);
    const got = [product(a, b, bias), ...tf.grads(loss(product))([a, b, bias])];
    for (let i = 0; i < got.length; i++) await assertClose(got[i], want[i]);
    tf.dispose(got);
  });
  tf.dispose([a, b, bias, dy, ...want]);
});
