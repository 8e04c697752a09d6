import assert from "node:assert/strict";
import * as tf from "./tf.ts";
import { sumLeadingAxes } from "./leading_sum.ts";
import { useTestBackend, withoutLeaks } from "./testing.ts";

await useTestBackend();

Deno.test("sumLeadingAxes equals tf.sum over the leading axes, one pass or several", async () => {
  // Rows below, at and past one chunk of 256, and past 256 chunks (three passes).
  for (
    const [shape, count] of [[[3, 5], 1], [[256, 7], 1], [[2, 300, 4], 2], [[70000, 3], 1], [[4, 5], 0], [
      [6],
      1,
    ]] as const
  ) {
    const x = tf.randomNormal([...shape], 0, 1, "float32", 1);
    const want = count === 0 ? x.clone() : tf.sum(x, [...Array(count).keys()]);
    await withoutLeaks(async () => {
      const got = sumLeadingAxes(x, count);
      assert.deepEqual(got.shape, want.shape);
      const [g, w] = [await got.data(), await want.data()];
      w.forEach((v, i) =>
        assert.ok(Math.abs(g[i] - v) <= 1e-4 * (1 + Math.abs(v)), `[${shape}] ${count}: ${g[i]} vs ${v}`)
      );
      if (got !== x) got.dispose();
    });
    tf.dispose([x, want]);
  }
});

Deno.test("sumLeadingAxes: a count outside [0, rank] is refused, naming it", () => {
  const x = tf.zeros([2, 3]);
  assert.throws(() => sumLeadingAxes(x, 3), /count must be an integer in \[0, 2\] for shape \[2,3\]; got 3/);
  x.dispose();
});
