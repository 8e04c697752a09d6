import assert from "node:assert/strict";
import * as tf from "./tf.ts";
import { useTestBackend, withoutLeaks } from "./testing.ts";

await useTestBackend();

// The reference: the upstream gradient spread over the reduced axes by hand, in plain arrays.
function spread(dy: number[], shape: number[], axes: number[], scale: number): number[] {
  const size = shape.reduce((a, b) => a * b, 1);
  const kept = shape.map((d, i) => (axes.includes(i) ? 1 : d));
  return Array.from({ length: size }, (_, flat) => {
    let rest = flat, index = 0, stride = 1;
    for (let i = shape.length - 1; i >= 0; i--) {
      const coordinate = rest % shape[i];
      rest = Math.floor(rest / shape[i]);
      if (!axes.includes(i)) index += coordinate * stride;
      stride *= kept[i];
    }
    return dy[index] * scale;
  });
}

for (const [axis, keepDims] of [[1, false], [[0, 2], false], [2, true], [-1, false]] as const) {
  Deno.test(`Sum and Mean gradients spread dy over axis ${axis}${keepDims ? ", keepDims" : ""}`, async () => {
    const shape = [2, 3, 4];
    const axes = tf.util.parseAxisParam(axis as number | number[], shape);
    const x = tf.randomNormal(shape, 0, 1, "float32", 1);
    const outShape = tf.sum(x, axis as number | number[], keepDims).shape;
    const dy = tf.randomNormal(outShape, 0, 1, "float32", 2);
    const dyValues = [...await dy.data()];
    const count = axes.reduce((n, a) => n * shape[a], 1);
    await withoutLeaks(async () => {
      for (const [reduce, scale] of [[tf.sum, 1], [tf.mean, 1 / count]] as const) {
        const grad = tf.grad((v: tf.Tensor) => reduce(v, axis as number | number[], keepDims))(x, dy);
        assert.deepEqual(grad.shape, shape);
        const got = await grad.data();
        spread(dyValues, shape, axes, scale).forEach((want, i) =>
          assert.ok(Math.abs(got[i] - want) < 1e-6, `${i}`)
        );
        grad.dispose();
      }
    });
    tf.dispose([x, dy]);
  });
}

Deno.test("Sum and Mean gradients make no tensor from CPU values larger than a scalar", () => {
  const engine = tf.engine();
  const makeTensor = engine.makeTensor;
  const made: number[] = [];
  const x = tf.randomNormal([64, 32], 0, 1, "float32", 3);
  const [dySum, dyMean] = [tf.ones([64]), tf.ones([32])];
  try {
    engine.makeTensor = function (values, shape, dtype, backend) {
      made.push(tf.util.sizeFromShape(shape));
      return makeTensor.call(this, values, shape, dtype, backend);
    };
    tf.tidy(() => {
      tf.grad((v: tf.Tensor) => tf.sum(v, 1))(x, dySum);
      tf.grad((v: tf.Tensor) => tf.mean(v, 0))(x, dyMean);
    });
  } finally {
    engine.makeTensor = makeTensor;
    tf.dispose([x, dySum, dyMean]);
  }
  assert.ok(made.every((size) => size <= 1), `sizes made from CPU values: ${made}`);
});
