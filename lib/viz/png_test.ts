import assert from "node:assert/strict";
import * as tf from "../backend/tf.ts";
import { useTestBackend, withoutLeaks } from "../backend/testing.ts";
import ndarray from "ndarray";
import { decodePng } from "./_fast_png.ts";
import { encodePng, imageGrid, pngDataUri, type RasterImage } from "./mod.ts";

await useTestBackend();

function roundTrip(image: RasterImage): void {
  const decoded = decodePng(encodePng(image));
  assert.deepEqual(
    [decoded.width, decoded.height, decoded.channels, decoded.depth],
    [image.width, image.height, image.channels, 8],
  );
  assert.deepEqual(Array.from(decoded.data), Array.from(image.data));
}

Deno.test("encodePng() round-trips grey, RGB and RGBA pixels through the decoder", () => {
  const bytes = (n: number) => Uint8Array.from({ length: n }, (_, i) => (i * 37) % 256);
  roundTrip({ width: 5, height: 3, channels: 1, data: bytes(15) });
  roundTrip({ width: 4, height: 2, channels: 3, data: bytes(24) });
  roundTrip({ width: 2, height: 2, channels: 4, data: bytes(16) });
});

Deno.test("encodePng() encodes an image grid that decodes to the same pixels", async () => {
  await withoutLeaks(async () => {
    const images = tf.tidy(() => tf.randomUniform([6, 4, 4, 3], 0, 1, "float32", 7)) as tf.Tensor4D;
    const grid = await imageGrid(images, { columns: 3, scale: 2 });
    images.dispose();
    roundTrip(grid);
  });
});

Deno.test("encodePng() rejects a wrong byte count, channel count or size", () => {
  assert.throws(() => encodePng({ width: 2, height: 2, channels: 1, data: new Uint8Array(3) }), /4 bytes/);
  assert.throws(
    () => encodePng({ width: 1, height: 1, channels: 2 as 1, data: new Uint8Array(2) }),
    /'channels' must be 1, 3 or 4/,
  );
  assert.throws(() => encodePng({ width: 0, height: 1, channels: 1, data: new Uint8Array(0) }), RangeError);
});

Deno.test("pngDataUri() holds the PNG's bytes in base64", () => {
  const png = encodePng({
    width: 300,
    height: 200,
    channels: 3,
    data: Uint8Array.from({ length: 180_000 }, (_, i) => i % 251),
  });
  const uri = pngDataUri(png);
  assert.ok(uri.startsWith("data:image/png;base64,"));
  const decoded = Uint8Array.from(atob(uri.slice("data:image/png;base64,".length)), (c) => c.charCodeAt(0));
  assert.deepEqual(decoded, png);
});

Deno.test("pngDataUri() rejects bytes that are not a PNG", () => {
  assert.throws(
    () => pngDataUri(new Uint8Array([0xff, 0xd8, 0xff])),
    /PNG signature: current value is \[255,216,255\]/,
  );
});

Deno.test("encodePng() encodes a uint8 ndarray [H, W, C] or [H, W], whatever its strides", () => {
  const image: RasterImage = {
    width: 3,
    height: 2,
    channels: 3,
    data: Uint8Array.from({ length: 18 }, (_, i) => i * 9),
  };
  const want = encodePng(image);
  assert.deepEqual(encodePng(ndarray(image.data, [2, 3, 3])), want);
  // get-pixels' layout, [W, H, C] with x fastest in memory: transposed to rows first.
  const widthFirst = ndarray(image.data, [3, 2, 3], [3, 9, 1]);
  assert.deepEqual(encodePng(widthFirst.transpose(1, 0, 2)), want);
  const grey = ndarray(new Uint8ClampedArray([0, 128, 255, 64]), [2, 2]);
  assert.deepEqual(
    encodePng(grey),
    encodePng({ width: 2, height: 2, channels: 1, data: new Uint8Array([0, 128, 255, 64]) }),
  );
});

Deno.test("encodePng() rejects an ndarray that is not uint8 [H, W] or [H, W, C]", () => {
  assert.throws(
    () => encodePng(ndarray(new Float32Array(4), [2, 2])),
    new RangeError(
      `Cannot encode a PNG as 'image.dtype' must be one of "uint8", "uint8_clamped": current value is "float32"`,
    ),
  );
  assert.throws(
    () => encodePng(ndarray(new Uint8Array(4), [4])),
    /'image.shape' must be \[H, W\] or \[H, W, C\]/,
  );
  assert.throws(() => encodePng(ndarray(new Uint8Array(8), [2, 2, 2])), /'channels' must be 1, 3 or 4/);
});
