/**
 * Static SVG line charts: the rendition of a {@linkcode Chart} that needs no JavaScript, for
 * notebooks viewed on a code host and for pages without plotly.
 *
 * @module
 */
import { checkInteger } from "../validate/mod.ts";
import { type Axis, linearAxis, logAxis } from "./_axis.ts";
import { escapeHtml } from "./_escape.ts";
import { checkChart, keptPoints, seriesColor } from "./_series.ts";
import type { Chart, ChartSeries } from "./chart.ts";

/** Options of {@linkcode svgLineChart}. */
export interface SvgChartOptions {
  /**
   * Width in pixels: enough for the margins, the legend and 120 pixels of plot (about 240 with
   * short series names).
   *
   * @default {640}
   */
  readonly width?: number;
  /**
   * Height in pixels, at least 168.
   *
   * @default {360}
   */
  readonly height?: number;
}

/** Plot area margins; the legend takes extra room on the right. */
const MARGIN = { left: 64, right: 16, top: 40, bottom: 48 };
const FONT = "system-ui, -apple-system, 'Segoe UI', Helvetica, Arial, sans-serif";
/** Legend names are cut to this many characters so the plot keeps its room. */
const LEGEND_CHARS = 24;

interface Box {
  readonly left: number;
  readonly right: number;
  readonly top: number;
  readonly bottom: number;
}

/**
 * Draws a chart as a standalone SVG document: title, axes with ticks and grid lines, axis titles,
 * one `<path class="dimo-series">` per series drawn with lines (markers as circles), and a legend
 * on the right. Points with a non-finite x or y (or y ≤ 0 with `logY`) are left out and the line
 * joins their neighbours, as in {@linkcode plotlyFigure}. Long curves are thinned to four points
 * per pixel column (first, lowest, highest, last), which draws the same picture in a small file.
 *
 * @param chart The chart.
 * @param options Size in pixels.
 * @returns The SVG markup, starting with `<svg xmlns=…>`; every text is escaped.
 * @throws {TypeError} If a title is not a string or a series' `x` and `y` differ in length.
 * @throws {RangeError} If a size is not an integer or leaves the plot less than 120 × 80
 * pixels, or a `mode` is unknown.
 *
 * @example A falling loss
 * ```ts
 * import assert from "node:assert";
 * import { svgLineChart } from "@dimo/dimo";
 * const svg = svgLineChart({
 *   title: "Aux loss",
 *   xLabel: "iteration",
 *   yLabel: "loss",
 *   series: [{ name: "aux", x: [0, 10, 20], y: [2.0, 1.2, 0.9] }],
 * });
 * assert.ok(svg.startsWith("<svg"));
 * assert.equal(svg.match(/class="dimo-series"/g)?.length, 1);
 * ```
 */
export function svgLineChart(chart: Chart, options: SvgChartOptions = {}): string {
  const action = "draw an SVG line chart";
  checkChart(action, chart);
  const { width = 640, height = 360 } = options;
  const legendWidth = legendSize(chart.series);
  // The plot itself keeps at least 120 × 80 pixels beside the margins and the legend.
  checkInteger(action, "width", width, MARGIN.left + MARGIN.right + legendWidth + 120);
  checkInteger(action, "height", height, MARGIN.top + MARGIN.bottom + 80);
  const logY = chart.logY ?? false;
  const points = chart.series.map((s) => keptPoints(s, logY));
  const box = {
    left: MARGIN.left,
    right: width - MARGIN.right - legendWidth,
    top: MARGIN.top,
    bottom: height - MARGIN.bottom,
  };
  const xAxis = linearAxis(
    points.flatMap((p) => p.x),
    box.left,
    box.right,
    Math.max(2, (box.right - box.left) / 90),
  );
  const yAxis = (logY ? logAxis : linearAxis)(
    points.flatMap((p) => p.y),
    box.bottom,
    box.top,
    Math.max(2, (box.bottom - box.top) / 60),
  );
  const yLabelPlace = `translate(16 ${px((box.top + box.bottom) / 2)}) rotate(-90)`; // reads bottom to top
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}"` +
    ` font-family="${FONT}" font-size="11" role="img">`,
    `<title>${escapeHtml(chart.title)}</title>`,
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
    axesSvg(xAxis, yAxis, box),
    ...chart.series.map((s, i) => seriesSvg(s, i, points[i], xAxis, yAxis)),
    legendSvg(chart.series, box.right + 12, box.top),
    textSvg(chart.title, width / 2, 22, 'text-anchor="middle" font-size="14" font-weight="600"'),
    textSvg(chart.xLabel, (box.left + box.right) / 2, height - 10, 'text-anchor="middle" font-size="12"'),
    textSvg(chart.yLabel, 0, 0, `text-anchor="middle" font-size="12" transform="${yLabelPlace}"`),
    "</svg>",
  ].join("\n");
}

