import assert from "node:assert/strict";
import * as tf from "../backend/tf.ts";
import { useTestBackend, withoutLeaks } from "../backend/testing.ts";
import { createRng } from "../rng/mod.ts";
import { maskGradient, surrogateLoss, type SurrogateNormalization } from "./surrogate.ts";

await useTestBackend();

const [B, L, V] = [3, 5, 4];
/** Masked positions per row: 2, 5 (all) and 1, so the "mean" weights differ per row. */
const MASKED = [
  [true, false, true, false, false],
  [true, true, true, true, true],
  [false, false, false, true, false],
];

/** A seeded [B, L, V] array of uniform values in [-1, 1), float32-representable. */
function randomArray(seed: number): number[][][] {
  const rng = createRng(seed);
  return Array.from(
    { length: B },
    () => Array.from({ length: L }, () => Array.from({ length: V }, () => Math.fround(2 * rng.next() - 1))),
  );
}

/** The gradient surrogateLoss must give zTheta: g/B, or g/(B·|M_b|), at masked positions; 0 elsewhere. */
function expectedGrad(g: number[][][], masked: boolean[][], normalization: SurrogateNormalization): number[] {
  return g.flatMap((row, b) => {
    const count = masked[b].filter((m) => m).length;
    const divisor = normalization === "sum" ? B : B * count;
    return row.flatMap((gi, i) => gi.map((v) => (masked[b][i] ? Math.fround(v / divisor) : 0)));
  });
}

async function gradOfSurrogate(g: number[][][], masked: boolean[][], normalization?: SurrogateNormalization) {
  const [zTheta, gT, maskedT] = [
    tf.tensor3d(randomArray(7)),
    tf.tensor3d(g),
    tf.tensor2d(masked, undefined, "bool"),
  ];
  const options = normalization === undefined ? { masked: maskedT } : { masked: maskedT, normalization };
  const grad = tf.grad((z: tf.Tensor) => surrogateLoss(z, gT, options))(zTheta);
  const data = Array.from(await grad.data());
  tf.dispose([zTheta, gT, maskedT, grad]);
  return data;
}

Deno.test("surrogateLoss() has gradient g/B at masked positions for 'sum', exactly", async () => {
  await withoutLeaks(async () => {
    const g = randomArray(1);
    assert.deepEqual(await gradOfSurrogate(g, MASKED, "sum"), expectedGrad(g, MASKED, "sum"));
    assert.deepEqual(
      await gradOfSurrogate(g, MASKED),
      expectedGrad(g, MASKED, "sum"),
      "'sum' is the default",
    );
  });
});

Deno.test("surrogateLoss() has gradient g/(B·|M_b|) at masked positions for 'mean', exactly", async () => {
  await withoutLeaks(async () => {
    const g = randomArray(2);
    assert.deepEqual(await gradOfSurrogate(g, MASKED, "mean"), expectedGrad(g, MASKED, "mean"));
  });
});

Deno.test("surrogateLoss() value is Σ w_b·g·zTheta over masked positions", async () => {
  await withoutLeaks(async () => {
    const [g, z] = [randomArray(3), randomArray(4)];
    const [zTheta, gT, masked] = [tf.tensor3d(z), tf.tensor3d(g), tf.tensor2d(MASKED, undefined, "bool")];
    for (const normalization of ["sum", "mean"] as const) {
      const loss = surrogateLoss(zTheta, gT, { masked, normalization });
      assert.deepEqual(loss.shape, []);
      const weights = expectedGrad(g, MASKED, normalization);
      const want = z.flat(2).reduce((sum, v, k) => sum + weights[k] * v, 0);
      assert.ok(Math.abs((await loss.data())[0] - want) <= 1e-6, normalization);
      loss.dispose();
    }
    tf.dispose([zTheta, gT, masked]);
  });
});

