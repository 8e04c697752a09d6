import assert from "node:assert/strict";
import * as tf from "../backend/tf.ts";
import { useTestBackend, withoutLeaks } from "../backend/testing.ts";
import ndarray from "ndarray";
import { encodePng, showChart, showImage, showImageGrid, showTable } from "./mod.ts";

await useTestBackend();

// `deno test` is not the Jupyter kernel: each function must say so rather than fail obscurely.
const outside =
  /Cannot show an? [a-z ]+ as 'Deno\.jupyter' must be available: run this in a Jupyter notebook/;

Deno.test("showImage(), showChart() and showTable() name Deno.jupyter outside a notebook", async () => {
  const png = encodePng({ width: 1, height: 1, channels: 1, data: new Uint8Array([0]) });
  await assert.rejects(showImage(png), outside);
  await assert.rejects(showImage(ndarray(new Uint8Array([0, 255]), [1, 2])), outside);
  await assert.rejects(showChart({ title: "t", xLabel: "x", yLabel: "y", series: [] }), outside);
  await assert.rejects(showTable({ columns: ["a"], rows: [[1]] }), outside);
});

Deno.test("showImageGrid() names Deno.jupyter outside a notebook without reading the images", async () => {
  await withoutLeaks(async () => {
    const images = tf.zeros([2, 2, 2]) as tf.Tensor3D;
    await assert.rejects(showImageGrid(images), outside);
    images.dispose();
    await assert.rejects(showImageGrid(ndarray(new Float32Array(8), [2, 2, 2])), outside);
  });
});
