/**
 * Object keys of a safetensors header located by byte offset, and its numbers as written, things
 * `JSON.parse` cannot give: it neither says where a key is nor notices a key given twice (it keeps
 * the last), and it reads `2.0` as 2 and 2^64 as 18446744073709552000.
 *
 * @module
 */

/** The top-level keys of a JSON object and the first key repeated anywhere in it. */
export interface HeaderKeys {
  /** Byte offset of each top-level key's opening quote. */
  readonly offsets: Map<string, number>;
  /** The first key that repeats within one object, under top-level key `parent` if nested. */
  readonly repeated?: { readonly key: string; readonly offset: number; readonly parent?: string };
  /** Every number not written as a non-negative decimal integer that a double holds exactly. */
  readonly notIndices: readonly NotIndex[];
}

/**
 * A number that cannot be a size or an offset as written (`2.0`, `1e3`, `-1`, `18446744073709551616`),
 * though `JSON.parse` may turn it into one.
 */
export interface NotIndex {
  /** The top-level key whose value holds it. */
  readonly parent: string;
  /** The key of the field of `parent`'s object that holds it; `undefined` if it is `parent`'s value itself. */
  readonly field?: string;
  /** The value holding it (the field's, else `parent`'s), as written. */
  readonly written: string;
}

const QUOTE = 0x22, BACKSLASH = 0x5c, COMMA = 0x2c;
const OPEN_OBJECT = 0x7b, CLOSE_OBJECT = 0x7d, OPEN_ARRAY = 0x5b, CLOSE_ARRAY = 0x5d;
const MINUS = 0x2d, DIGIT_0 = 0x30, DIGIT_9 = 0x39;
/** The bytes a JSON number is made of. */
const NUMBER_BYTES = new Set([..."0123456789+-.eE"].map((c) => c.charCodeAt(0)));

/**
 * Scans the UTF-8 bytes of a JSON text that `JSON.parse` has already accepted. Scanning bytes is
 * safe because every structural character is ASCII and no byte of a multi-byte UTF-8 sequence is.
 *
 * @param bytes The JSON text.
 * @param base Added to every offset (where the text starts in the file).
 */
export function scanHeaderKeys(bytes: Uint8Array, base: number): HeaderKeys {
  const offsets = new Map<string, number>();
  const open: (Set<string> | null)[] = []; // the keys seen in each open object; null for an array
  const starts: number[] = []; // where each open object or array starts
  const notIndices: NotIndex[] = [];
  let pending: { parent: string; field?: string; valueStart: number } | undefined; // a value still open
  let expectKey = false;
  let topKey: string | undefined;
  let field: string | undefined;
  const text = (start: number, end: number) => new TextDecoder().decode(bytes.subarray(start, end));
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i];
    if (byte === QUOTE) {
      const start = i;
      for (i++; bytes[i] !== QUOTE; i++) if (bytes[i] === BACKSLASH) i++;
      const keys = open.at(-1);
      if (!expectKey || !keys) continue; // a string value
      const key: string = JSON.parse(text(start, i + 1));
      if (keys.has(key)) {
        return {
          offsets,
          repeated: { key, offset: base + start, parent: open.length > 1 ? topKey : undefined },
          notIndices,
        };
      }
      keys.add(key);
      if (open.length === 1) {
        offsets.set(key, base + start);
        topKey = key;
        field = undefined;
      } else if (open.length === 2) {
        field = key;
      }
      expectKey = false;
    } else if (byte === OPEN_OBJECT || byte === OPEN_ARRAY) {
      open.push(byte === OPEN_OBJECT ? new Set() : null);
      starts.push(i);
      expectKey = byte === OPEN_OBJECT;
    } else if (byte === CLOSE_OBJECT || byte === CLOSE_ARRAY) {
      open.pop();
      const start = starts.pop();
      if (pending !== undefined && pending.valueStart === start) {
        const { valueStart, ...at } = pending;
        notIndices.push({ ...at, written: text(valueStart, i + 1) });
        pending = undefined;
      }
      expectKey = false;
    } else if (byte === COMMA) {
      expectKey = Boolean(open.at(-1));
    } else if ((byte === MINUS || (byte >= DIGIT_0 && byte <= DIGIT_9)) && topKey !== undefined) {
      const start = i;
      while (NUMBER_BYTES.has(bytes[i + 1])) i++;
      const number = text(start, i + 1);
      if (pending || (/^[0-9]+$/.test(number) && Number.isSafeInteger(Number(number)))) continue;
      // The value to quote: a field's of the top-level key's object, or the top-level key's own.
      const inObject = open.length >= 2 && open[1] !== null;
      const depth = inObject ? 2 : 1;
      const at = { parent: topKey, field: inObject ? field : undefined };
      if (open.length > depth) pending = { ...at, valueStart: starts[depth] };
      else notIndices.push({ ...at, written: number });
    }
  }
  return { offsets, notIndices };
}
