import assert from "node:assert/strict";
import { chartBundle, chartHtml, tableBundle } from "./_embed.ts";
import { type Chart, htmlTable, markdownTable, svgLineChart } from "./mod.ts";

const chart: Chart = {
  title: "</script><script>alert(1)</script>",
  xLabel: "iteration",
  yLabel: "loss",
  series: [{ name: "aux", x: [0, 1], y: [1, 0.5] }],
};

Deno.test("chartBundle() holds the static SVG and, when interactive, HTML that draws plotly over it", () => {
  const bundle = chartBundle(chart, { interactive: true, plotly: "window.Plotly = {};" });
  assert.deepEqual(Object.keys(bundle).sort(), ["image/svg+xml", "text/html", "text/plain"]);
  assert.equal(bundle["image/svg+xml"], svgLineChart(chart));
  const html = bundle["text/html"];
  assert.ok(html.startsWith("<script>window.Plotly = {};</script>\n"));
  assert.ok(html.includes(`<div class="dimo-chart-static">${svgLineChart(chart)}</div>`));
  assert.ok(html.includes("Plotly.newPlot"));
});

Deno.test("chartBundle() without interactivity is the SVG alone; without plotly the HTML reuses the page's", () => {
  assert.deepEqual(Object.keys(chartBundle(chart, { interactive: false })).sort(), [
    "image/svg+xml",
    "text/plain",
  ]);
  assert.ok(chartHtml(chart).startsWith('<div class="dimo-chart">'));
});

Deno.test("chartHtml() keeps titles from closing its scripts", () => {
  const html = chartHtml(chart);
  // Our one script and its closing tag; the title's own tags appear only escaped.
  assert.equal(html.match(/<script>/g)?.length, 1);
  assert.equal(html.match(/<\/script>/g)?.length, 1);
  assert.ok(html.includes("\\u003c/script\\u003e"));
});

Deno.test("tableBundle() holds the table as HTML beside its Markdown, so a `|` in a title cannot break it", () => {
  const table = {
    columns: ["divergence", "max |analytic − autodiff|"],
    rows: [["fkl", 2.4e-7]],
    better: [null, "lower"],
  } as const;
  const bundle = tableBundle(table);
  assert.deepEqual(Object.keys(bundle).sort(), ["text/html", "text/markdown", "text/plain"]);
  assert.equal(bundle["text/markdown"], markdownTable(table));
  assert.equal(bundle["text/plain"], markdownTable(table));
  assert.equal(bundle["text/html"], htmlTable(table));
  assert.ok(
    bundle["text/html"].includes(
      '<th class="num" title="lower is better">max |analytic − autodiff|\u00a0↓</th>',
    ),
  );
});
