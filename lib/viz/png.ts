/**
 * PNG files from 8-bit pixels, and data URIs to embed them in HTML.
 *
 * @module
 */
import { checkInteger, errorMessage } from "../validate/mod.ts";
import { checkPngSignature, encodePngData } from "./_fast_png.ts";
import type { RasterImage } from "./grid.ts";

/**
 * Encodes 8-bit pixels as a PNG file (lossless, deflate-compressed) with fast-png.
 *
 * @param image The pixels, for example from {@linkcode imageGrid}.
 * @returns The bytes of the PNG file.
 * @throws {RangeError} If the width or height is not a positive integer, or `channels` is not
 * 1, 3 or 4.
 * @throws {TypeError} If `data` does not hold `width · height · channels` bytes.
 *
 * @example Encode a 2×1 grey image
 * ```ts
 * import assert from "node:assert";
 * import { encodePng } from "@dimo/dimo";
 * const png = encodePng({ width: 2, height: 1, channels: 1, data: new Uint8Array([0, 255]) });
 * assert.deepEqual(Array.from(png.subarray(1, 4)), [80, 78, 71]); // "PNG"
 * ```
 */
export function encodePng(image: RasterImage): Uint8Array {
  const action = "encode a PNG";
  const { width, height, channels, data } = image;
  checkInteger(action, "width", width, 1);
  checkInteger(action, "height", height, 1);
  if (![1, 3, 4].includes(channels)) {
    throw new RangeError(errorMessage(action, "channels", "1, 3 or 4", channels));
  }
  if (!(data instanceof Uint8Array) || data.length !== width * height * channels) {
    const rule = `a Uint8Array of width · height · channels = ${width * height * channels} bytes`;
    throw new TypeError(
      errorMessage(action, "data", rule, data instanceof Uint8Array ? data.length : typeof data),
    );
  }
  return encodePngData({ width, height, channels, depth: 8, data });
}

/**
 * Makes a `data:image/png;base64,…` URI, to put a PNG inside an HTML page or an `<img>` tag.
 *
 * @param png The bytes of a PNG file.
 * @returns The data URI.
 * @throws {TypeError} If the bytes do not start with the PNG signature.
 *
 * @example A PNG as a data URI
 * ```ts
 * import assert from "node:assert";
 * import { encodePng, pngDataUri } from "@dimo/dimo";
 * const png = encodePng({ width: 1, height: 1, channels: 1, data: new Uint8Array([255]) });
 * assert.ok(pngDataUri(png).startsWith("data:image/png;base64,iVBORw0KGgo"));
 * ```
 */
export function pngDataUri(png: Uint8Array): string {
  checkPngSignature("make a PNG data URI", png);
  return `data:image/png;base64,${base64(png)}`;
}

function base64(bytes: Uint8Array): string {
  // btoa takes a binary string; building it in chunks keeps String.fromCharCode's argument count small.
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary);
}
