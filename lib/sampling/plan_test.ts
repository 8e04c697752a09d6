import assert from "node:assert/strict";
import { maskgitPlan, uniformPlan } from "./plan.ts";
import { assertRangeError } from "./_toy_denoisers.ts";

/** Asserts `plan` has `steps` integers ≥ 1 summing to `seqLen`. */
function assertValidPlan(plan: number[], steps: number, seqLen: number): void {
  assert.equal(plan.length, steps);
  assert.ok(plan.every((k) => Number.isInteger(k) && k >= 1), `${plan}`);
  assert.equal(plan.reduce((a, b) => a + b, 0), seqLen);
}

Deno.test("maskgitPlan() gives MaskGIT's arccos counts for 256 tokens", () => {
  assert.deepEqual(maskgitPlan(2, 256), [1, 255]);
  assert.deepEqual(maskgitPlan(4, 256), [1, 59, 87, 109]);
  assert.deepEqual(maskgitPlan(8, 256), [1, 18, 26, 32, 38, 43, 48, 50]);
  assert.deepEqual(
    maskgitPlan(16, 256),
    [1, 6, 9, 10, 12, 14, 15, 16, 18, 19, 20, 21, 22, 23, 25, 25],
  );
});

Deno.test("maskgitPlan() reveals everything in one step and one token per step at steps = seqLen", () => {
  assert.deepEqual(maskgitPlan(1, 256), [256]);
  assert.deepEqual(maskgitPlan(256, 256), new Array(256).fill(1));
  assert.deepEqual(maskgitPlan(1, 1), [1]);
});

Deno.test("maskgitPlan() is valid for every step count: one token first, then non-decreasing", () => {
  for (const seqLen of [2, 16, 256]) {
    for (let steps = 1; steps <= seqLen; steps++) {
      const plan = maskgitPlan(steps, seqLen);
      assertValidPlan(plan, steps, seqLen);
      if (steps > 1) assert.equal(plan[0], 1);
      const beforeLast = plan.slice(0, -1);
      assert.ok(beforeLast.every((k, i) => i === 0 || k >= beforeLast[i - 1]), `${plan}`);
    }
  }
});

Deno.test("maskgitPlan() takes the overshoot near steps = seqLen from the largest earlier steps", () => {
  // For 256 tokens MaskGIT's own rule breaks from 98 steps on: its last step would get ≤ 0 tokens.
  const plan = maskgitPlan(98, 256);
  assertValidPlan(plan, 98, 256);
  assert.equal(plan[97], 1);
  assert.deepEqual(plan.slice(94, 97), [4, 4, 4]);
});

Deno.test("uniformPlan() splits as evenly as possible, extra tokens last", () => {
  assert.deepEqual(uniformPlan(4, 10), [2, 2, 3, 3]);
  assert.deepEqual(uniformPlan(3, 9), [3, 3, 3]);
  assert.deepEqual(uniformPlan(1, 7), [7]);
  assert.deepEqual(uniformPlan(7, 7), new Array(7).fill(1));
  for (let steps = 1; steps <= 20; steps++) assertValidPlan(uniformPlan(steps, 20), steps, 20);
});

Deno.test("plans reject steps outside [1, seqLen] and bad lengths with the value named", () => {
  for (const plan of [maskgitPlan, uniformPlan]) {
    assertRangeError(() => plan(0, 16), "steps", 0);
    assertRangeError(() => plan(17, 16), "steps", 17);
    assertRangeError(() => plan(2.5, 16), "steps", 2.5);
    assertRangeError(() => plan(1, 0), "seqLen", 0);
  }
});
