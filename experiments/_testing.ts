/**
 * For the experiments' tests only.
 *
 * @module
 */

/**
 * Runs `fn` in a fresh directory under `.tmp/` (the one place the test task may write) and removes
 * it afterwards.
 *
 * @param prefix The start of the directory's name, for finding one a crash left.
 * @param fn The test body, given the directory.
 */
export async function inTempDir(prefix: string, fn: (dir: string) => Promise<void>): Promise<void> {
  await Deno.mkdir(".tmp", { recursive: true });
  const dir = await Deno.makeTempDir({ dir: ".tmp", prefix });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}