/** A pixel coordinate to one decimal: sharp enough, and short. */
function px(v: number): string {
  return String(Math.round(v * 10) / 10);
}

function textSvg(text: string, x: number, y: number, attributes: string): string {
  return `<text x="${px(x)}" y="${px(y)}" ${attributes}>${escapeHtml(text)}</text>`;
}

function axesSvg(xAxis: Axis, yAxis: Axis, box: Box): string {
  const lines: string[] = ['<g class="dimo-axes" stroke="#e5e5e5" fill="#444">'];
  for (const { value, label } of xAxis.ticks) {
    const x = px(xAxis.at(value));
    lines.push(`<line x1="${x}" x2="${x}" y1="${box.top}" y2="${box.bottom}"/>`);
    lines.push(
      `<text x="${x}" y="${box.bottom + 16}" stroke="none" text-anchor="middle">${escapeHtml(label)}</text>`,
    );
  }
  for (const { value, label } of yAxis.ticks) {
    const y = px(yAxis.at(value));
    lines.push(`<line x1="${box.left}" x2="${box.right}" y1="${y}" y2="${y}"/>`);
    lines.push(
      `<text x="${box.left - 6}" y="${y}" stroke="none" text-anchor="end" dominant-baseline="middle">${
        escapeHtml(label)
      }</text>`,
    );
  }
  lines.push(
    `<path d="M${box.left} ${box.top}V${box.bottom}H${box.right}" stroke="#444" fill="none"/>`,
    "</g>",
  );
  return lines.join("\n");
}

function seriesSvg(
  series: ChartSeries,
  index: number,
  points: { x: number[]; y: number[] },
  xAxis: Axis,
  yAxis: Axis,
): string {
  const mode = series.mode ?? "lines";
  const color = seriesColor(index);
  const x = points.x.map((v) => xAxis.at(v)), y = points.y.map((v) => yAxis.at(v));
  const parts: string[] = [];
  if (mode !== "markers") {
    const d = thin(x, y).map((i, k) => `${k === 0 ? "M" : "L"}${px(x[i])} ${px(y[i])}`).join("");
    parts.push(`<path class="dimo-series" d="${d}" fill="none" stroke="${color}" stroke-width="1.5"/>`);
  }
  if (mode !== "lines") {
    const circles = x.map((_, i) => `<circle cx="${px(x[i])}" cy="${px(y[i])}" r="3"/>`).join("");
    parts.push(`<g class="dimo-markers" fill="${color}">${circles}</g>`);
  }
  return parts.join("\n");
}

/**
 * Indices of the points to draw: of each run of consecutive points in one pixel column, the
 * first, the lowest, the highest and the last (the M4 rule). The thinned line covers the same
 * pixels, so 10⁵ iterations cost a few kilobytes.
 */
function thin(x: readonly number[], y: readonly number[]): number[] {
  const kept: number[] = [];
  for (let start = 0; start < x.length;) {
    const column = Math.floor(x[start]);
    let end = start + 1, low = start, high = start;
    for (; end < x.length && Math.floor(x[end]) === column; end++) {
      if (y[end] < y[low]) low = end;
      if (y[end] > y[high]) high = end;
    }
    kept.push(...new Set([start, low, high, end - 1].sort((a, b) => a - b)));
    start = end;
  }
  return kept;
}

function legendName(name: string): string {
  return name.length > LEGEND_CHARS ? `${name.slice(0, LEGEND_CHARS - 1)}…` : name;
}

/** Width of the legend column: a swatch and the longest name at about 6.5 px a character. */
function legendSize(series: readonly ChartSeries[]): number {
  const chars = Math.max(0, ...series.map((s) => legendName(s.name).length));
  return series.length === 0 ? 0 : 40 + Math.ceil(chars * 6.5);
}

function legendSvg(series: readonly ChartSeries[], left: number, top: number): string {
  const entries = series.map((s, i) => {
    const y = top + 8 + 18 * i, color = seriesColor(i), mode = s.mode ?? "lines";
    const swatch = (mode !== "markers"
      ? `<line x1="${left}" x2="${left + 20}" y1="${y}" y2="${y}" stroke="${color}" stroke-width="2"/>`
      : "") +
      (mode !== "lines" ? `<circle cx="${left + 10}" cy="${y}" r="3" fill="${color}"/>` : "");
    return `${swatch}${textSvg(legendName(s.name), left + 26, y, 'dominant-baseline="middle" fill="#222"')}`;
  });
  return `<g class="dimo-legend">${entries.join("")}</g>`;
}
