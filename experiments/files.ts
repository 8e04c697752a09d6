/**
 * What a path names on disk, for the experiments' start-up checks and their optional files.
 *
 * @module
 */
import { isAbsolute, relative, resolve, sep } from "node:path";
import { removeOrphanedTemporaryFiles } from "../lib/io/mod.ts";
import { errorMessage } from "../lib/validate/mod.ts";

const ACTION = "run an experiment";

/**
 * Whether `path` is a file, a directory, or not there.
 *
 * @param path The path to look at.
 * @returns `"file"`, `"directory"`, `"other"`, or `undefined` when nothing is there.
 * @throws Any error of `Deno.stat` but `NotFound` (a missing permission, say).
 */
export async function pathKind(path: string): Promise<"file" | "directory" | "other" | undefined> {
  try {
    const info = await Deno.stat(path);
    return info.isFile ? "file" : info.isDirectory ? "directory" : "other";
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
}

/**
 * Fails at start, naming the flag, when a file or directory the run reads is not there or may not
 * be read.
 *
 * @param flag The flag that named it (`--teacher`).
 * @param path The path as given.
 * @param kind What it must be.
 * @throws {Error} If it is not there, is of another kind, or lies where this process may not read.
 *
 * @example Refuse a directory given as a teacher file
 * ```ts
 * import assert from "node:assert";
 * import { checkReadable } from "./files.ts";
 * await checkReadable("--teacher", "deno.json", "file");
 * await assert.rejects(checkReadable("--teacher", "lib", "file"), /'--teacher' must be a readable file/);
 * ```
 */
export async function checkReadable(flag: string, path: string, kind: "file" | "directory"): Promise<void> {
  const found = await pathKind(path).catch((error) => {
    if (!(error instanceof Deno.errors.NotCapable || error instanceof Deno.errors.PermissionDenied)) {
      throw error;
    }
    throw new Error(
      `Cannot run an experiment as '${flag}' names a path this process may not read: "${path}" ` +
        "(the experiment task reads only the project directory; put the files there)",
    );
  });
  if (found !== kind) {
    const expected = kind === "file" ? "a readable file" : "a directory";
    throw new Error(`Cannot run an experiment as '${flag}' must be ${expected}: current value is "${path}"`);
  }
}

/**
 * Whether `path` lies inside `projectDir` (or is it), judged on the paths alone: the experiment
 * task may write only there.
 *
 * @param path A path, relative to the working directory or absolute.
 * @param projectDir The project's directory.
 * @returns Whether the task may write at `path`, as far as the paths tell.
 *
 * @example A sibling directory is outside
 * ```ts
 * import assert from "node:assert";
 * import { isInside } from "./files.ts";
 * assert.ok(isInside("/home/me/dimo/runs/a", "/home/me/dimo"));
 * assert.ok(!isInside("/home/me/dimo-runs", "/home/me/dimo"));
 * ```
 */
export function isInside(path: string, projectDir: string): boolean {
  const rest = relative(resolve(projectDir), resolve(path));
  return !isAbsolute(rest) && rest !== ".." && !rest.startsWith(`..${sep}`);
}

/**
 * Makes the output directory ready before anything is trained: refuses a path outside the
 * project or one that names something other than a directory, creates it, and removes the
 * temporary files a killed run left there (see {@linkcode removeOrphanedTemporaryFiles}).
 *
 * @param out The `--out` path.
 * @param projectDir The directory the run may write in (the working directory of `deno task`).
 * @returns The names of the temporary files removed.
 * @throws {Error} If `out` is empty, outside `projectDir`, an existing file, or may not be written.
 *
 * @example Make a nested output directory, refuse one outside the project
 * ```ts
 * import assert from "node:assert";
 * import { prepareOut } from "./files.ts";
 * await Deno.mkdir(".tmp", { recursive: true });
 * const dir = await Deno.makeTempDir({ dir: ".tmp" });
 * assert.deepEqual(await prepareOut(`${dir}/runs/a`), []);
 * assert.ok((await Deno.stat(`${dir}/runs/a`)).isDirectory);
 * await assert.rejects(prepareOut("/tmp/runs"), /'--out' must be a directory inside the project/);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function prepareOut(out: string, projectDir: string = Deno.cwd()): Promise<string[]> {
  if (out === "" || !isInside(out, projectDir)) {
    throw new Error(
      errorMessage(
        ACTION,
        "--out",
        `a directory inside the project, ${projectDir} (the only place the task may write)`,
        out,
      ),
    );
  }
  try {
    const found = await pathKind(out);
    if (found !== undefined && found !== "directory") {
      throw new Error(errorMessage(ACTION, "--out", "a directory or a path to create one, not a file", out));
    }
    await Deno.mkdir(out, { recursive: true });
    return await removeOrphanedTemporaryFiles(out);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotCapable || error instanceof Deno.errors.PermissionDenied)) {
      throw error;
    }
    throw new Error(errorMessage(ACTION, "--out", "a directory this process may read and write", out));
  }
}

/**
 * Removes the temporary files a killed run left in a `--checkpoints` directory, when the run may
 * write there (inside the project, with write permission); elsewhere leaves it alone.
 *
 * @param dir The `--checkpoints` path.
 * @param projectDir The directory the run may write in.
 * @returns The names of the temporary files removed.
 *
 * @example A directory outside the project is left alone
 * ```ts
 * import assert from "node:assert";
 * import { cleanCheckpoints } from "./files.ts";
 * assert.deepEqual(await cleanCheckpoints("/home/me/shipped", "/home/me/dimo"), []);
 * ```
 */
export async function cleanCheckpoints(dir: string, projectDir: string = Deno.cwd()): Promise<string[]> {
  const writable = isInside(dir, projectDir) &&
    (await Deno.permissions.query({ name: "write", path: dir })).state === "granted";
  return writable ? await removeOrphanedTemporaryFiles(dir) : [];
}
