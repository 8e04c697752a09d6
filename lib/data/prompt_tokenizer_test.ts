import assert from "node:assert/strict";
import { createRng } from "../rng/mod.ts";
import { tf } from "../backend/mod.ts";
import { useTestBackend } from "../backend/testing.ts";
import {
  createPromptTokenizer,
  heldOutPrompts,
  PROMPT_NULL_ID,
  PROMPT_PAD_ID,
  sampleScenes,
  SCENE_PROMPT_MAX_WORDS,
  SCENE_VOCABULARY,
} from "./mod.ts";

Deno.test("createPromptTokenizer() round-trips every held-out and sampled prompt within the default context", () => {
  const tokenizer = createPromptTokenizer();
  assert.equal(tokenizer.contextLength, SCENE_PROMPT_MAX_WORDS);
  assert.equal(tokenizer.vocabSize, SCENE_VOCABULARY.length + 2);
  const texts = [
    ...heldOutPrompts().map((p) => p.text),
    ...sampleScenes(500, { rng: createRng(0), split: "train" }).map((s) => s.text),
  ];
  let longest = 0;
  for (const text of texts) {
    const ids = tokenizer.encode(text);
    assert.equal(tokenizer.decode(ids), text);
    assert.ok(ids.every((id) => id !== PROMPT_NULL_ID && id < tokenizer.vocabSize));
    longest = Math.max(longest, text.split(" ").length);
  }
  assert.equal(longest, SCENE_PROMPT_MAX_WORDS);
  assert.equal(new Set(SCENE_VOCABULARY).size, SCENE_VOCABULARY.length);
});

Deno.test("the null prompt is its own id then padding, and decodes to nothing", () => {
  const tokenizer = createPromptTokenizer({ contextLength: 4 });
  assert.deepEqual([...tokenizer.nullIds()], [PROMPT_NULL_ID, PROMPT_PAD_ID, PROMPT_PAD_ID, PROMPT_PAD_ID]);
  assert.equal(tokenizer.decode(tokenizer.nullIds()), "");
});

Deno.test("createPromptTokenizer() names the unknown word, the empty prompt and the excess length", () => {
  const tokenizer = createPromptTokenizer({ contextLength: 6 });
  assert.throws(
    () => tokenizer.encode("a photo of a Red bar"),
    (e: Error) =>
      e instanceof RangeError && /'word 5' must be a word of the scene vocabulary/.test(e.message) &&
      /current value is "Red"$/.test(e.message),
  );
  assert.throws(() => tokenizer.encode("   "), /'prompt' must be one or more words: current value is " {3}"/);
  assert.throws(() => tokenizer.encode(""), /'prompt' must be one or more words/);
  assert.throws(
    () => tokenizer.encode("a photo of a red circle and a bar"),
    /'length' must be at most the context length, 6 words: current value is 9/,
  );
  assert.throws(() => createPromptTokenizer({ contextLength: 0 }), /'contextLength' must be an integer >= 1/);
  assert.throws(() => tokenizer.decode([99]), /'id' must be below/);
});

Deno.test("encodeBatch() stacks prompts as int32 without leaking tensors", async () => {
  await useTestBackend();
  const tokenizer = createPromptTokenizer();
  const before = tf.memory().numTensors;
  const ids = tokenizer.encodeBatch(["a photo of a bar", "a sketch of two crosses"]);
  assert.deepEqual(ids.shape, [2, SCENE_PROMPT_MAX_WORDS]);
  assert.equal(ids.dtype, "int32");
  assert.deepEqual([...ids.dataSync().slice(10)], [...tokenizer.encode("a sketch of two crosses")]);
  ids.dispose();
  assert.throws(() => tokenizer.encodeBatch(["a photo of a bar", "a dog"]), /"dog"/);
  assert.equal(tf.memory().numTensors, before);
});
