/**
 * The error of a data file that cannot be used: truncated, malformed or not the expected file.
 *
 * @module
 */

/** Options of {@linkcode DatasetFileError}. */
export interface DatasetFileErrorOptions extends ErrorOptions {
  /** The file, when the bytes were read from one. */
  path?: string;
  /** Byte offset where the problem is, when it has one (a checksum mismatch has none). */
  offset?: number;
}

/**
 * A data file that is truncated, malformed or not the published one: the message names the
 * file, the byte where it goes wrong (when there is one) and what is wrong.
 *
 * @example Name the file and the byte
 * ```ts
 * import assert from "node:assert";
 * import { DatasetFileError } from "@dimo/dimo";
 * const error = new DatasetFileError("the magic number must start with two zero bytes", { path: "a.idx", offset: 0 });
 * assert.equal(error.message, 'Cannot read data file "a.idx" at byte 0 as the magic number must start with two zero bytes');
 * assert.equal(error.offset, 0);
 * ```
 */
export class DatasetFileError extends SyntaxError {
  /** What is wrong, without the file and offset. */
  readonly problem: string;
  /** The file, when the bytes were read from one. */
  readonly path?: string;
  /** Byte offset where the problem is, when it has one. */
  readonly offset?: number;

  /**
   * Builds the error.
   *
   * @param problem What is wrong ("the file is truncated: …").
   * @param options The `path` of the file and the byte `offset`, where known.
   */
  constructor(problem: string, options: DatasetFileErrorOptions = {}) {
    const action = options.path === undefined ? "decode data" : `read data file "${options.path}"`;
    const where = options.offset === undefined ? "" : ` at byte ${options.offset}`;
    super(`Cannot ${action}${where} as ${problem}`, options);
    this.name = "DatasetFileError";
    this.problem = problem;
    if (options.path !== undefined) this.path = options.path;
    if (options.offset !== undefined) this.offset = options.offset;
  }
}
