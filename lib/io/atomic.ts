/**
 * Atomic file writes: a reader sees the old file or the new one, never a half-written one, even
 * if the process dies mid-write. That is what keeps a checkpoint usable after a crash.
 *
 * @module
 */

const TEMPORARY_SUFFIX = ".tmp";

/** `<file>.<uuid>.tmp`, as {@linkcode writeFileAtomic} names its temporary files (a v4 UUID, lower case). */
const TEMPORARY_NAME = /^.+\.[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}\.tmp$/;

/**
 * Writes `bytes` to `path` atomically: into a new temporary file beside it (so the rename cannot
 * cross file systems), flushed to disk with fsync, then renamed over `path`. On failure the
 * temporary file is removed and `path` is left as it was.
 *
 * The new file gets default permissions, not those of the file it replaces.
 *
 * @param path The file to create or replace; its directory must exist.
 * @param bytes The whole new content.
 * @returns When the new content is in place.
 * @throws {Deno.errors.NotFound} If the directory does not exist, or another `Deno.errors`
 * error if writing or renaming fails.
 *
 * @example Replace a file's bytes
 * ```ts
 * import assert from "node:assert";
 * import { writeFileAtomic } from "@dimo/dimo";
 * await Deno.mkdir(".tmp", { recursive: true });
 * const dir = await Deno.makeTempDir({ dir: ".tmp" });
 * await writeFileAtomic(`${dir}/weights.bin`, new Uint8Array([1, 2, 3]));
 * await writeFileAtomic(`${dir}/weights.bin`, new Uint8Array([4]));
 * assert.deepEqual(await Deno.readFile(`${dir}/weights.bin`), new Uint8Array([4]));
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function writeFileAtomic(path: string, bytes: Uint8Array): Promise<void> {
  // A unique name, created exclusively: concurrent writers never share a temporary file.
  const temporary = `${path}.${crypto.randomUUID()}${TEMPORARY_SUFFIX}`;
  const file = await Deno.open(temporary, { write: true, createNew: true });
  try {
    try {
      for (let written = 0; written < bytes.length;) written += await file.write(bytes.subarray(written));
      await file.sync();
    } finally {
      file.close();
    }
    await Deno.rename(temporary, path);
  } catch (error) {
    await Deno.remove(temporary).catch(() => {}); // best effort: the original error matters more
    throw error;
  }
}

/**
 * Writes `text` as UTF-8 to `path` atomically (see {@linkcode writeFileAtomic}).
 *
 * @param path The file to create or replace; its directory must exist.
 * @param text The whole new content.
 * @returns When the new content is in place.
 * @throws {Deno.errors.NotFound} If the directory does not exist, or another `Deno.errors`
 * error if writing or renaming fails.
 *
 * @example Write a JSON state file
 * ```ts
 * import assert from "node:assert";
 * import { writeTextFileAtomic } from "@dimo/dimo";
 * await Deno.mkdir(".tmp", { recursive: true });
 * const dir = await Deno.makeTempDir({ dir: ".tmp" });
 * await writeTextFileAtomic(`${dir}/state.json`, JSON.stringify({ iteration: 10 }));
 * assert.equal(JSON.parse(await Deno.readTextFile(`${dir}/state.json`)).iteration, 10);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function writeTextFileAtomic(path: string, text: string): Promise<void> {
  await writeFileAtomic(path, new TextEncoder().encode(text));
}

/**
 * Removes the temporary files that {@linkcode writeFileAtomic} left in `dir` when its process was
 * killed mid-write: regular files named exactly `<file>.<uuid>.tmp`. Anything else, a directory of
 * that name included, is left alone; so is every subdirectory's content.
 *
 * Call it when no other process may be writing into `dir` (at the start of a run that owns it):
 * a temporary file still being written looks the same as an orphaned one.
 *
 * @param dir The directory to clean; nothing happens if it does not exist.
 * @returns The names of the files removed, sorted.
 * @throws Any `Deno.errors` error of reading `dir` (but `NotFound`) or of removing a file.
 *
 * @example Remove what a killed write left behind
 * ```ts
 * import assert from "node:assert";
 * import { removeOrphanedTemporaryFiles } from "@dimo/dimo";
 * await Deno.mkdir(".tmp", { recursive: true });
 * const dir = await Deno.makeTempDir({ dir: ".tmp" });
 * const orphan = "student.safetensors.0b7e4b8e-2d3c-4f5a-9b6c-7d8e9f0a1b2c.tmp";
 * await Deno.writeFile(`${dir}/${orphan}`, new Uint8Array(3));
 * await Deno.writeFile(`${dir}/notes.tmp`, new Uint8Array(3));
 * assert.deepEqual(await removeOrphanedTemporaryFiles(dir), [orphan]);
 * assert.deepEqual([...Deno.readDirSync(dir)].map((entry) => entry.name), ["notes.tmp"]);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function removeOrphanedTemporaryFiles(dir: string): Promise<string[]> {
  const removed: string[] = [];
  try {
    for await (const entry of Deno.readDir(dir)) {
      if (!entry.isFile || !TEMPORARY_NAME.test(entry.name)) continue;
      try {
        await Deno.remove(`${dir}/${entry.name}`);
        removed.push(entry.name);
      } catch (error) {
        // A writer that finished (renamed) or failed (removed it) in the meantime is no orphan.
        if (!(error instanceof Deno.errors.NotFound)) throw error;
      }
    }
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return removed.sort();
    throw error;
  }
  return removed.sort();
}
