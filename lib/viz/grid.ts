/**
 * Image grids: a batch of images laid out in rows, as 8-bit pixels ready for a PNG.
 *
 * @module
 */
import type * as tf from "../backend/tf.ts";
import { isNdarray, type NdArray, ndarrayValues } from "../io/ndarray.ts";
import { checkDtype, checkInRange, checkInteger, checkOneOf, errorMessage } from "../validate/mod.ts";

/** 8-bit pixels, row-major with interleaved channels: what {@linkcode encodePng} encodes. */
export interface RasterImage {
  /** Width in pixels. */
  readonly width: number;
  /** Height in pixels. */
  readonly height: number;
  /** Channels per pixel: 1 (grey), 3 (RGB) or 4 (RGBA). */
  readonly channels: 1 | 3 | 4;
  /** `height · width · channels` bytes, row by row. */
  readonly data: Uint8Array;
}

/** Options of {@linkcode imageGrid}. */
export interface ImageGridOptions {
  /**
   * Images per row.
   *
   * @default {Math.ceil(Math.sqrt(N))}, a square-ish grid
   */
  readonly columns?: number;
  /**
   * Pixels of background between images and around the grid, in output pixels.
   *
   * @default {2}
   */
  readonly padding?: number;
  /**
   * Integer upsampling factor: each source pixel becomes a `scale × scale` block (nearest
   * neighbour, so pixels stay sharp).
   *
   * @default {1}
   */
  readonly scale?: number;
  /**
   * Grey level of the padding and of empty cells, in [0, 1].
   *
   * @default {1}, white
   */
  readonly background?: number;
}

const ACTION = "draw an image grid";

/**
 * Lays out a batch of images in a grid, like torchvision's `make_grid`: image `n` goes to row
 * `⌊n / columns⌋`, column `n mod columns`, with `padding` pixels of background between images and
 * around the border. A value `v` becomes the byte `round(255 · v)`.
 *
 * Values must lie in [0, 1]: an image outside that range is a bug upstream (a missing rescale),
 * so it is reported rather than clamped.
 *
 * @param images Pixel values in [0, 1], float32 `[N, H, W]` or `[N, H, W, 1]` (grey) or
 * `[N, H, W, 3]` (RGB): a tensor, or an ndarray (float32, float64 or a plain array) of those
 * shapes, read in row-major order whatever its strides.
 * @param options Columns, padding, scale and background.
 * @returns The grid as 8-bit pixels with 1 channel (grey) or 3 (RGB), of width
 * `columns · W · scale + (columns + 1) · padding` and height
 * `rows · H · scale + (rows + 1) · padding`, where `rows = ⌈N / columns⌉`.
 * @throws {TypeError} If `images` is not float32 (float64 or plain too for an ndarray)
 * `[N, H, W]`, `[N, H, W, 1]` or `[N, H, W, 3]` with N ≥ 1.
 * @throws {RangeError} If an option is out of range, or a value is NaN or outside [0, 1]
 * (the message names the first such pixel).
 *
 * @example Two grey 1×1 images side by side
 * ```ts
 * import assert from "node:assert";
 * import { imageGrid, tf, useBackend } from "@dimo/dimo";
 * await useBackend("cpu");
 * const images = tf.tensor3d([0, 1], [2, 1, 1]);
 * const grid = await imageGrid(images, { columns: 2, padding: 1, background: 0.5 });
 * images.dispose();
 * assert.deepEqual([grid.width, grid.height, grid.channels], [5, 3, 1]);
 * assert.deepEqual(Array.from(grid.data.subarray(5, 10)), [128, 0, 128, 255, 128]);
 * ```
 *
 * @example An ndarray batch: the same grid
 * ```ts
 * import assert from "node:assert";
 * import ndarray from "ndarray";
 * import { imageGrid } from "@dimo/dimo";
 * const images = ndarray(new Float64Array([0, 1]), [2, 1, 1]);
 * const grid = await imageGrid(images, { columns: 2, padding: 1, background: 0.5 });
 * assert.deepEqual(Array.from(grid.data.subarray(5, 10)), [128, 0, 128, 255, 128]);
 * ```
 */
export async function imageGrid(
  images: tf.Tensor3D | tf.Tensor4D | NdArray,
  options: ImageGridOptions = {},
): Promise<RasterImage> {
  const [n, h, w, c = 1] = images.shape;
  const rank = images.shape.length;
  const isImageBatch = (rank === 3 || (rank === 4 && (c === 1 || c === 3))) && n >= 1 && h >= 1 && w >= 1;
  if (!isImageBatch) {
    throw new TypeError(
      errorMessage(
        ACTION,
        "images",
        "of shape [N, H, W], [N, H, W, 1] or [N, H, W, 3] with N ≥ 1",
        images.shape,
      ),
    );
  }
  if (isNdarray(images)) checkOneOf(ACTION, "images.dtype", images.dtype, ["float32", "float64", "array"]);
  else checkDtype(ACTION, "images", images.dtype, "float32");
  const { columns = Math.ceil(Math.sqrt(n)), padding = 2, scale = 1, background = 1 } = options;
  checkInteger(ACTION, "columns", columns, 1);
  checkInteger(ACTION, "padding", padding, 0);
  checkInteger(ACTION, "scale", scale, 1);
  checkInRange(ACTION, "background", background, 0, 1);

  const values = isNdarray(images) ? ndarrayValues(images) : await images.data();
  checkPixels(values, images.shape);
  const rows = Math.ceil(n / columns);
  const cellW = w * scale, cellH = h * scale;
  const width = columns * cellW + (columns + 1) * padding;
  const height = rows * cellH + (rows + 1) * padding;
  const data = new Uint8Array(width * height * c).fill(toByte(background));
  for (let i = 0; i < n; i++) {
    const left = padding + (i % columns) * (cellW + padding);
    const top = padding + Math.floor(i / columns) * (cellH + padding);
    for (let y = 0; y < cellH; y++) {
      const source = ((i * h + Math.floor(y / scale)) * w) * c;
      const target = ((top + y) * width + left) * c;
      for (let x = 0; x < cellW; x++) {
        for (let k = 0; k < c; k++) {
          data[target + x * c + k] = toByte(values[source + Math.floor(x / scale) * c + k]);
        }
      }
    }
  }
  return { width, height, channels: c === 3 ? 3 : 1, data };
}

function toByte(value: number): number {
  return Math.round(value * 255);
}

/** Throws a RangeError naming the first value that is NaN or outside [0, 1]. */
function checkPixels(values: ArrayLike<number>, shape: readonly number[]): void {
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v >= 0 && v <= 1) continue; // false for NaN too
    const index: number[] = [];
    for (let rest = i, d = shape.length - 1; d >= 0; d--) {
      index.unshift(rest % shape[d]);
      rest = Math.floor(rest / shape[d]);
    }
    throw new RangeError(`${errorMessage(ACTION, "images", "values in [0, 1]", v)} at [${index.join(", ")}]`);
  }
}
