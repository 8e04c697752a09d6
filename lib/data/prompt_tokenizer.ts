/**
 * A word-level tokenizer for scene prompts: the closed vocabulary of the six templates, two
 * special ids (padding, and the null prompt of classifier-free guidance), fixed-length id
 * sequences. A word outside the vocabulary, an empty prompt or one longer than the context is an
 * error naming it: nothing is mapped to an "unknown" id.
 *
 * @module
 */
import * as tf from "../backend/tf.ts";
import { checkInteger, errorMessage } from "../validate/mod.ts";
import {
  SCENE_COLORS,
  SCENE_COUNT_WORDS,
  SCENE_PLURALS,
  SCENE_RELATIONS,
  SCENE_SHAPES,
  SCENE_STYLE_NOUNS,
} from "./scenes.ts";

/** Id of padding after a prompt's last word. */
export const PROMPT_PAD_ID = 0;
/** Id opening the null prompt (the unconditional input of classifier-free guidance). */
export const PROMPT_NULL_ID = 1;
/** Words in the longest prompt the templates write ("a painting of a red square and a blue bar"). */
export const SCENE_PROMPT_MAX_WORDS = 10;

/** The template words, in a fixed order: word `i` has id `i + 2`. */
export const SCENE_VOCABULARY: readonly string[] = Object.freeze([
  ...new Set([
    "a",
    "of",
    "and",
    ...Object.values(SCENE_STYLE_NOUNS),
    ...Object.values(SCENE_COUNT_WORDS),
    ...SCENE_RELATIONS.flatMap((r) => r.split(" ")),
    ...SCENE_SHAPES,
    ...Object.values(SCENE_PLURALS),
    ...SCENE_COLORS,
  ]),
]);

/** Options of {@linkcode createPromptTokenizer}. */
export interface PromptTokenizerOptions {
  /**
   * Ids per prompt (the encoder's context); prompts are padded to it.
   * @default {SCENE_PROMPT_MAX_WORDS}
   */
  readonly contextLength?: number;
}

/** Prompts ↔ fixed-length id sequences over {@linkcode SCENE_VOCABULARY}. */
export interface PromptTokenizer {
  /** Ids per prompt. */
  readonly contextLength: number;
  /** Number of ids: the two special ones and the vocabulary. */
  readonly vocabSize: number;
  /**
   * The ids of a prompt, padded with {@linkcode PROMPT_PAD_ID}.
   * @throws {RangeError} On an empty prompt, an unknown word, or more words than the context.
   */
  encode(text: string): Int32Array;
  /** The ids of several prompts as `[B, contextLength]` int32 (same errors as `encode`). */
  encodeBatch(texts: readonly string[]): tf.Tensor2D;
  /** The null prompt: {@linkcode PROMPT_NULL_ID} then padding. */
  nullIds(): Int32Array;
  /** The words of an id sequence, padding dropped; the null prompt decodes to "". */
  decode(ids: ArrayLike<number>): string;
}

/**
 * Creates the scene prompt tokenizer.
 *
 * @param options The context length.
 * @returns The tokenizer.
 * @throws {RangeError} If `contextLength` is not an integer >= 1.
 *
 * @example Encode, decode, and refuse an unknown word
 * ```ts
 * import assert from "node:assert";
 * import { createPromptTokenizer } from "@dimo/dimo";
 * const tokenizer = createPromptTokenizer({ contextLength: 8 });
 * const ids = tokenizer.encode("a photo of a red circle");
 * assert.equal(ids.length, 8);
 * assert.deepEqual([...ids.slice(6)], [0, 0]);
 * assert.equal(tokenizer.decode(ids), "a photo of a red circle");
 * assert.throws(() => tokenizer.encode("a photo of a dog"), /'word 5' must be a word of the scene vocabulary.*"dog"/);
 * ```
 */
export function createPromptTokenizer(options: PromptTokenizerOptions = {}): PromptTokenizer {
  const contextLength = options.contextLength ?? SCENE_PROMPT_MAX_WORDS;
  checkInteger("create a prompt tokenizer", "contextLength", contextLength, 1);
  const ids = new Map(SCENE_VOCABULARY.map((word, i) => [word, i + 2]));
  const encode = (text: string): Int32Array => {
    const action = `encode the prompt ${JSON.stringify(text)}`;
    const words = typeof text === "string" ? text.trim().split(/\s+/).filter((w) => w.length > 0) : [];
    if (words.length === 0) throw new RangeError(errorMessage(action, "prompt", "one or more words", text));
    if (words.length > contextLength) {
      throw new RangeError(
        errorMessage(action, "length", `at most the context length, ${contextLength} words`, words.length),
      );
    }
    const out = new Int32Array(contextLength).fill(PROMPT_PAD_ID);
    words.forEach((word, i) => {
      const id = ids.get(word);
      if (id === undefined) {
        throw new RangeError(
          errorMessage(
            action,
            `word ${i + 1}`,
            `a word of the scene vocabulary (${SCENE_VOCABULARY.join(", ")})`,
            word,
          ),
        );
      }
      out[i] = id;
    });
    return out;
  };
  return {
    contextLength,
    vocabSize: SCENE_VOCABULARY.length + 2,
    encode,
    encodeBatch(texts) {
      const data = new Int32Array(texts.length * contextLength);
      texts.forEach((text, i) => data.set(encode(text), i * contextLength));
      return tf.tensor2d(data, [texts.length, contextLength], "int32");
    },
    nullIds() {
      const out = new Int32Array(contextLength).fill(PROMPT_PAD_ID);
      out[0] = PROMPT_NULL_ID;
      return out;
    },
    decode(sequence) {
      return Array.from(sequence).filter((id) => id >= 2).map((id) => {
        const word = SCENE_VOCABULARY[id - 2];
        if (word === undefined) {
          throw new RangeError(
            errorMessage("decode a prompt", "id", `below ${SCENE_VOCABULARY.length + 2}`, id),
          );
        }
        return word;
      }).join(" ");
    },
  };
}
