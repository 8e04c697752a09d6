import assert from "node:assert/strict";
import { checkInRange, parseIntegerArg } from "./mod.ts";

Deno.test("parseIntegerArg() reads an optional sign and decimal digits", () => {
  assert.equal(parseIntegerArg("run", "--seed", "0"), 0);
  assert.equal(parseIntegerArg("run", "--seed", "+7"), 7);
  assert.equal(parseIntegerArg("run", "--seed", "-12"), -12);
  assert.equal(parseIntegerArg("run", "--seed", "007"), 7);
  assert.equal(parseIntegerArg("run", "--seed", "9007199254740991"), Number.MAX_SAFE_INTEGER);
});

Deno.test("parseIntegerArg() refuses what Number() would read, quoting the text as typed", () => {
  for (
    const text of ["", " ", " 1", "1 ", "1e3", "0x10", "0b1", "2.0", "1_000", "abc", "Infinity", "-", "+"]
  ) {
    assert.throws(
      () => parseIntegerArg("run an experiment", "--seed", text),
      (error: unknown) => {
        assert.ok(error instanceof RangeError);
        assert.equal(
          error.message,
          "Cannot run an experiment as '--seed' must be a decimal integer in " +
            `[-9007199254740991, 9007199254740991]: current value is "${text}"`,
        );
        return true;
      },
    );
  }
});

Deno.test("parseIntegerArg() refuses an unsafe integer and one out of range", () => {
  assert.throws(
    () => parseIntegerArg("run", "--seed", "9007199254740993"),
    /current value is "9007199254740993"/,
  );
  assert.throws(() => parseIntegerArg("run", "--seed", "-9007199254740992"), RangeError);
  assert.throws(
    () => parseIntegerArg("run", "--eval-samples", "9", 10),
    /'--eval-samples' must be a decimal integer in \[10, 9007199254740991\]: current value is "9"/,
  );
  assert.throws(() => parseIntegerArg("run", "--threads", "9", 1, 8), /in \[1, 8\]: current value is "9"/);
  assert.equal(parseIntegerArg("run", "--threads", "8", 1, 8), 8);
});

Deno.test("checkInRange() names its interval in words, an open-ended one without Infinity", () => {
  const message = (low: number, high: number, highOpen = false) => {
    try {
      checkInRange("train", "x", NaN, low, high, highOpen);
    } catch (error) {
      return (error as RangeError).message;
    }
    return "no error";
  };
  assert.match(message(0, 1), /'x' must be a number in \[0, 1\]: current value is NaN/);
  assert.match(message(0, 1, true), /a number in \[0, 1\)/);
  assert.match(message(Number.MIN_VALUE, Infinity), /'x' must be a finite number > 0:/);
  assert.match(message(0, Infinity), /'x' must be a finite number >= 0:/);
  assert.match(message(-Infinity, Infinity), /'x' must be a finite number:/);
});
