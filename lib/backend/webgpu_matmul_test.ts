import assert from "node:assert/strict";
import * as tf from "./tf.ts";
import { matMul } from "./ops.ts";
import { transposeLast2 } from "./_axes.ts";
import { type MatMulTile, planMatMul, TILED_MATMUL, tiledMatMul } from "./webgpu_matmul.ts";
import { maxRelativeError, useTestBackend, withoutLeaks } from "./testing.ts";

const info = await useTestBackend();
const onWebGPU = tf.getKernel(TILED_MATMUL, info.name) !== undefined;

const tileSize = ({ threads, rows, cols }: MatMulTile) => [threads[1] * rows, threads[0] * cols];

Deno.test("planMatMul: large tiles for large outputs, 68×68 for attention over 65 positions", () => {
  assert.deepEqual(tileSize(planMatMul(1, 16640, 1024, 256).tile), [128, 128]);
  assert.deepEqual(tileSize(planMatMul(1024, 65, 65, 64).tile), [68, 68]);
  assert.equal(planMatMul(1024, 65, 65, 64).splits, 1);
  assert.equal(planMatMul(1, 16640, 1024, 256).splits, 1);
});

Deno.test("planMatMul: K is split when the output gives few workgroups, in slices of 256 or more", () => {
  for (const [m, n, k] of [[256, 256, 16640], [256, 1024, 16640], [1025, 256, 16384], [8, 8, 300]]) {
    const { tile, splits } = planMatMul(1, m, n, k);
    const [tm, tn] = tileSize(tile);
    const workgroups = Math.ceil(m / tm) * Math.ceil(n / tn);
    assert.ok(splits >= 1 && splits * 256 <= Math.max(k, 256), `${m}x${n}x${k}: ${splits} splits`);
    assert.ok(workgroups * splits <= 2 * 256, `${m}x${n}x${k}: ${workgroups * splits} workgroups`);
    if (k >= 512 * Math.ceil(256 / workgroups)) assert.ok(workgroups * splits >= 256);
  }
});

Deno.test("tiledMatMul: mismatched shapes are refused with both shapes named", () => {
  assert.throws(
    () => tiledMatMul(tf.zeros([2, 3]), tf.zeros([4, 5]), false, false),
    /shapes \[2,3\] \(transposeA false\) and \[4,5\] \(transposeB false\) do not multiply/,
  );
  assert.throws(() => tiledMatMul(tf.zeros([2, 2, 3]), tf.zeros([3, 2, 3]), false, true), /batch axes/);
});

Deno.test({
  name: "tiledMatMul: needs the webgpu backend, and says which backend is active",
  ignore: onWebGPU,
  fn: () => {
    assert.throws(
      () => tiledMatMul(tf.zeros([2, 3]), tf.zeros([3, 5]), false, false),
      /needs the webgpu backend/,
    );
  },
});

// [a's batch axes, b's batch axes, M, K, N]: odd sizes, one element, edges of every tile, a
// broadcast operand, and K long enough to split.
const SHAPES: [number[], number[], number, number, number][] = [
  [[], [], 1, 1, 1],
  [[], [], 5, 7, 3],
  [[3], [3], 65, 64, 65],
  [[2, 2], [2, 2], 9, 13, 130],
  [[2], [], 130, 33, 257],
  [[], [], 24, 1200, 20],
];

Deno.test({
  name: "tiledMatMul equals tf.matMul for every layout, tile and split, to float32 rounding",
  ignore: !onWebGPU,
  fn: async () => {
    const tiles: MatMulTile[] = [
      { threads: [16, 16], rows: 8, cols: 8, depth: 8 },
      { threads: [17, 17], rows: 4, cols: 4, depth: 8 },
      { threads: [8, 4], rows: 4, cols: 8, depth: 16 },
    ];
    for (const [batchA, batchB, m, k, n] of SHAPES) {
      for (const transposeA of [false, true]) {
        for (const transposeB of [false, true]) {
          const a = tf.randomNormal([...batchA, ...(transposeA ? [k, m] : [m, k])], 0, 1, "float32", 1);
          const b = tf.randomNormal([...batchB, ...(transposeB ? [n, k] : [k, n])], 0, 1, "float32", 2);
          const want = tf.matMul(transposeA ? transposeLast2(a) : a, transposeB ? transposeLast2(b) : b);
          const scale = Math.sqrt(k);
          await withoutLeaks(async () => {
            for (const plan of [undefined, ...tiles.map((tile) => ({ tile, splits: 3 }))]) {
              const got = tiledMatMul(a, b, transposeA, transposeB, plan);
              const error = await maxRelativeError(got, want);
              got.dispose();
              const what = `[${a.shape}]${transposeA ? "ᵀ" : ""}·[${b.shape}]${transposeB ? "ᵀ" : ""} ${
                JSON.stringify(plan)
              }`;
              assert.ok(error <= 1e-6 * scale * 8, `${what}: error ${error}`);
            }
          });
          tf.dispose([a, b, want]);
        }
      }
    }
  },
});

