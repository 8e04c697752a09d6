import assert from "node:assert/strict";
import * as tf from "./tf.ts";
import { inPlaceKernel } from "./webgpu_in_place.ts";
import { useTestBackend, withoutLeaks } from "./testing.ts";

await useTestBackend();
const onWebGPU = tf.getBackend() === "webgpu";

const axpy = inPlaceKernel({
  name: "TestAxpyInPlace",
  written: ["y", "z"],
  read: ["x"],
  scalars: ["a"],
  wgsl: "y[i] = y[i] + u.a * x[i];\n  z[i] = f32(i);",
});

Deno.test({
  name: "inPlaceKernel writes every written tensor in place, after the kernels queued before it",
  ignore: !onWebGPU,
  fn: async () => {
    // More elements than one row of workgroups holds, so the grid wraps into y.
    const n = 32768 * 256 + 5;
    const x = tf.fill([n], 2);
    const [y, z] = tf.tidy(() => [tf.variable(tf.zeros([n])), tf.variable(tf.zeros([n]))]);
    assert.deepEqual((await y.data()).slice(0, 2), new Float32Array([0, 0])); // cached on the host now
    await withoutLeaks(async () => {
      tf.tidy(() => y.assign(tf.add(x, 1))); // queued, not yet run
      const id = y.dataId;
      assert.equal(axpy([y, z], [x], [0.5]), true);
      assert.equal(y.dataId, id);
      const [yv, zv] = await Promise.all([y.data(), z.data()]);
      assert.deepEqual([yv[0], yv[n - 1]], [4, 4]);
      assert.deepEqual([zv[0], zv[7], zv[n - 1]], [0, 7, n - 1]);
    });
    // The host's cached copy is dropped: the next read sees the next update.
    assert.equal(axpy([y, z], [x], [1]), true);
    assert.equal((await y.data())[3], 6);
    tf.dispose([x, y, z]);
  },
});

Deno.test("inPlaceKernel does not run where a written tensor's data is shared, or off WebGPU", async () => {
  const x = tf.ones([4]);
  const y = tf.zeros([4]);
  const z = tf.zeros([4]);
  const clone = tf.clone(y);
  assert.equal(axpy([y, z], [x], [1]), false);
  assert.deepEqual([...await clone.data()], [0, 0, 0, 0]);
  clone.dispose();
  assert.equal(axpy([y, y], [x], [1]), false);
  assert.equal(axpy([y, z], [x], [1]), onWebGPU);
  assert.deepEqual([...await y.data()], onWebGPU ? [1, 1, 1, 1] : [0, 0, 0, 0]);
  assert.throws(() => axpy([y], [x], [1]), /TestAxpyInPlace updates 2 tensors and reads 1; got 1 and 1/);
  assert.throws(() => axpy([y, z], [x], []), /takes 1 scalars \(a\); got 0/);
  tf.dispose([x, y, z]);
});
