import assert from "node:assert/strict";
import { createRng, restoreRng } from "./mod.ts";

Deno.test("createRng() gives equal streams for equal seeds and different ones otherwise", () => {
  const a = createRng(42), b = createRng(42), c = createRng(43);
  const xs = Array.from({ length: 5 }, () => a.next());
  assert.deepEqual(xs, Array.from({ length: 5 }, () => b.next()));
  assert.notDeepEqual(xs, Array.from({ length: 5 }, () => c.next()));
});

Deno.test("fork() depends on the name and the parent's seed, not on its draws", () => {
  const a = createRng(5), b = createRng(5);
  for (let i = 0; i < 10; i++) a.next();
  assert.equal(a.fork("aux").next(), b.fork("aux").next());
  assert.notEqual(a.fork("aux").next(), a.fork("student").next());
});

Deno.test("restoreRng() continues the saved stream exactly", () => {
  const rng = createRng(9);
  rng.next();
  const saved = JSON.parse(JSON.stringify(rng.state()));
  const expected = [rng.next(), rng.int(7), rng.seed()];
  const resumed = restoreRng(saved);
  assert.deepEqual([resumed.next(), resumed.int(7), resumed.seed()], expected);
});

Deno.test("int() is uniform and seed() is a nonzero 31-bit integer", () => {
  const rng = createRng(0);
  const counts = new Array(6).fill(0);
  const n = 60000;
  for (let i = 0; i < n; i++) counts[rng.int(6)]++;
  // 6 bins of 10,000: each within 5 standard deviations (~ 456) of its mean.
  for (const c of counts) assert.ok(Math.abs(c - n / 6) < 5 * Math.sqrt((n * 5) / 36), `count ${c}`);
  for (let i = 0; i < 1000; i++) {
    const s = rng.seed();
    assert.ok(Number.isInteger(s) && s >= 1 && s < 2 ** 31);
  }
});

Deno.test("bad seeds and states are rejected with the value named", () => {
  assert.throws(() => createRng(0.5), /'seed' must be an integer.*current value is 0.5/);
  assert.throws(() => createRng(0).int(0), /'n' must be an integer/);
  assert.throws(() => restoreRng({ key: 1, words: [1, 2, 3] } as never), TypeError);
});
