import assert from "node:assert/strict";
import * as tf from "./tf.ts";
import { useBackend } from "./select.ts";
import { uploadWithWriteBuffer } from "./webgpu_uploads.ts";

const adapter = typeof navigator.gpu === "undefined" ? null : await navigator.gpu.requestAdapter();

Deno.test({
  name: "uploadWithWriteBuffer: host values reach WebGPU kernels without a mapped staging buffer",
  ignore: adapter === null,
  fn: async () => {
    const previous = tf.getBackend();
    await useBackend("webgpu");
    uploadWithWriteBuffer(); // idempotent: useBackend installed it
    const device = (tf.backend() as unknown as { device: GPUDevice }).device;
    const create = device.createBuffer;
    let mapped = 0;
    device.createBuffer = (descriptor: GPUBufferDescriptor) => {
      if (descriptor.mappedAtCreation) mapped++;
      return create.call(device, descriptor);
    };
    try {
      // Past tfjs-webgpu's size for running small ops on the CPU.
      const n = 2048;
      const a = Float32Array.from({ length: n }, (_, i) => i * 0.25 - 3);
      const b = Int32Array.from({ length: n }, (_, i) => (i * 7) % 11 - 5);
      const flags = Uint8Array.from({ length: n }, (_, i) => i % 3 === 0 ? 1 : 0);
      const [sum, chosen] = tf.tidy(() => {
        const x = tf.tensor1d(a), y = tf.cast(tf.tensor1d(b, "int32"), "float32");
        const sum = tf.add(x, y);
        return [sum, tf.where(tf.tensor1d(flags, "bool"), sum, tf.neg(sum))];
      });
      const [got, picked] = [await sum.data(), await chosen.data()];
      tf.dispose([sum, chosen]);
      for (let i = 0; i < n; i++) {
        assert.equal(got[i], Math.fround(a[i] + b[i]), `sum ${i}`);
        assert.equal(picked[i], flags[i] ? got[i] : -got[i], `where ${i}`);
      }
      assert.equal(mapped, 0, "uploads used no mapped buffer");
    } finally {
      device.createBuffer = create;
      if (previous) await tf.setBackend(previous);
    }
  },
});
