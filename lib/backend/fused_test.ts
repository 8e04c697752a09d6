import assert from "node:assert/strict";
import * as tf from "./tf.ts";
import { fusedElementwise } from "./fused.ts";
import { useTestBackend, withoutLeaks } from "./testing.ts";

await useTestBackend();

// x0·a + x1 − x2·x2, with x1 and x2 either full or a row vector.
const combine = fusedElementwise({
  name: "DimoTestCombine",
  inputs: 3,
  scalars: ["a"],
  wgsl: "value = x0 * uniforms.a + x1 - x2 * x2;",
  reference: ([x0, x1, x2], [a]) => tf.sub(tf.add(tf.mul(x0, a), x1), tf.square(x2)),
});

async function values(t: tf.Tensor): Promise<number[]> {
  const v = [...await t.data()];
  t.dispose();
  return v;
}

Deno.test("fusedElementwise: the kernel (on webgpu) or the reference gives the function's values", async () => {
  const x0 = tf.tensor2d([[1, 2, 3], [4, 5, 6]]), x1 = tf.tensor2d([[0.5, 0, -1], [2, 2, 2]]);
  const row = tf.tensor1d([1, -2, 3]);
  await withoutLeaks(async () => {
    assert.deepEqual(await values(combine([x0, x1, x0], [2])), [1.5, 0, -4, -6, -13, -22]);
    // A vector the length of the last axis is broadcast over the rows.
    assert.deepEqual(await values(combine([x0, row, row], [-1])), [-1, -8, -9, -4, -11, -12]);
  });
  tf.dispose([x0, x1, row]);
});

Deno.test("fusedElementwise: a large tensor matches the reference to float32 rounding", async () => {
  const shape = [300, 1025];
  const [x0, x1] = [1, 2].map((seed) => tf.randomNormal(shape, 0, 1, "float32", seed));
  const row = tf.randomNormal([1025], 0, 1, "float32", 3);
  await withoutLeaks(async () => {
    const got = await values(combine([x0, x1, row], [0.37]));
    const want = await values(tf.tidy(() => tf.sub(tf.add(tf.mul(x0, 0.37), x1), tf.square(row))));
    assert.equal(got.length, want.length);
    want.forEach((w, i) => assert.ok(Math.abs(got[i] - w) <= 1e-6 * (1 + Math.abs(w)), `element ${i}`));
  });
  tf.dispose([x0, x1, row]);
});

Deno.test("fusedElementwise: wrong counts and shapes are refused, naming what was expected", () => {
  const x = tf.zeros([2, 3]);
  assert.throws(
    () => combine([x, x], [1]),
    /DimoTestCombine takes 3 tensors and 1 scalars \(a\); got 2 and 1/,
  );
  assert.throws(() => combine([x, x, x]), /got 3 and 0/);
  assert.throws(
    () => combine([x, tf.zeros([3, 2]), x], [1]),
    /input 1 has shape \[3,2\]; expected \[2,3\] or \[3\]/,
  );
  x.dispose();
});

Deno.test("fusedElementwise: a float32 cast of int32 values is read as numbers", async () => {
  // tfjs-webgpu's int32 → float32 cast keeps the int32 buffer.
  const ints = tf.cast(tf.tensor2d([[1, 2, 3], [4, 5, 6]], undefined, "int32"), "float32");
  const ones = tf.ones([2, 3]);
  await withoutLeaks(async () => {
    assert.deepEqual(await values(combine([ints, ones, ones], [2])), [2, 4, 6, 8, 10, 12]);
  });
  tf.dispose([ints, ones]);
});

Deno.test("fusedElementwise: device coefficients come from a float32 vector, checked for shape", async () => {
  // x0 · scale, or x0 unchanged where the flag is 0.
  const scaleIf = fusedElementwise({
    name: "DimoTestScaleIf",
    inputs: 1,
    scalars: [],
    coefficients: ["scale", "flag"],
    wgsl: "value = select(x0, x0 * scale, flag > 0.5);",
    reference: ([x0], _, [scale, flag]) => tf.where(tf.greater(flag, 0.5), tf.mul(x0, scale), x0),
  });
  const x = tf.tensor2d([[1, -2], [3, NaN]]);
  const [on, off] = [tf.tensor1d([3, 1]), tf.tensor1d([NaN, 0])];
  await withoutLeaks(async () => {
    assert.deepEqual(await values(scaleIf([x], [], on)), [3, -6, 9, NaN]);
    assert.deepEqual(await values(scaleIf([x], [], off)), [1, -2, 3, NaN]);
    assert.throws(() => scaleIf([x]), /coefficients \(scale, flag\) as one float32 vector of 2; got none/);
    assert.throws(() => scaleIf([x], [], x as unknown as tf.Tensor1D), /got float32 \[2,2\]/);
    assert.throws(() => combine([x, x, x], [1], on), /DimoTestCombine takes its coefficients \(none\)/);
  });
  tf.dispose([x, on, off]);
});
