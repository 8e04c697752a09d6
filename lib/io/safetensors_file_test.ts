import assert from "node:assert/strict";
import * as tf from "../backend/tf.ts";
import { useTestBackend, withoutLeaks } from "../backend/testing.ts";
import {
  decodeSafetensors,
  encodeSafetensors,
  loadSafetensors,
  SafetensorsError,
  saveSafetensors,
} from "./mod.ts";

await useTestBackend();

/** Runs `fn` in a fresh directory under `.tmp/` and removes it afterwards. */
async function inTempDir(fn: (dir: string) => Promise<void>): Promise<void> {
  await Deno.mkdir(".tmp", { recursive: true });
  const dir = await Deno.makeTempDir({ dir: ".tmp", prefix: "io_file_" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("saveSafetensors() and loadSafetensors() round-trip tensors and metadata", async () => {
  await inTempDir(async (dir) => {
    await withoutLeaks(async () => {
      const path = `${dir}/student.safetensors`;
      const w = tf.tensor2d([[0.5, -1], [2, 1e-3]]);
      const step = tf.scalar(7, "int32");
      await saveSafetensors(path, { w, step }, { metadata: { role: "student" } });
      const { tensors, metadata } = await loadSafetensors(path);
      assert.deepEqual(metadata, { role: "student" });
      assert.deepEqual(Array.from(await tensors.w.data()), Array.from(await w.data()));
      assert.deepEqual(tensors.step.shape, []);
      assert.equal((await tensors.step.data())[0], 7);
      assert.deepEqual(decodeSafetensors(await Deno.readFile(path)).tensors.w.shape, [2, 2]);
      assert.deepEqual((await Array.fromAsync(Deno.readDir(dir))).map((entry) => entry.name), [
        "student.safetensors",
      ]);
      tf.dispose([w, step, ...Object.values(tensors)]);
    });
  });
});

Deno.test("loadSafetensors() names the path in the errors of a malformed file", async () => {
  await inTempDir(async (dir) => {
    const path = `${dir}/truncated.safetensors`;
    const whole = encodeSafetensors({ w: { dtype: "F32", shape: [4], data: new Float32Array(4) } });
    await Deno.writeFile(path, whole.subarray(0, whole.length - 3));
    await assert.rejects(loadSafetensors(path), (error: unknown) => {
      assert.ok(error instanceof SafetensorsError);
      assert.equal(error.path, path);
      assert.equal(error.offset, whole.length - 3);
      assert.match(
        error.message,
        new RegExp(`^Cannot load safetensors file "${path}" at byte \\d+ as tensor 'w' is truncated`),
      );
      return true;
    });
  });
});

Deno.test("loadSafetensors() names the path when a value does not fit, and leaks nothing", async () => {
  await inTempDir(async (dir) => {
    const path = `${dir}/big.safetensors`;
    await Deno.writeFile(
      path,
      encodeSafetensors({ n: { dtype: "I64", shape: [1], data: new BigInt64Array([2n ** 40n]) } }),
    );
    await withoutLeaks(() =>
      assert.rejects(loadSafetensors(path), new RegExp(`load tensor 'n' from "${path}" as int32`))
    );
    await assert.rejects(loadSafetensors(`${dir}/missing.safetensors`), Deno.errors.NotFound);
  });
});

Deno.test("saveSafetensors() with an unsupported tensor writes nothing", async () => {
  await inTempDir(async (dir) => {
    await withoutLeaks(async () => {
      const words = tf.tensor1d(["a"], "string");
      await assert.rejects(saveSafetensors(`${dir}/words.safetensors`, { words }), TypeError);
      words.dispose();
    });
    assert.deepEqual(await Array.fromAsync(Deno.readDir(dir)), []);
  });
});
