import assert from "node:assert/strict";
import { withOneInFlight } from "./in_flight.ts";

Deno.test("withOneInFlight: job i + 1 starts before job i's result is awaited, results in order", async () => {
  const log: string[] = [];
  await withOneInFlight(
    4,
    (i) => {
      log.push(`start ${i}`);
      return new Promise<number>((resolve) => setTimeout(() => resolve(10 * i), 4 - i)); // later jobs settle first
    },
    async (value, i) => {
      await Promise.resolve();
      log.push(`finish ${i}: ${value}`);
    },
  );
  assert.deepEqual(log, [
    "start 0",
    "start 1",
    "finish 0: 0",
    "start 2",
    "finish 1: 10",
    "start 3",
    "finish 2: 20",
    "finish 3: 30",
  ]);
  let started = 0;
  await withOneInFlight(0, () => Promise.resolve(started++));
  assert.equal(started, 0);
});

Deno.test("withOneInFlight: the first failure is thrown, and the job after it is not left unhandled", async () => {
  const finished: number[] = [];
  await assert.rejects(
    withOneInFlight(
      5,
      (i) => i >= 2 ? Promise.reject(new Error(`job ${i} failed`)) : Promise.resolve(i),
      (value) => void finished.push(value),
    ),
    /job 2 failed/,
  );
  assert.deepEqual(finished, [0, 1]);
});
