import assert from "node:assert/strict";
import * as tf from "../backend/tf.ts";
import { useTestBackend, withoutLeaks } from "../backend/testing.ts";
import { decodeSafetensors, encodeSafetensors, safetensorsToTensors, tensorsToSafetensors } from "./mod.ts";

await useTestBackend();

Deno.test("tensorsToSafetensors() and safetensorsToTensors() round-trip float32, int32 and bool tensors", async () => {
  await withoutLeaks(async () => {
    const originals = {
      zTheta: tf.tensor3d([0.5, -1.25, 3e-8, 7, 1e30, -0.1], [1, 2, 3]),
      xInit: tf.tensor2d([[3, 1], [4, 1], [5, 9]], [3, 2], "int32"),
      masked: tf.tensor1d([true, false, true], "bool"),
      iteration: tf.scalar(12, "int32"),
      empty: tf.zeros([0, 4]),
      // On the cpu backend a cast keeps an Int32Array under the float32 dtype.
      casted: tf.tidy(() => tf.cast(tf.tensor1d([2, -3], "int32"), "float32")),
    };
    const bytes = await tensorsToSafetensors(originals, { role: "student" });
    const { tensors, metadata } = safetensorsToTensors(bytes);
    assert.deepEqual(metadata, { role: "student" });
    assert.deepEqual(Object.keys(tensors).sort(), Object.keys(originals).sort());
    for (const [name, original] of Object.entries(originals)) {
      const loaded = tensors[name];
      assert.equal(loaded.dtype, original.dtype, name);
      assert.deepEqual(loaded.shape, original.shape, name);
      assert.deepEqual(Array.from(await loaded.data()), Array.from(await original.data()), name);
    }
    assert.equal(decodeSafetensors(bytes).tensors.casted.dtype, "F32");
    tf.dispose([...Object.values(originals), ...Object.values(tensors)]);
  });
});

Deno.test("safetensorsToTensors() maps every dtype to float32, int32 or bool", async () => {
  await withoutLeaks(async () => {
    const bytes = encodeSafetensors({
      f64: { dtype: "F64", shape: [2], data: new Float64Array([0.1, -2]) },
      f16: { dtype: "F16", shape: [1], data: new Float32Array([0.5]) },
      bf16: { dtype: "BF16", shape: [1], data: new Float32Array([-3]) },
      i64: { dtype: "I64", shape: [2], data: new BigInt64Array([-(2n ** 31n), 2n ** 31n - 1n]) },
      u64: { dtype: "U64", shape: [1], data: new BigUint64Array([5n]) },
      u32: { dtype: "U32", shape: [1], data: new Uint32Array([2 ** 31 - 1]) },
      u16: { dtype: "U16", shape: [1], data: new Uint16Array([65535]) },
      i16: { dtype: "I16", shape: [1], data: new Int16Array([-32768]) },
      u8: { dtype: "U8", shape: [2], data: new Uint8Array([0, 255]) },
      i8: { dtype: "I8", shape: [1], data: new Int8Array([-128]) },
      bool: { dtype: "BOOL", shape: [], data: new Uint8Array([1]) },
    });
    const { tensors } = safetensorsToTensors(bytes);
    const expected: Record<string, [string, number[]]> = {
      f64: ["float32", [Math.fround(0.1), -2]],
      f16: ["float32", [0.5]],
      bf16: ["float32", [-3]],
      i64: ["int32", [-(2 ** 31), 2 ** 31 - 1]],
      u64: ["int32", [5]],
      u32: ["int32", [2 ** 31 - 1]],
      u16: ["int32", [65535]],
      i16: ["int32", [-32768]],
      u8: ["int32", [0, 255]],
      i8: ["int32", [-128]],
      bool: ["bool", [1]],
    };
    for (const [name, [dtype, values]] of Object.entries(expected)) {
      assert.equal(tensors[name].dtype, dtype, name);
      assert.deepEqual(Array.from(await tensors[name].data()), values, name);
    }
    tf.dispose(Object.values(tensors));
  });
});

Deno.test("safetensorsToTensors() rejects values that do not fit, before making any tensor", async () => {
  await withoutLeaks(() => {
    const file = (tensor: Parameters<typeof encodeSafetensors>[0][string]) =>
      encodeSafetensors({ a: { dtype: "F64", shape: [1], data: new Float64Array([1]) }, w: tensor }); // "a" is read first
    assert.throws(
      () =>
        safetensorsToTensors(file({ dtype: "I64", shape: [2], data: new BigInt64Array([0n, 2n ** 31n]) })),
      new RangeError(
        "Cannot load tensor 'w' as int32 as 'w[1]' must be int32 values in [-2147483648, 2147483647]: current value is 2147483648",
      ),
    );
    assert.throws(
      () => safetensorsToTensors(file({ dtype: "U32", shape: [1], data: new Uint32Array([2 ** 31]) })),
      RangeError,
    );
    assert.throws(
      () =>
        safetensorsToTensors(file({ dtype: "U64", shape: [1], data: new BigUint64Array([2n ** 64n - 1n]) })),
      RangeError,
    );
    assert.throws(
      () =>
        safetensorsToTensors(file({ dtype: "F64", shape: [2], data: new Float64Array([Infinity, 1e300]) })),
      /'w\[1\]' must be finite in float32/,
    );
  });
});

Deno.test("tensorsToSafetensors() rejects a string tensor with a TypeError", async () => {
  await withoutLeaks(async () => {
    const words = tf.tensor1d(["a", "b"], "string");
    await assert.rejects(
      tensorsToSafetensors({ words }),
      new TypeError(
        `Cannot encode safetensors as 'words.dtype' must be float32, int32 or bool: current value is "string"`,
      ),
    );
    words.dispose();
  });
});
