/**
 * Atomic file writes: a reader sees the old file or the new one, never a half-written one, even
 * if the process dies mid-write. That is what keeps a checkpoint usable after a crash.
 *
 * @module
 */

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
  const temporary = `${path}.${crypto.randomUUID()}.tmp`;
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
