/**
 * What a path names on disk, for the experiments' start-up checks and their optional files.
 *
 * @module
 */

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
