import assert from "node:assert/strict";
import { reverseElements } from "./_codecs.ts";

Deno.test("reverseElements() swaps the bytes of each element and is its own inverse", () => {
  const bytes = new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]);
  reverseElements(bytes, 4);
  assert.deepEqual(Array.from(bytes), [4, 3, 2, 1, 8, 7, 6, 5]);
  reverseElements(bytes, 4);
  assert.deepEqual(Array.from(bytes), [1, 2, 3, 4, 5, 6, 7, 8]);
  reverseElements(bytes, 1);
  assert.deepEqual(Array.from(bytes), [1, 2, 3, 4, 5, 6, 7, 8]);
});
