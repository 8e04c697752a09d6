import assert from "node:assert/strict";
import * as tf from "../backend/tf.ts";
import { useTestBackend, withoutLeaks } from "../backend/testing.ts";
import ndarray from "ndarray";
import { imageGrid } from "./mod.ts";

await useTestBackend();

/** Grey level of pixel (y, x) of image n: every source pixel distinct, so a misplaced one shows. */
function value(n: number, y: number, x: number, h: number, w: number): number {
  return (n * h * w + y * w + x) / 64;
}

Deno.test("imageGrid() places a 2×3 grid's images at their pixel positions", async () => {
  await withoutLeaks(async () => {
    const [n, h, w, columns, padding, scale, background] = [6, 2, 3, 3, 1, 2, 0.5];
    const images = tf.tensor3d(
      Array.from(
        { length: n * h * w },
        (_, i) => value(Math.floor(i / (h * w)), Math.floor(i / w) % h, i % w, h, w),
      ),
      [n, h, w],
    );
    const grid = await imageGrid(images, { columns, padding, scale, background });
    images.dispose();
    // Three columns of 3·2 px and four paddings; two rows of 2·2 px and three paddings.
    assert.deepEqual([grid.width, grid.height, grid.channels], [22, 11, 1]);
    // The reference walks the output pixels and asks which cell and source pixel each shows.
    const expected: number[] = [];
    for (let row = 0; row < grid.height; row++) {
      for (let col = 0; col < grid.width; col++) {
        const cellX = Math.floor((col - padding) / (w * scale + padding)),
          inX = (col - padding) % (w * scale + padding);
        const cellY = Math.floor((row - padding) / (h * scale + padding)),
          inY = (row - padding) % (h * scale + padding);
        const inside = col >= padding && row >= padding && inX < w * scale && inY < h * scale;
        const v = inside
          ? value(cellY * columns + cellX, Math.floor(inY / scale), Math.floor(inX / scale), h, w)
          : background;
        expected.push(Math.round(v * 255));
      }
    }
    assert.deepEqual(Array.from(grid.data), expected);
    // Image 4 (row 1, column 1) starts at x = 1 + 1·(6 + 1), y = 1 + 1·(4 + 1).
    assert.equal(grid.data[6 * grid.width + 8], Math.round(value(4, 0, 0, h, w) * 255));
  });
});

Deno.test("imageGrid() keeps RGB channels interleaved and fills empty cells with the background", async () => {
  await withoutLeaks(async () => {
    const images = tf.tensor4d([1, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0, 0], [2, 1, 2, 3]);
    const grid = await imageGrid(images, { columns: 3, padding: 0, background: 1 });
    images.dispose();
    assert.deepEqual([grid.width, grid.height, grid.channels], [6, 1, 3]);
    assert.deepEqual(
      Array.from(grid.data),
      [255, 0, 0, 0, 0, 255, 0, 255, 0, 0, 0, 0, 255, 255, 255, 255, 255, 255],
    );
  });
});

Deno.test("imageGrid() reads [N, H, W, 1] as grey", async () => {
  await withoutLeaks(async () => {
    const images = tf.tensor4d([0, 1], [2, 1, 1, 1]);
    const grid = await imageGrid(images, { columns: 2, padding: 0 });
    images.dispose();
    assert.deepEqual([grid.width, grid.height, grid.channels, Array.from(grid.data)], [2, 1, 1, [0, 255]]);
  });
});

Deno.test("imageGrid() defaults to a square-ish grid with 2 px of white padding", async () => {
  await withoutLeaks(async () => {
    const images = tf.zeros([5, 1, 1]) as tf.Tensor3D;
    const grid = await imageGrid(images);
    images.dispose();
    assert.deepEqual([grid.width, grid.height], [3 + 4 * 2, 2 + 3 * 2]); // 3 columns, 2 rows
    assert.equal(grid.data[0], 255);
  });
});

Deno.test("imageGrid() rejects NaN and values outside [0, 1], naming the pixel", async () => {
  await withoutLeaks(async () => {
    const nan = tf.tensor3d([0, 0, NaN, 0], [1, 2, 2]);
    await assert.rejects(
      imageGrid(nan),
      (e: Error) => e instanceof RangeError && /NaN at \[0, 1, 0\]/.test(e.message),
    );
    const bright = tf.tensor4d([0, 0, 0, 0, 1.5, 0], [1, 1, 2, 3]);
    await assert.rejects(imageGrid(bright), /values in \[0, 1\]: current value is 1\.5 at \[0, 0, 1, 1\]/);
    const negative = tf.tensor3d([-0.01], [1, 1, 1]);
    await assert.rejects(imageGrid(negative), RangeError);
    tf.dispose([nan, bright, negative]);
  });
});

Deno.test("imageGrid() rejects bad shapes, dtypes and options before reading pixels", async () => {
  await withoutLeaks(async () => {
    const twoChannels = tf.zeros([1, 2, 2, 2]) as tf.Tensor4D;
    await assert.rejects(imageGrid(twoChannels), TypeError);
    const ints = tf.zeros([1, 2, 2], "int32") as tf.Tensor3D;
    await assert.rejects(imageGrid(ints), /dtype float32/);
    const empty = tf.zeros([0, 2, 2]) as tf.Tensor3D;
    await assert.rejects(imageGrid(empty), TypeError);
    const ok = tf.zeros([2, 2, 2]) as tf.Tensor3D;
    await assert.rejects(imageGrid(ok, { columns: 0 }), /'columns' must be an integer >= 1/);
    await assert.rejects(imageGrid(ok, { scale: 1.5 }), RangeError);
    await assert.rejects(imageGrid(ok, { padding: -1 }), RangeError);
    await assert.rejects(imageGrid(ok, { background: 2 }), RangeError);
    tf.dispose([twoChannels, ints, empty, ok]);
  });
});

Deno.test("imageGrid() draws an ndarray batch, read row-major whatever its strides, as it draws the tensor", async () => {
  await withoutLeaks(async () => {
    const [n, h, w] = [3, 2, 3];
    const pixels = Float32Array.from({ length: n * h * w }, (_, i) => i / 32);
    const images = tf.tensor3d(pixels, [n, h, w]);
    const want = await imageGrid(images, { columns: 2, padding: 1 });
    images.dispose();
    assert.deepEqual(await imageGrid(ndarray(pixels, [n, h, w]), { columns: 2, padding: 1 }), want);
    // The same batch stored width-first ([N, W, H]), seen through a transposed view.
    const widthFirst = new Float64Array(n * h * w);
    for (let i = 0; i < n; i++) {
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) widthFirst[(i * w + x) * h + y] = pixels[(i * h + y) * w + x];
      }
    }
    const view = ndarray(widthFirst, [n, w, h]).transpose(0, 2, 1);
    assert.deepEqual(await imageGrid(view, { columns: 2, padding: 1 }), want);
  });
});

Deno.test("imageGrid() rejects an ndarray of integers or of the wrong rank", async () => {
  await assert.rejects(
    imageGrid(ndarray(new Uint8Array(4), [1, 2, 2])),
    new RangeError(
      `Cannot draw an image grid as 'images.dtype' must be one of "float32", "float64", "array": current value is "uint8"`,
    ),
  );
  await assert.rejects(imageGrid(ndarray(new Float32Array(4), [2, 2])), /must be of shape \[N, H, W\]/);
});
