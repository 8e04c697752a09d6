import assert from "node:assert/strict";
import { renderScene, type Scene } from "../data/mod.ts";
import { drawJudgement, judgeScene } from "./mod.ts";

const scene: Scene = {
  prompt: { task: "two_object", shapes: ["square", "circle"] },
  style: "flat",
  objects: [
    { shape: "square", color: "blue", x: 3, y: 4, width: 9, height: 9 },
    { shape: "circle", color: "red", x: 18, y: 16, width: 10, height: 10 },
  ],
  seed: 0,
};
const image = renderScene(scene);

/** The RGB bytes of output pixel (row, col). */
const pixel = (drawn: { width: number; data: Uint8Array }, row: number, col: number) => {
  const at = (row * drawn.width + col) * 3;
  return [...drawn.data.subarray(at, at + 3)];
};

Deno.test("drawJudgement() scales the image and outlines every object in rings just outside its box", () => {
  const judgement = judgeScene(image, scene.prompt);
  assert.equal(judgement.correct, true);
  assert.equal(judgement.objects.length, 2);
  const drawn = drawJudgement(image, judgement, { scale: 3 });
  assert.deepEqual([drawn.width, drawn.height, drawn.channels], [96, 96, 3]);
  const green = [0, 200, 0];
  for (const { x, y, width, height } of judgement.objects) {
    // Rings outward from the box: black, then two green; corners and side middles.
    for (const [ring, rgb] of [[1, [0, 0, 0]], [2, green], [3, green]] as const) {
      const [top, bottom] = [3 * y - ring, 3 * (y + height) - 1 + ring];
      const [left, right] = [3 * x - ring, 3 * (x + width) - 1 + ring];
      for (const [r, c] of [[top, left], [top, right], [bottom, left], [bottom, right]]) {
        assert.deepEqual(pixel(drawn, r!, c!), rgb, `ring ${ring} at ${r}, ${c}`);
      }
      assert.deepEqual(pixel(drawn, top, (left + right) >> 1), rgb);
      assert.deepEqual(pixel(drawn, (top + bottom) >> 1, left), rgb);
    }
    const [top, bottom, left, right] = [3 * y - 1, 3 * (y + height), 3 * x - 1, 3 * (x + width)];
    // Inside the box, every output pixel is its source pixel's colour.
    for (let r = top + 1; r < bottom; r++) {
      for (let c = left + 1; c < right; c++) {
        const from = (Math.floor(r / 3) * 32 + Math.floor(c / 3)) * 3;
        assert.deepEqual(pixel(drawn, r, c), [...image.subarray(from, from + 3)]);
      }
    }
  }
  // Far from both objects, the background is unchanged.
  assert.deepEqual(pixel(drawn, 95, 0), [...image.subarray((31 * 32) * 3, (31 * 32) * 3 + 3)]);
});

Deno.test("drawJudgement() outlines in red when the judgement is wrong, and clips at the border", () => {
  const prompt = { task: "counting", shape: "square", count: 2 } as const;
  const corner: Scene = {
    prompt,
    style: "flat",
    objects: [{ shape: "square", color: "green", x: 0, y: 0, width: 9, height: 9 }],
    seed: 0,
  };
  const render = renderScene(corner);
  const judgement = judgeScene(render, prompt);
  assert.equal(judgement.correct, false);
  const drawn = drawJudgement(render, judgement);
  assert.equal(drawn.width, 128);
  const { x, y, width, height } = judgement.objects[0]!;
  assert.deepEqual([x, y], [0, 0]);
  assert.deepEqual(pixel(drawn, 4 * (y + height), 4 * (x + width)), [0, 0, 0]);
  assert.deepEqual(pixel(drawn, 4 * (y + height) + 1, 4 * (x + width) + 1), [230, 0, 0]);
  assert.deepEqual(pixel(drawn, 0, 4 * (x + width) + 2), [230, 0, 0]);
});

Deno.test("drawJudgement() rejects an image of the wrong size and a bad scale", () => {
  const judgement = judgeScene(image, scene.prompt);
  assert.throws(
    () => drawJudgement(image.subarray(3), judgement),
    /Cannot draw a judgement as 'image.length' must be 3072: current value is 3069/,
  );
  assert.throws(() => drawJudgement(image, judgement, { scale: 0 }), /'scale'/);
  assert.throws(() => drawJudgement(image, judgement, { scale: 1.5 }), /'scale'/);
});
