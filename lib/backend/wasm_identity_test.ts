import assert from "node:assert/strict";
import * as tf from "./tf.ts";
import { useTestBackend, withoutLeaks } from "./testing.ts";
import { installWasmIdentity } from "./wasm_identity.ts";

const info = await useTestBackend();

Deno.test({
  name:
    "the wasm Identity kernel shares memory: copies outlive their source, and memory is freed with the last",
  ignore: info.name !== "wasm",
  fn: async () => {
    assert.equal(installWasmIdentity(), true);
    const bytesBefore = tf.memory().numBytes;
    await withoutLeaks(async () => {
      const backend = tf.backend() as unknown as { refCount(dataId: tf.DataId): number };
      const x = tf.tensor2d([[1, -2], [3, 4.5]]);
      const [y, z] = [tf.clone(x), tf.clone(x)];
      assert.equal(backend.refCount(x.dataId), 3); // one memory block, three tensors
      x.dispose();
      assert.deepEqual([...await y.data()], [1, -2, 3, 4.5]);
      y.dispose();
      assert.deepEqual([...await z.data()], [1, -2, 3, 4.5]);
      // A saved-for-backward clone (tfjs's Engine.clone) and the gradient through it.
      const w = tf.tensor1d([2, 3]);
      const grad = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(v, v)))(w);
      assert.deepEqual([...await grad.data()], [4, 6]);
      tf.dispose([z, w, grad]);
      assert.equal(backend.refCount(z.dataId), 0); // freed with the last tensor
    });
    assert.equal(tf.memory().numBytes, bytesBefore);
  },
});
