import assert from "node:assert/strict";
import * as tf from "./tf.ts";
import { uniformBytes } from "./webgpu_uniforms.ts";
import { useTestBackend } from "./testing.ts";

await useTestBackend();

Deno.test("uniformBytes lays fields out as WGSL aligns them, tfjs's 5- and 6-vectors at 16", () => {
  const bytes = uniformBytes([
    { type: "float32", data: [NaN] },
    { type: "float32", data: [Infinity] },
    { type: "int32", data: [2, 3, 4] }, // vec3 at 16
    { type: "int32", data: [1, 2, 3, 4, 5] }, // vec5 at 32
    { type: "int32", data: [9] }, // after a vec5: at 16-byte alignment, 64
    { type: "uint32", data: [] }, // empty: one element, at 68
  ]);
  assert.equal(bytes.byteLength, 80);
  const ints = new Int32Array(bytes.buffer);
  assert.ok(Number.isNaN(new Float32Array(bytes.buffer)[0]));
  assert.equal(new Float32Array(bytes.buffer)[1], Infinity);
  assert.deepEqual([...ints.slice(4, 7)], [2, 3, 4]);
  assert.deepEqual([...ints.slice(8, 13)], [1, 2, 3, 4, 5]);
  assert.equal(ints[16], 9);
  assert.equal(new Uint32Array(bytes.buffer)[17], 1);
  assert.throws(() => uniformBytes([{ type: "int32", data: [1, 2, 3, 4, 5, 6, 7] }]), /at most 6/);
});

Deno.test("many dispatches between two submits each read their own uniforms", async () => {
  // Each add's scalar and each slice's and pad's offsets are uniforms: hundreds of them in a
  // few arenas. Interior elements pass every slice and pad unchanged and gain every scalar.
  const x = tf.range(0, 1000, 1, "float32");
  const result = tf.tidy(() => {
    let y = x;
    for (let i = 0; i < 300; i++) y = tf.add(tf.slice(y, [i % 2], [998]).pad([[i % 2, 1 - (i % 2)]]), i);
    return y;
  });
  const values = await result.data();
  // The chain's sum of scalars: 0 + 1 + … + 299, on an element no pad reaches in any step.
  assert.equal(values[500], 500 + (299 * 300) / 2);
  tf.dispose([x, result]);
});
