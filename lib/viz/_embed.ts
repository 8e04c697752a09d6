/**
 * A chart as HTML: the static SVG, replaced by a plotly chart when plotly.js is loaded in the
 * page. Shared by the HTML report and the Jupyter display, which also shows tables through here.
 *
 * @module
 */
import { type Chart, plotlyFigure } from "./chart.ts";
import { inlineScript, scriptJson } from "./_escape.ts";
import { svgLineChart } from "./svg_chart.ts";
import { htmlTable, markdownTable, type Table } from "./table.ts";

/**
 * Browser code run right after a chart's `<div>`: draws the plotly chart into it and then drops
 * the static SVG. Without `window.Plotly` (scripts blocked, a notebook reopened without its
 * kernel session) it does nothing and the SVG stays. The promise goes to `window.dimoCharts`
 * for the report's status script.
 */
const RENDER_CHART = `function (script, figure) {
  var holder = script && script.previousElementSibling;
  if (!holder || !window.Plotly) return;
  var target = document.createElement("div");
  holder.appendChild(target);
  var drawn = window.Plotly.newPlot(target, figure.data, figure.layout, { responsive: true, displaylogo: false })
    .then(function () {
      var fallback = holder.querySelector(".dimo-chart-static");
      if (fallback) fallback.remove();
    });
  (window.dimoCharts = window.dimoCharts || []).push(drawn);
}`;

/**
 * The HTML of one chart: plotly.js itself first when `plotly` is given, then the chart's
 * `<div class="dimo-chart">` holding the static SVG, then the script that draws it with plotly.
 */
export function chartHtml(chart: Chart, plotly?: string): string {
  const figure = plotlyFigure(chart);
  return [
    plotly === undefined ? "" : inlineScript(plotly),
    `<div class="dimo-chart"><div class="dimo-chart-static">${svgLineChart(chart)}</div></div>`,
    inlineScript(`(${RENDER_CHART})(document.currentScript, ${scriptJson(figure)});`),
  ].filter((part) => part !== "").join("\n");
}

/** Options of {@linkcode chartBundle}. */
export interface ChartBundleOptions {
  /** Whether to include the `text/html` rendition (plotly). */
  readonly interactive: boolean;
  /** plotly.js's source, for the first interactive chart of a kernel session. */
  readonly plotly?: string;
}

/**
 * A Jupyter display bundle: `image/svg+xml` (the static chart, for viewers that run no
 * JavaScript), `text/html` when interactive (the same SVG, drawn over by plotly where scripts
 * run) and `text/plain` (the title).
 */
export function chartBundle(chart: Chart, options: ChartBundleOptions): Record<string, string> {
  const bundle: Record<string, string> = { "text/plain": chart.title, "image/svg+xml": svgLineChart(chart) };
  if (options.interactive) bundle["text/html"] = chartHtml(chart, options.plotly);
  return bundle;
}

/**
 * A Jupyter display bundle of a table: `text/html` (what notebook front ends show: a Markdown
 * table whose cells hold an escaped `|` breaks in some of their Markdown renderers), `text/markdown`
 * and `text/plain` (the Markdown, for viewers without HTML).
 */
export function tableBundle(table: Table): Record<string, string> {
  const markdown = markdownTable(table);
  return { "text/plain": markdown, "text/markdown": markdown, "text/html": htmlTable(table) };
}