Deno.test("surrogateLoss() treats g as a constant", async () => {
  await withoutLeaks(async () => {
    const [zTheta, g, masked] = [
      tf.tensor3d(randomArray(5)),
      tf.tensor3d(randomArray(6)),
      tf.tensor2d(MASKED, undefined, "bool"),
    ];
    const [dz, dg] = tf.grads((z: tf.Tensor, gg: tf.Tensor) => surrogateLoss(z, gg, { masked }))([zTheta, g]);
    assert.ok((await dg.data()).every((v) => v === 0));
    tf.dispose([zTheta, g, masked, dz, dg]);
  });
});

Deno.test("surrogateLoss() moves a variable by −lr·g/B in one SGD step", async () => {
  await withoutLeaks(async () => {
    const z0 = randomArray(8), g = randomArray(9);
    const [initial, gT, masked] = [tf.tensor3d(z0), tf.tensor3d(g), tf.tensor2d(MASKED, undefined, "bool")];
    const zTheta = tf.variable(initial);
    const sgd = tf.train.sgd(1);
    sgd.minimize(() => surrogateLoss(zTheta, gT, { masked }));
    const want = expectedGrad(g, MASKED, "sum").map((v, k) => z0.flat(2)[k] - v);
    const got = await zTheta.data();
    got.forEach((v, k) => assert.ok(Math.abs(v - want[k]) <= 1e-7, `${v} vs ${want[k]}`));
    sgd.dispose();
    tf.dispose([initial, zTheta, gT, masked]);
  });
});

Deno.test("surrogateLoss() with 'mean' stays finite for a row without masked positions", async () => {
  await withoutLeaks(async () => {
    const none = [MASKED[0], MASKED[1], new Array(L).fill(false)];
    const grad = await gradOfSurrogate(randomArray(10), none, "mean");
    assert.ok(grad.every(Number.isFinite));
    assert.ok(grad.slice(2 * L * V).every((v) => v === 0));
  });
});

Deno.test("maskGradient() keeps g at masked positions and zeroes the rest, NaN included", async () => {
  await withoutLeaks(async () => {
    const g = tf.tensor3d([[[1, NaN], [3, 4]], [[5, 6], [Infinity, 8]]]);
    const masked = tf.tensor2d([[false, true], [true, false]], undefined, "bool");
    const out = maskGradient(g, masked);
    assert.deepEqual(Array.from(await out.data()), [0, 0, 3, 4, 5, 6, 0, 0]);
    tf.dispose([g, masked, out]);
  });
});

Deno.test("surrogateLoss() rejects mismatched shapes, wrong dtypes and an unknown normalization", async () => {
  await withoutLeaks(() => {
    const z = tf.zeros([2, 3, 4]);
    const g = tf.zeros([2, 3, 4]);
    const masked = tf.zeros([2, 3], "bool");
    const wrong = [tf.zeros([2, 3, 5]), tf.zeros([2, 4], "bool"), tf.zeros([2, 3]), tf.zeros([6, 4])];
    const [gWide, maskedLong, maskedFloat, zFlat] = wrong;
    const typeError = (f: () => unknown, pattern: RegExp) =>
      assert.throws(f, (e) => e instanceof TypeError && pattern.test(e.message));
    typeError(
      () => surrogateLoss(z, gWide, { masked }),
      /'g' must be of shape \[2, 3, 4\]: current value is \[2,3,5\]/,
    );
    typeError(() => surrogateLoss(z, g, { masked: maskedLong }), /'masked' must be of shape \[2, 3\]/);
    typeError(() => surrogateLoss(z, g, { masked: maskedFloat }), /'masked' must be of dtype bool/);
    typeError(() => surrogateLoss(zFlat, zFlat, { masked }), /'zTheta' must be of shape/);
    typeError(() => maskGradient(g, maskedLong), /'masked' must be of shape \[2, 3\]/);
    assert.throws(
      () => surrogateLoss(z, g, { masked, normalization: "batch" as SurrogateNormalization }),
      (e) => e instanceof RangeError && /'normalization' must be one of "sum", "mean"/.test(e.message),
    );
    tf.dispose([z, g, masked, ...wrong]);
  });
});
