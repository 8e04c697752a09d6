import assert from "node:assert/strict";
import { type Chart, svgLineChart } from "./mod.ts";

/** The vertices of each series path, in pixels. */
function paths(svg: string): [number, number][][] {
  return [...svg.matchAll(/<path class="dimo-series" d="([^"]*)"/g)].map((m) =>
    [...m[1].matchAll(/[ML](-?[\d.]+) (-?[\d.]+)/g)].map((v) => [Number(v[1]), Number(v[2])])
  );
}

const base = { title: "t", xLabel: "x", yLabel: "y" };

Deno.test("svgLineChart() draws one path per line series and markers as circles", () => {
  const svg = svgLineChart({
    ...base,
    series: [
      { name: "a", x: [0, 1], y: [0, 1] },
      { name: "b", x: [0, 1], y: [1, 0], mode: "lines+markers" },
      { name: "c", x: [0, 1], y: [0.5, 0.5], mode: "markers" },
    ],
  });
  assert.equal(paths(svg).length, 2);
  assert.equal(svg.match(/<g class="dimo-markers"/g)?.length, 2);
  assert.equal(svg.match(/<circle /g)?.length, 4 + 2); // 4 markers and 2 legend swatches
});

Deno.test("svgLineChart() skips NaN and infinite points and joins their neighbours", () => {
  const svg = svgLineChart({
    ...base,
    series: [{ name: "a", x: [0, 1, 2, 3, NaN], y: [1, NaN, Infinity, 2, 5] }],
  });
  assert.equal(paths(svg)[0].length, 2);
  assert.ok(!/NaN|Infinity/.test(svg));
});

Deno.test("svgLineChart() maps the data extent onto the plot area", () => {
  // Width 640 less a 16 px margin and the legend (40 + 7 px for "a"); height 360 less 40 and 48 px.
  const svg = svgLineChart({ ...base, series: [{ name: "a", x: [0, 10], y: [0, 1] }] });
  assert.deepEqual(paths(svg)[0], [[64, 312], [577, 40]]);
  assert.ok(svg.includes(">0.2</text>") && svg.includes(">10</text>"));
});

Deno.test("svgLineChart() on a log axis labels decades and leaves out y ≤ 0", () => {
  const svg = svgLineChart({
    ...base,
    logY: true,
    series: [{ name: "a", x: [0, 1, 2, 3], y: [0.01, 0, -1, 5] }],
  });
  assert.equal(paths(svg)[0].length, 2);
  for (const label of ["0.01", "0.1", "1", "10"]) assert.ok(svg.includes(`>${label}</text>`), label);
});

Deno.test("svgLineChart() thins a long curve to a few points per pixel column, keeping its extremes", () => {
  const n = 100_000;
  const x = Array.from({ length: n }, (_, i) => i);
  const y = x.map((i) => Math.sin(i / 7) * Math.exp(-i / n));
  const chart: Chart = { ...base, series: [{ name: "a", x, y }] };
  const svg = svgLineChart(chart);
  const [points] = paths(svg);
  assert.ok(points.length <= 4 * 600, `${points.length} points`);
  const ys = points.map((p) => p[1]);
  const full = svgLineChart({
    ...chart,
    series: [{ name: "a", x: x.slice(0, 2), y: [Math.min(...y), Math.max(...y)] }],
  });
  // The extremes land on the same pixel rows as in a chart of the extremes alone (same y axis).
  assert.deepEqual([Math.max(...ys), Math.min(...ys)], paths(full)[0].map((p) => p[1]));
  assert.ok(svg.length < 60_000, `${svg.length} characters`);
});

Deno.test("svgLineChart() escapes titles, labels and names", () => {
  const svg = svgLineChart({
    title: "</svg><script>alert(1)</script>",
    xLabel: "a & b",
    yLabel: '"y"',
    series: [{ name: "<b>", x: [0], y: [0] }],
  });
  assert.ok(!svg.includes("<script") && !svg.includes("<b>"));
  assert.ok(
    svg.includes("&lt;/svg&gt;&lt;script&gt;") && svg.includes("a &amp; b") && svg.includes("&quot;y&quot;"),
  );
});

Deno.test("svgLineChart() draws empty axes for a chart without points", () => {
  const svg = svgLineChart({ ...base, series: [{ name: "a", x: [NaN], y: [1] }] });
  assert.deepEqual(paths(svg), [[]]);
  assert.ok(svg.endsWith("</svg>"));
});

Deno.test("svgLineChart() rejects sizes too small to draw in", () => {
  assert.throws(() => svgLineChart({ ...base, series: [] }, { width: 100 }), RangeError);
  // Long names widen the legend: 40 + 24 characters · 6.5 px, so the plot needs 64 + 16 + 196 + 120.
  const named = { ...base, series: [{ name: "a".repeat(40), x: [0], y: [0] }] };
  assert.throws(() => svgLineChart(named, { width: 395 }), /'width' must be an integer >= 396/);
  assert.ok(svgLineChart(named, { width: 396 }).includes(`${"a".repeat(23)}…`));
  assert.throws(() => svgLineChart({ ...base, series: [] }, { height: 200.5 }), RangeError);
});
