/**
 * The check every resume test ends with: a run stopped and started again into its output directory
 * gives the rows, charts and student of a run that was never stopped.
 *
 * @module
 */
import assert from "node:assert/strict";
import type { Results } from "../experiments/results.ts";

/**
 * Asserts that `resumed` (written to `resumedOut`) equals `straight` (written to `straightOut`):
 * rows and charts deep-equal, `student.safetensors` byte for byte.
 *
 * @param resumed The results of the resumed run.
 * @param straight The results of the uninterrupted run.
 * @param dirs The output directories of the resumed and the uninterrupted run.
 */
export async function assertSameRun(
  resumed: Results,
  straight: Results,
  dirs: { readonly resumedOut: string; readonly straightOut: string },
): Promise<void> {
  assert.deepEqual(resumed.rows, straight.rows);
  assert.deepEqual(resumed.charts, straight.charts);
  const [a, b] = await Promise.all(
    [dirs.resumedOut, dirs.straightOut].map((d) => Deno.readFile(`${d}/student.safetensors`)),
  );
  assert.deepEqual(a, b, "the students are bit-identical");
}
