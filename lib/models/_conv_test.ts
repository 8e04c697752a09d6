import assert from "node:assert/strict";
import * as tf from "../backend/tf.ts";
import { matMul } from "../backend/ops.ts";
import { useTestBackend, withoutLeaks } from "../backend/testing.ts";
import { createRng } from "../rng/mod.ts";
import { conv2dSame, maxPool2 } from "./_conv.ts";

await useTestBackend();

/** The oracle: a "same" convolution as shifted slices and one matrix product, differentiated by autodiff. */
function conv2dByPatches(x: tf.Tensor4D, w: tf.Tensor4D): tf.Tensor4D {
  const [n, h, width, c] = x.shape;
  const [kh, kw, , out] = w.shape;
  const [ph, pw] = [(kh - 1) / 2, (kw - 1) / 2];
  const padded = tf.pad(x, [[0, 0], [ph, ph], [pw, pw], [0, 0]]);
  const views: tf.Tensor[] = [];
  for (let a = 0; a < kh; a++) {
    for (let b = 0; b < kw; b++) views.push(tf.slice(padded, [0, a, b, 0], [n, h, width, c]));
  }
  const patches = tf.reshape(tf.concat(views, 3), [n * h * width, kh * kw * c]);
  return tf.reshape(matMul(patches, tf.reshape(w, [-1, out])), [n, h, width, out]);
}

/** The oracle: 2 × 2 max pooling as a reduction over reshaped windows, differentiated by autodiff. */
function maxPoolByReshape(x: tf.Tensor4D): tf.Tensor4D {
  const [n, h, w, c] = x.shape;
  return tf.max(tf.reshape(x, [n, h / 2, 2, w / 2, 2, c]), [2, 4]);
}

const maxRelError = (a: tf.Tensor, b: tf.Tensor) =>
  tf.tidy(() => tf.div(tf.max(tf.abs(tf.sub(a, b))), tf.max(tf.abs(b))).dataSync()[0]);

Deno.test("conv2dSame() matches the patch-matrix convolution in value and in both gradients", async () => {
  await withoutLeaks(() => {
    const rng = createRng(1);
    for (const [shape, kernel] of [[[2, 6, 5, 3], [3, 3, 3, 4]], [[1, 7, 7, 2], [5, 3, 2, 3]]]) {
      tf.tidy(() => {
        const x = tf.randomNormal<tf.Rank>(shape, 0, 1, "float32", rng.seed()) as tf.Tensor4D;
        const w = tf.randomNormal<tf.Rank>(kernel, 0, 1, "float32", rng.seed()) as tf.Tensor4D;
        const weight = tf.randomNormal([...shape.slice(0, 3), kernel[3]], 0, 1, "float32", rng.seed());
        const loss = (f: typeof conv2dSame) => (a: tf.Tensor, b: tf.Tensor) =>
          tf.sum(tf.mul(f(a as tf.Tensor4D, b as tf.Tensor4D), weight));
        assert.ok(maxRelError(conv2dSame(x, w), conv2dByPatches(x, w)) < 1e-5);
        const [dx, dw] = tf.grads(loss(conv2dSame))([x, w]);
        const [dxRef, dwRef] = tf.grads(loss(conv2dByPatches))([x, w]);
        assert.ok(maxRelError(dx, dxRef) < 1e-5, "input gradient");
        assert.ok(maxRelError(dw, dwRef) < 1e-5, "filter gradient");
      });
    }
  });
});

Deno.test("maxPool2() matches the reshaped-window maximum in value and gradient", async () => {
  await withoutLeaks(() => {
    tf.tidy(() => {
      const x = tf.randomNormal([2, 6, 4, 3], 0, 1, "float32", createRng(2).seed()) as tf.Tensor4D;
      const weight = tf.randomNormal([2, 3, 2, 3], 0, 1, "float32", createRng(3).seed());
      const loss = (f: typeof maxPool2) => (a: tf.Tensor) => tf.sum(tf.mul(f(a as tf.Tensor4D), weight));
      assert.deepEqual(Array.from(maxPool2(x).dataSync()), Array.from(maxPoolByReshape(x).dataSync()));
      const grad = tf.grad(loss(maxPool2))(x);
      const gradRef = tf.grad(loss(maxPoolByReshape))(x);
      assert.deepEqual(Array.from(grad.dataSync()), Array.from(gradRef.dataSync()));
    });
  });
});
