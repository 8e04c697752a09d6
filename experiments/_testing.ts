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

/**
 * A `deno run` of one of the project's scripts, offline and with the experiment task's
 * permissions (writes under `.tmp/` only), on wasm with one thread.
 *
 * @param script The script, from the project's root.
 * @param args Its arguments.
 * @param piped Whether its stdout and stderr are piped (for `spawn`) rather than collected (for `output`).
 * @returns The command, not yet run.
 */
export function projectCommand(script: string, args: readonly string[], piped = false): Deno.Command {
  return new Deno.Command("deno", {
    args: [
      "run",
      "--quiet",
      "--cached-only",
      "--allow-read=.",
      "--allow-write=.tmp",
      "--allow-env=DIMO_BACKEND,DIMO_THREADS",
      script,
      "--backend",
      "wasm",
      "--threads",
      "1",
      ...args,
    ],
    env: { NO_COLOR: "1" },
    ...(piped ? { stdout: "piped", stderr: "piped" } : {}),
  });
}
