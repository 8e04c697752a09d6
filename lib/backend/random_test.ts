import assert from "node:assert/strict";
import * as tf from "./tf.ts";
import { dropout, dropoutMask, standardNormal } from "./random.ts";
import { threefry2x32 } from "./threefry.ts";
import { useTestBackend, withoutLeaks } from "./testing.ts";

await useTestBackend();

const hex = (words: number[]) => words.map((w) => w.toString(16).padStart(8, "0"));

Deno.test("threefry2x32 gives the Random123 known-answer vectors", () => {
  assert.deepEqual(hex(threefry2x32(0, 0, 0, 0)), ["6b200159", "99ba4efe"]);
  assert.deepEqual(
    hex(threefry2x32(0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff)),
    ["1cb996fc", "bb002be7"],
  );
  assert.deepEqual(
    hex(threefry2x32(0x13198a2e, 0x03707344, 0x243f6a88, 0x85a308d3)),
    ["c4923a9c", "483df7a0"],
  );
});

Deno.test("dropoutMask: element i is output i % 2 of block ⌊i/2⌋, on the active backend", async () => {
  const key = [123456789, 4000000000] as const;
  const rate = 0.3;
  const shape = [3, 37, 5]; // odd size: the last block's second word is unused
  const scale = Math.fround(1 / (1 - rate));
  const threshold = Math.round(rate * 2 ** 24);
  const expected = Array.from({ length: 3 * 37 * 5 }, (_, i) => {
    const word = threefry2x32(key[0], key[1], Math.floor(i / 2), 0)[i % 2];
    return word >>> 8 >= threshold ? scale : 0;
  });
  await withoutLeaks(async () => {
    const mask = dropoutMask(shape, rate, key);
    assert.deepEqual(mask.shape, shape);
    assert.deepEqual([...await mask.data()], expected);
    mask.dispose();
  });
});

Deno.test("dropoutMask: drops a fraction `rate`, the same for one key and not for another", async () => {
  const n = 200_000;
  const rate = 0.1;
  const a = dropoutMask([n], rate, [5, 6]);
  const values = await a.data();
  const dropped = values.filter((v) => v === 0).length;
  // Four binomial standard deviations.
  assert.ok(
    Math.abs(dropped / n - rate) < 4 * Math.sqrt(rate * (1 - rate) / n),
    `dropped ${dropped} of ${n}`,
  );
  assert.deepEqual(values.filter((v) => v !== 0 && v !== Math.fround(1 / 0.9)).length, 0);
  const again = dropoutMask([n], rate, [5, 6]);
  const other = dropoutMask([n], rate, [5, 7]);
  assert.deepEqual(await again.data(), values);
  assert.notDeepEqual(Array.from(await other.data()), values);
  tf.dispose([a, again, other]);
});

Deno.test("dropout: x times the mask, its gradient the upstream gradient times the same mask", async () => {
  // A non-finite unit stays non-finite where it is dropped, as a product with the mask leaves it.
  const x = tf.tidy(() =>
    tf.concat([tf.tensor1d([NaN, Infinity]), tf.randomNormal([526], 0, 1, "float32", 3)])
  );
  const dy = tf.randomNormal([16, 33], 0, 1, "float32", 4);
  const key = [9, 10] as const;
  const x2 = tf.reshape(x, [16, 33]);
  const [y, grad] = tf.tidy(
    () => [dropout(x2, 0.25, key), tf.grad((v: tf.Tensor) => tf.sum(tf.mul(dropout(v, 0.25, key), dy)))(x2)],
  );
  const mask = dropoutMask(x2.shape, 0.25, key);
  const [expected, expectedGrad] = [tf.mul(x2, mask), tf.mul(dy, mask)];
  assert.deepEqual(await y.data(), await expected.data());
  assert.deepEqual(await grad.data(), await expectedGrad.data());
  assert.ok(Number.isNaN((await y.data())[0]));
  assert.equal(dropout(x2, 0, key), x2);
  assert.throws(() => dropout(x2, 1, key), {
    name: "RangeError",
    message: /'rate' must be a number in \[0, 1\)/,
  });
  assert.throws(() => dropout(x2, 0.1, [0, -1]), { name: "RangeError", message: /'key\[1\]'/ });
  tf.dispose([x, x2, dy, y, grad, mask, expected, expectedGrad]);
});

Deno.test("dropoutMask, standardNormal: a bad rate, shape or key is an error naming it", () => {
  assert.throws(() => dropoutMask([4], 1, [0, 0]), {
    name: "RangeError",
    message: /'rate' must be a number in \[0, 1\)/,
  });
  assert.throws(() => dropoutMask([4], Number.NaN, [0, 0]), { name: "RangeError", message: /'rate'/ });
  assert.throws(() => dropoutMask([4], 0.1, [0, 2 ** 32]), {
    name: "RangeError",
    message: /'key\[1\]' must be an integer/,
  });
  assert.throws(() => dropoutMask([4], 0.1, [-1, 0]), { name: "RangeError", message: /'key\[0\]'/ });
  assert.throws(() => standardNormal([4, 1.5], [0, 0]), {
    name: "RangeError",
    message: /'shape\[1\]' must be an integer/,
  });
});

Deno.test("standardNormal: element i is Box–Muller on block (i, 1), on the active backend", async () => {
  const key = [77, 3000000000] as const;
  const size = 2 * 3 * 41;
  const expected = Array.from({ length: size }, (_, i) => {
    const [w1, w2] = threefry2x32(key[0], key[1], i, 1);
    const u1 = ((w1 >>> 8) + 1) / 2 ** 24, u2 = (w2 >>> 8) / 2 ** 24;
    return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  });
  await withoutLeaks(async () => {
    const z = standardNormal([2, 3, 41], key);
    assert.deepEqual(z.shape, [2, 3, 41]);
    const got = await z.data();
    // Float32 log and cos on a GPU differ from float64 (an H100: at most 9e-5 over 17 million values).
    expected.forEach((want, i) =>
      assert.ok(Math.abs(got[i] - want) < 2e-4, `element ${i}: ${got[i]} vs ${want}`)
    );
    z.dispose();
  });
});

Deno.test("standardNormal: mean 0, variance 1, tails as a normal's; the key decides the values", async () => {
  const n = 200_000;
  const z = standardNormal([n], [11, 12]);
  const values = Array.from(await z.data());
  const mean = values.reduce((a, b) => a + b, 0) / n;
  const variance = values.reduce((a, b) => a + (b - mean) ** 2, 0) / n;
  const beyond2 = values.filter((v) => Math.abs(v) > 2).length / n; // 0.0455 for N(0, 1)
  assert.ok(Math.abs(mean) < 0.01 && Math.abs(variance - 1) < 0.015, `mean ${mean}, variance ${variance}`);
  assert.ok(Math.abs(beyond2 - 0.0455) < 0.003, `P(|z| > 2) = ${beyond2}`);
  const other = standardNormal([n], [11, 13]);
  assert.notDeepEqual(Array.from(await other.data()), values);
  tf.dispose([z, other]);
});