Deno.test({
  name: "tiledMatMul adds a bias to every row, with and without a split of K",
  ignore: !onWebGPU,
  fn: async () => {
    const a = tf.randomNormal([2, 3, 70, 600], 0, 1, "float32", 6),
      b = tf.randomNormal([2, 3, 600, 9], 0, 1, "float32", 7);
    const bias = tf.randomNormal([9], 0, 1, "float32", 8);
    const want = tf.add(tf.matMul(a, b), bias);
    await withoutLeaks(async () => {
      for (const splits of [1, 2]) {
        const got = tiledMatMul(a, b, false, false, { tile: planMatMul(6, 70, 9, 600).tile, splits }, bias);
        const error = await maxRelativeError(got, want);
        got.dispose();
        assert.ok(error < 1e-4, `splits ${splits}: error ${error}`);
      }
    });
    assert.throws(
      () => tiledMatMul(a, b, false, false, undefined, tf.zeros([8])),
      /bias has shape \[8\]; expected \[9\]/,
    );
    tf.dispose([a, b, bias, want]);
  },
});

Deno.test({
  name: "matMul on webgpu: the value and both gradients equal tf.matMul's, b broadcast or not",
  ignore: !onWebGPU,
  fn: async () => {
    for (const [sa, sb] of [[[2, 5, 70], [2, 70, 9]], [[3, 6, 33], [33, 1025]]]) {
      const a = tf.randomNormal(sa, 0, 1, "float32", 3), b = tf.randomNormal(sb, 0, 1, "float32", 4);
      const dy = tf.randomNormal([...sa.slice(0, -1), sb[sb.length - 1]], 0, 1, "float32", 5);
      const loss = (f: (x: tf.Tensor, y: tf.Tensor) => tf.Tensor) => (x: tf.Tensor, y: tf.Tensor) =>
        tf.sum(tf.mul(f(x, y), dy));
      const want = tf.grads(
        loss((x, y) => tf.matMul(x, tf.broadcastTo(y, [...x.shape.slice(0, -2), ...y.shape.slice(-2)]))),
      )([
        a,
        b,
      ]);
      const bt = transposeLast2(b);
      await withoutLeaks(async () => {
        for (const [y, transposeB] of [[b, false], [bt, true]] as const) {
          const got = tf.grads(loss((x, z) => matMul(x, z, transposeB)))([a, y]);
          const gotB = transposeB ? transposeLast2(got[1]) : got[1];
          // Sums of up to 1,025 products, in another order than tfjs's: float32 rounding of ~1e-4.
          for (const [name, g, w] of [["da", got[0], want[0]], ["db", gotB, want[1]]] as const) {
            const error = await maxRelativeError(g, w);
            assert.ok(error < 2e-4, `${name}, transposeB ${transposeB}: error ${error}`);
          }
          tf.dispose([...got, gotB]);
        }
      });
      tf.dispose([a, b, bt, dy, ...want]);
    }
  },
});

Deno.test({
  name: "tiledMatMul: a float32 cast of int32 values is read as numbers",
  ignore: !onWebGPU,
  fn: async () => {
    // tfjs-webgpu's int32 → float32 cast keeps the int32 buffer.
    const ints = tf.cast(tf.tensor2d([[1, 0], [0, 2], [3, 0]], undefined, "int32"), "float32");
    const ones = tf.ones([3, 2]);
    await withoutLeaks(async () => {
      const product = tiledMatMul(ints, ones, true, false);
      assert.deepEqual([...await product.data()], [4, 4, 2, 2]);
      product.dispose();
    });
    tf.dispose([ints, ones]);
  },
});

Deno.test({
  name: "tiledMatMul: a batch past 65,535 products (WebGPU's grid limit) still multiplies right",
  ignore: !onWebGPU,
  fn: async () => {
    // tfjs's own matMul cannot run this batch on WebGPU either: the reference is computed here.
    const a = tf.randomNormal([70000, 2, 3], 0, 1, "float32", 9);
    const b = tf.randomNormal([70000, 3, 2], 0, 1, "float32", 10);
    const [av, bv] = [await a.data(), await b.data()];
    const want = new Float32Array(70000 * 4);
    for (let p = 0; p < 70000; p++) {
      for (let i = 0; i < 2; i++) {
        for (let j = 0; j < 2; j++) {
          let dot = 0;
          for (let k = 0; k < 3; k++) dot += av[p * 6 + i * 3 + k] * bv[p * 6 + k * 2 + j];
          want[p * 4 + i * 2 + j] = dot;
        }
      }
    }
    await withoutLeaks(async () => {
      const got = tiledMatMul(a, b, false, false);
      assert.deepEqual(got.shape, [70000, 2, 2]);
      const values = await got.data();
      got.dispose();
      want.forEach((w, i) => assert.ok(Math.abs(values[i] - w) < 1e-4, `element ${i}: ${values[i]} vs ${w}`));
    });
    tf.dispose([a, b]);
  },
});
