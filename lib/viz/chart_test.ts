import assert from "node:assert/strict";
import ndarray from "ndarray";
import { type Chart, plotlyFigure } from "./mod.ts";

const chart: Chart = {
  title: "Losses",
  xLabel: "iteration",
  yLabel: "loss",
  series: [
    { name: "aux", x: [0, 1, 2, 3, 4], y: [2, NaN, 1, -Infinity, 0.5] },
    { name: "student", x: [0, NaN, 2], y: [0, 1, 2], mode: "lines+markers" },
  ],
};

Deno.test("plotlyFigure() keeps the finite points of each series, in order", () => {
  const { data } = plotlyFigure(chart);
  assert.deepEqual(data.map((t) => [t.name, t.mode, t.x, t.y]), [
    ["aux", "lines", [0, 2, 4], [2, 1, 0.5]],
    ["student", "lines+markers", [0, 2], [0, 2]],
  ]);
  // What reaches the page is JSON: no NaN turned into null on the way.
  assert.ok(!JSON.stringify(data).includes("null"));
});

Deno.test("plotlyFigure() on a log axis also leaves out y ≤ 0", () => {
  const { data, layout } = plotlyFigure({ ...chart, logY: true });
  assert.deepEqual(data[1].y, [2]);
  assert.equal((layout.yaxis as { type: string }).type, "log");
});

Deno.test("plotlyFigure() titles the chart and axes and colours series in the default cycle", () => {
  const { data, layout } = plotlyFigure(chart);
  assert.deepEqual(layout.title, { text: "Losses" });
  assert.deepEqual((layout.xaxis as { title: unknown }).title, { text: "iteration" });
  assert.deepEqual(data.map((t) => t.line.color), ["#1f77b4", "#ff7f0e"]);
});

Deno.test("plotlyFigure() rejects series whose x and y differ in length, and unknown modes", () => {
  const uneven = { ...chart, series: [{ name: "a", x: [0, 1], y: [1] }] };
  assert.throws(() => plotlyFigure(uneven), /'series\[0\]\.y' must be as long as series\[0\]\.x \(2\)/);
  const dashed = { ...chart, series: [{ name: "a", x: [0], y: [1], mode: "dashes" as "lines" }] };
  assert.throws(() => plotlyFigure(dashed), RangeError);
  const untitled = { ...chart, title: 3 as unknown as string };
  assert.throws(() => plotlyFigure(untitled), TypeError);
});

Deno.test("plotlyFigure() takes 1-D ndarrays as series coordinates, views included", () => {
  const values = new Float64Array([9, 2, 9, NaN, 9, 1, 9, -Infinity, 9, 0.5]);
  const y = ndarray(values, [5], [2], 1); // every other element, from the second
  const { data } = plotlyFigure({ ...chart, series: [{ name: "aux", x: ndarray([0, 1, 2, 3, 4], [5]), y }] });
  assert.deepEqual(data.map((t) => [t.x, t.y]), [[[0, 2, 4], [2, 1, 0.5]]]);
});

Deno.test("plotlyFigure() rejects a 2-D ndarray series and an ndarray as long as nothing else", () => {
  const square = { ...chart, series: [{ name: "a", x: ndarray([0, 1, 2, 3], [2, 2]), y: [1, 2] }] };
  assert.throws(() => plotlyFigure(square), /'series\[0\]\.x' must be an array of numbers or a 1-D ndarray/);
  const uneven = { ...chart, series: [{ name: "a", x: [0, 1], y: ndarray([1, 2, 3], [3]) }] };
  assert.throws(
    () => plotlyFigure(uneven),
    /'series\[0\]\.y' must be as long as series\[0\]\.x \(2\): current value is 3/,
  );
});
