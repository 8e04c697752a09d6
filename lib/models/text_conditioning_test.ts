import assert from "node:assert/strict";
import * as tf from "../backend/tf.ts";
import { useTestBackend, withoutLeaks } from "../backend/testing.ts";
import { createRng } from "../rng/mod.ts";
import { resolveTransformerConfig, tokenLayout } from "./config.ts";
import { Transformer } from "./transformer.ts";

await useTestBackend();

const TEXT = { vocabSize: 12, contextLength: 4, width: 8, heads: 2, layers: 1, mlpRatio: 2 };
const config = resolveTransformerConfig({
  codebookSize: 6,
  numClasses: 0,
  seqLen: 5,
  width: 8,
  heads: 2,
  layers: 2,
  text: TEXT,
});
const TOKENS = [[0, 6, 3, 6, 5], [1, 2, 6, 6, 6]];
const prompts = (rows: number[][]) => tf.tensor2d(rows, [rows.length, TEXT.contextLength], "int32");

Deno.test("a text-conditioned transformer reads prompt ids through its frozen text encoder", async () => {
  await withoutLeaks(async () => {
    const model = new Transformer(config, { rng: createRng(0) });
    const weights = model.namedWeights();
    assert.ok(Object.keys(weights).some((name) => name.startsWith("text.blocks.0.")));
    assert.deepEqual(weights["pos_emb"].shape, [5 + 1 + 4, 8], "visual, pooled and prompt positions");
    const trainable = new Set(model.trainableVariables());
    for (const [name, v] of Object.entries(weights)) {
      assert.equal(trainable.has(v), !name.startsWith("text."), `${name} trainable iff outside the encoder`);
    }
    const x = tf.tensor2d(TOKENS, [2, 5], "int32");
    const [a, b] = [prompts([[2, 3, 0, 0], [4, 5, 6, 0]]), prompts([[2, 7, 0, 0], [4, 5, 6, 0]])];
    const [za, zb] = [model.apply(x, a), model.apply(x, b)];
    assert.deepEqual(za.shape, [2, 5, 7]);
    const [ra, rb] = [await za.array(), await zb.array()];
    assert.notDeepEqual(ra[0], rb[0], "another prompt, other logits");
    assert.deepEqual(ra[1], rb[1], "the same prompt, the same logits");
    assert.deepEqual(tokenLayout(config).nullPrompt, [1, 0, 0, 0]);
    const copy = model.clone();
    assert.equal(
      copy.trainableVariables().length,
      model.trainableVariables().length,
      "a clone keeps it frozen",
    );
    tf.dispose([x, a, b, za, zb]);
    [model, copy].forEach((m) => m.dispose());
  });
});

Deno.test("a text-conditioned transformer refuses labels and out-of-vocabulary prompt ids", () => {
  const model = new Transformer(config, { rng: createRng(0) });
  const x = tf.tensor2d(TOKENS, [2, 5], "int32");
  const labels = tf.tensor1d([0, 1], "int32");
  const unknown = prompts([[2, 12, 0, 0], [1, 0, 0, 0]]);
  assert.throws(
    () => model.apply(x, labels),
    /'prompt ids' must be of shape \[2, 4\]: current value is \[2\]/,
  );
  assert.throws(() => model.apply(x, unknown), /'prompt ids' must be ids in \[0, 11\]: current value is 12/);
  tf.dispose([x, labels, unknown]);
  model.dispose();
});
