/**
 * PNG files from 8-bit pixels, and data URIs to embed them in HTML.
 *
 * @module
 */
import { isNdarray, type NdArray, ndarrayValues } from "../io/ndarray.ts";
import { checkInteger, checkOneOf, errorMessage } from "../validate/mod.ts";
import { checkPngSignature, encodePngData } from "./_fast_png.ts";
import type { RasterImage } from "./grid.ts";

/**
 * Encodes 8-bit pixels as a PNG file (lossless, deflate-compressed) with fast-png.
 *
 * @param image The pixels, for example from {@linkcode imageGrid}; or a uint8 (or uint8_clamped)
 * ndarray of shape `[H, W]` (grey) or `[H, W, C]` with C = 1, 3 or 4, rows first and read
 * whatever its strides (get-pixels' `[W, H, C]` arrays: pass `nd.transpose(1, 0, 2)`).
 * @returns The bytes of the PNG file.
 * @throws {RangeError} If the width or height is not a positive integer, or `channels` is not
 * 1, 3 or 4.
 * @throws {TypeError} If `data` does not hold `width · height · channels` bytes, or an ndarray
 * is not uint8 `[H, W]` or `[H, W, C]`.
 *
 * @example Encode a 2×1 grey image
 * ```ts
 * import assert from "node:assert";
 * import { encodePng } from "@dimo/dimo";
 * const png = encodePng({ width: 2, height: 1, channels: 1, data: new Uint8Array([0, 255]) });
 * assert.deepEqual(Array.from(png.subarray(1, 4)), [80, 78, 71]); // "PNG"
 * ```
 *
 * @example Encode an ndarray of RGB pixels
 * ```ts
 * import assert from "node:assert";
 * import ndarray from "ndarray";
 * import { encodePng } from "@dimo/dimo";
 * const pixels = ndarray(new Uint8Array([255, 0, 0, 0, 0, 255]), [1, 2, 3]);
 * const png = encodePng(pixels);
 * assert.deepEqual(Array.from(png.subarray(16, 24)), [0, 0, 0, 2, 0, 0, 0, 1]); // width 2, height 1
 * ```
 */
export function encodePng(image: RasterImage | NdArray): Uint8Array {
  const action = "encode a PNG";
  const { width, height, channels, data } = isNdarray(image) ? rasterImage(action, image) : image;
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

/** The pixels of a uint8 ndarray `[H, W]` or `[H, W, C]`, a view of its data when contiguous. */
function rasterImage(action: string, nd: NdArray): RasterImage {
  const [height, width, channels = 1] = nd.shape;
  if (nd.shape.length !== 2 && nd.shape.length !== 3) {
    throw new TypeError(errorMessage(action, "image.shape", "[H, W] or [H, W, C]", nd.shape));
  }
  checkOneOf(action, "image.dtype", nd.dtype, ["uint8", "uint8_clamped"]);
  const values = ndarrayValues(nd) as Uint8Array | Uint8ClampedArray;
  const data = new Uint8Array(values.buffer, values.byteOffset, values.length);
  return { width, height, channels: channels as RasterImage["channels"], data };
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
