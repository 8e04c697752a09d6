/**
 * dimo's MaskGIT transformer, MaskGIT sampler and VQGAN against the PyTorch mirrors, on fixtures of
 * the official layout at tiny sizes: random weights saved in the official checkpoint formats by
 * `tools/parity/write_fixtures.py`, converted by `tools/convert_checkpoint.py`, with the mirrors'
 * outputs. The same check runs at the real sizes with `deno task parity`.
 */
import assert from "node:assert/strict";
import { loadSafetensors, tf } from "@dimo/dimo";
import { useTestBackend } from "../lib/backend/testing.ts";
import { saveSafetensors } from "../lib/io/safetensors_file.ts";
import { checkParity } from "../tools/parity/check.ts";
import { inTempDir } from "../experiments/_testing.ts";

await useTestBackend();
const FIXTURES = "tests/fixtures/parity";
const FILES = ["maskgit", "vqgan", "inputs", "uniforms", "references"];

Deno.test("dimo gives the PyTorch mirrors' logits, sampled tokens, pixels and codes on converted checkpoints", async () => {
  const before = tf.memory().numTensors;
  const { references, rows } = await checkParity(FIXTURES);
  assert.equal(tf.memory().numTensors, before);
  assert.deepEqual(rows.map((r) => r.name.split(":")[0].split(",")[0]), [
    "MaskGIT logits",
    "MaskGIT sampler",
    "VQGAN decode",
    "VQGAN encode",
  ]);
  for (const row of rows) assert.ok(row.pass, `${row.name}: ${row.measured}`);
  assert.match(references, /^PyTorch \S+ on cpu$/, "the fixtures say which PyTorch wrote them");
});

Deno.test("the parity check fails when a reference is off", async () => {
  await inTempDir("parity-", async (dir) => {
    for (const file of FILES) {
      await Deno.copyFile(`${FIXTURES}/${file}.safetensors`, `${dir}/${file}.safetensors`);
    }
    const { tensors, metadata } = await loadSafetensors(`${dir}/references.safetensors`);
    const shifted = tf.tidy(() => ({
      ...tensors,
      "maskgit.logits": tf.add(tensors["maskgit.logits"], 0.1),
      "vqgan.pixels": tf.sub(1, tensors["vqgan.pixels"]),
    }));
    await saveSafetensors(`${dir}/references.safetensors`, shifted, { metadata });
    tf.dispose([...Object.values(tensors), shifted["maskgit.logits"], shifted["vqgan.pixels"]]);
    const { rows } = await checkParity(dir);
    assert.deepEqual(rows.map((r) => r.pass), [false, true, false, true]);
  });
});

Deno.test("the parity check frees what it loaded when a model file does not load", async () => {
  await inTempDir("parity-", async (dir) => {
    for (const file of FILES) {
      await Deno.copyFile(`${FIXTURES}/${file}.safetensors`, `${dir}/${file}.safetensors`);
    }
    await Deno.writeTextFile(`${dir}/vqgan.safetensors`, "not a safetensors file");
    const before = tf.memory().numTensors;
    await assert.rejects(checkParity(dir), /vqgan\.safetensors/);
    assert.equal(tf.memory().numTensors, before);
  });
});
