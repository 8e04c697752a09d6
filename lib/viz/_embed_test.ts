import assert from "node:assert/strict";
import { chartBundle, chartHtml } from "./_embed.ts";
import { type Chart, svgLineChart } from "./mod.ts";

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
