import assert from "node:assert/strict";
import { formatTick, linearAxis, logAxis } from "./_axis.ts";

Deno.test("linearAxis() rounds the domain out to ticks of 1, 2 or 5 times a power of ten", () => {
  const axis = linearAxis([0.13, 0.87], 0, 100, 4);
  assert.deepEqual(axis.ticks.map((t) => t.label), ["0", "0.2", "0.4", "0.6", "0.8", "1"]);
  assert.equal(axis.at(0), 0);
  assert.equal(axis.at(0.5), 50);
  // A constant series gets a domain of ±10% around its value.
  assert.deepEqual(linearAxis([3, 3], 0, 1, 4).ticks.map((t) => t.label), [
    "2.7",
    "2.8",
    "2.9",
    "3",
    "3.1",
    "3.2",
    "3.3",
  ]);
});

Deno.test("formatTick() writes large and small magnitudes in exponent notation", () => {
  assert.equal(formatTick(250_000, 50_000, 300_000), "2.5e5");
  assert.equal(formatTick(200_000, 50_000, 300_000), "2e5");
  assert.equal(formatTick(1e-4, 1e-4, 1e-4), "1e-4");
  assert.equal(formatTick(1500, 500, 2000), "1500");
  assert.equal(formatTick(0.1 + 0.2, 0.1, 1), "0.3");
  assert.equal(formatTick(-1e-17, 0.1, 1), "0");
});

Deno.test("logAxis() puts ticks on decades, with 2 and 5 in between on short axes", () => {
  const short = logAxis([0.02, 0.3], 0, 1, 5).ticks.map((t) => t.label);
  assert.deepEqual(short, ["0.01", "0.02", "0.05", "0.1", "0.2", "0.5", "1"]);
  assert.deepEqual(logAxis([0.02, 3], 0, 1, 5).ticks.map((t) => t.label), ["0.01", "0.1", "1", "10"]);
  const wide = logAxis([1e-6, 1e6], 0, 120, 4);
  assert.deepEqual(wide.ticks.map((t) => t.label), ["1e-6", "0.001", "1", "1000", "1e6"]);
  assert.equal(wide.at(1), 60);
});
