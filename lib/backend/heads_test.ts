import assert from "node:assert/strict";
import * as tf from "./tf.ts";
import { projectHeads, splitHeads } from "./heads.ts";
import { maxRelativeError, useTestBackend, withoutLeaks } from "./testing.ts";

await useTestBackend();

/** The heads as attention built them before: a column slice of qkv each, reshaped and transposed. */
function reference(
  qkv: tf.Tensor,
  batch: number,
  positions: number,
  heads: number,
  scale: number,
): tf.Tensor[] {
  const width = qkv.shape[1]! / 3, headWidth = width / heads;
  const part = (i: number) =>
    tf.reshape(tf.slice(qkv, [0, i * width], [batch * positions, width]), [
      batch,
      positions,
      heads,
      headWidth,
    ]);
  return [
    tf.transpose(tf.mul(part(0), scale), [0, 2, 1, 3]),
    tf.transpose(part(1), [0, 2, 3, 1]),
    tf.transpose(part(2), [0, 2, 1, 3]),
  ];
}

// One head of width 1; heads of MaskGIT's proportions; odd sizes past a workgroup.
for (const [batch, positions, heads, headWidth] of [[1, 2, 1, 1], [2, 5, 4, 8], [3, 17, 3, 7]]) {
  const rows = batch * positions, packed = 3 * heads * headWidth, scale = 1 / Math.sqrt(headWidth);
  Deno.test(`splitHeads of [${rows}, ${packed}] (${heads} heads): q, kᵀ, v and the gradient equal the plain ops'`, async () => {
    const qkv = tf.randomNormal([rows, packed], 0, 1, "float32", 1);
    const shape = { batch, positions, heads, scale };
    const dys = reference(qkv, batch, positions, heads, 1).map((t, i) =>
      tf.randomNormal(t.shape, 0, 1, "float32", 2 + i)
    );
    const loss = (parts: tf.Tensor[], used: boolean[]) =>
      tf.addN(parts.map((t, i) => used[i] ? tf.sum(tf.mul(t, dys[i])) : tf.scalar(0)));
    for (const used of [[true, true, true], [true, false, true]]) {
      const want = [
        ...reference(qkv, batch, positions, heads, scale),
        tf.grad((x: tf.Tensor) => loss(reference(x, batch, positions, heads, scale), used))(qkv),
      ];
      await withoutLeaks(async () => {
        const got = [
          ...splitHeads(qkv, shape),
          tf.grad((x: tf.Tensor) => loss(splitHeads(x, shape), used))(qkv),
        ];
        for (const [i, name] of ["q", "kᵀ", "v", "d qkv"].entries()) {
          assert.deepEqual(got[i].shape, want[i].shape, name);
          const error = await maxRelativeError(got[i], want[i]);
          assert.ok(error < 1e-6, `${name} (used ${used}): error ${error}`);
        }
        tf.dispose(got);
      });
      tf.dispose(want);
    }
    tf.dispose([qkv, ...dys]);
  });
}

Deno.test("splitHeads refuses a packed width that does not split into three times the heads", () => {
  const qkv = tf.zeros([4, 10]);
  assert.throws(
    () => splitHeads(qkv, { batch: 2, positions: 2, heads: 2, scale: 1 }),
    /qkv must be \[2 × 2, 3 × 2 × head width\]: current shape is \[4,10\]/,
  );
  assert.throws(
    () => splitHeads(qkv, { batch: 1, positions: 2, heads: 1, scale: 1 }),
    /current shape is \[4,10\]/,
  );
  qkv.dispose();
});

Deno.test("projectHeads equals splitHeads of the packed product, in value and in every gradient", async () => {
  const [batch, positions, heads, width] = [2, 5, 4, 32];
  const shape = { batch, positions, heads, scale: 0.25 };
  const x = tf.randomNormal([batch * positions, width], 0, 1, "float32", 11);
  const weight = tf.randomNormal([width, 3 * width], 0, 0.2, "float32", 12);
  const bias = tf.randomNormal([3 * width], 0, 0.2, "float32", 13);
  const packed = (a: tf.Tensor, w: tf.Tensor, b: tf.Tensor) => splitHeads(tf.add(tf.matMul(a, w), b), shape);
  const dys = packed(x, weight, bias).map((t, i) => tf.randomNormal(t.shape, 0, 1, "float32", 20 + i));
  const loss = (f: typeof packed) => (a: tf.Tensor, w: tf.Tensor, b: tf.Tensor) =>
    tf.addN(f(a, w, b).map((t, i) => tf.sum(tf.mul(t, dys[i]))));
  const want = [...packed(x, weight, bias), ...tf.grads(loss(packed))([x, weight, bias])];
  await withoutLeaks(async () => {
    const got = [
      ...projectHeads(x, weight, bias, shape),
      ...tf.grads(loss((a, w, b) => projectHeads(a, w, b, shape)))([x, weight, bias]),
    ];
    for (const [i, name] of ["q", "kᵀ", "v", "dx", "dW", "db"].entries()) {
      const error = await maxRelativeError(got[i], want[i]);
      assert.ok(error < 1e-5, `${name}: error ${error}`);
    }
    tf.dispose(got);
  });
  tf.dispose([x, weight, bias, ...dys, ...want]);
});
