/**
 * Object keys of a safetensors header located by byte offset, a thing `JSON.parse` cannot do:
 * it neither says where a key is nor notices a key given twice (it keeps the last).
 *
 * @module
 */

/** The top-level keys of a JSON object and the first key repeated anywhere in it. */
export interface HeaderKeys {
  /** Byte offset of each top-level key's opening quote. */
  readonly offsets: Map<string, number>;
  /** The first key that repeats within one object, under top-level key `parent` if nested. */
  readonly repeated?: { readonly key: string; readonly offset: number; readonly parent?: string };
}

const QUOTE = 0x22, BACKSLASH = 0x5c, COMMA = 0x2c;
const OPEN_OBJECT = 0x7b, CLOSE_OBJECT = 0x7d, OPEN_ARRAY = 0x5b, CLOSE_ARRAY = 0x5d;

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
  let expectKey = false;
  let topKey: string | undefined;
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i];
    if (byte === QUOTE) {
      const start = i;
      for (i++; bytes[i] !== QUOTE; i++) if (bytes[i] === BACKSLASH) i++;
      const keys = open.at(-1);
      if (!expectKey || !keys) continue; // a string value
      const key: string = JSON.parse(new TextDecoder().decode(bytes.subarray(start, i + 1)));
      if (keys.has(key)) {
        return {
          offsets,
          repeated: { key, offset: base + start, parent: open.length > 1 ? topKey : undefined },
        };
      }
      keys.add(key);
      if (open.length === 1) {
        offsets.set(key, base + start);
        topKey = key;
      }
      expectKey = false;
    } else if (byte === OPEN_OBJECT) {
      open.push(new Set());
      expectKey = true;
    } else if (byte === OPEN_ARRAY) {
      open.push(null);
    } else if (byte === CLOSE_OBJECT || byte === CLOSE_ARRAY) {
      open.pop();
      expectKey = false;
    } else if (byte === COMMA) {
      expectKey = Boolean(open.at(-1));
    }
  }
  return { offsets };
}
