/**
 * The PNG codec: fast-png (image-js, MIT), a maintained encoder and decoder in plain JavaScript
 * on fflate's deflate. Imported in this one place.
 *
 * @module
 */
import { decode, encode, hasPngSignature } from "fast-png";
import { errorMessage } from "../validate/mod.ts";

export { decode as decodePng, encode as encodePngData };

/** Throws a TypeError unless `png` starts with the 8-byte PNG signature. */
export function checkPngSignature(action: string, png: Uint8Array): void {
  if (!(png instanceof Uint8Array) || !hasPngSignature(png)) {
    const start = png instanceof Uint8Array ? Array.from(png.subarray(0, 8)) : typeof png;
    throw new TypeError(errorMessage(action, "png", "bytes that start with the PNG signature", start));
  }
}
