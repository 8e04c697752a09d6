import assert from "node:assert";
import { tf, useBackend } from "@dimo/dimo";
import { activeBufferLimits, checkBufferFits } from "./buffer_limits.ts";
import { createRng, resolveTransformerConfig, Transformer } from "@dimo/dimo";

const GIB = 2 ** 30;
const H100 = { maxStorageBufferBindingSize: 2 * GIB, maxBufferSize: 4 * GIB };

Deno.test("checkBufferFits names the operation, the shape and the limit", () => {
  // ImageNet MaskGIT's attention scores at batch 64 with the guided teacher's 2B rows fit 2 GiB.
  checkBufferFits("attention scores", [128, 16, 257, 257], H100);
  assert.throws(
    () => checkBufferFits("attention scores", [512, 16, 257, 257], H100),
    (error: Error) =>
      error instanceof RangeError && error.message.includes("attention scores") &&
      error.message.includes("[512, 16, 257, 257]") &&
      error.message.includes("maxStorageBufferBindingSize 2147483648"),
  );
  const smallBuffer = { maxStorageBufferBindingSize: 4096, maxBufferSize: 1024 };
  assert.throws(() => checkBufferFits("logits", [257], smallBuffer), /maxBufferSize 1024/);
  checkBufferFits("logits", [1e12], undefined);
});

Deno.test("Transformer.apply checks its largest tensors against the limits it is given", async () => {
  await useBackend("cpu");
  assert.equal(activeBufferLimits(), undefined);
  const config = resolveTransformerConfig({
    codebookSize: 4,
    numClasses: 2,
    seqLen: 4,
    width: 8,
    heads: 2,
    layers: 1,
  });
  const model = new Transformer(config, { rng: createRng(0) });
  const tokens = tf.zeros([3, 4], "int32") as tf.Tensor2D;
  const labels = tf.zeros([3], "int32") as tf.Tensor1D;
  const before = tf.memory().numTensors;
  // Scores [3, 2, 5, 5] are 600 bytes, the MLP's hidden [15, 32] 1,920: a 1 KiB binding stops the MLP.
  const limits = { maxStorageBufferBindingSize: 1024, maxBufferSize: 4096 };
  assert.throws(() => model.apply(tokens, labels, { bufferLimits: limits }), /MLP hidden.*\[15, 32\]/);
  assert.equal(tf.memory().numTensors, before);
  model.apply(tokens, labels, { bufferLimits: { maxStorageBufferBindingSize: 2048, maxBufferSize: 4096 } })
    .dispose();
  assert.equal(tf.memory().numTensors, before);
  tf.dispose([tokens, labels]);
  model.dispose();
});
