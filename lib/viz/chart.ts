/**
 * Line charts described once as data, drawn by plotly (interactive) or as a static SVG.
 *
 * @module
 */
import type { NdArray } from "../io/ndarray.ts";
import { checkChart, keptPoints, seriesColor } from "./_series.ts";

/** How a series is drawn: a line through its points, a marker at each point, or both. */
export type SeriesMode = "lines" | "markers" | "lines+markers";

/** One named curve of a {@linkcode Chart}. */
export interface ChartSeries {
  /** The legend entry. */
  readonly name: string;
  /** x coordinates: an array, or a 1-D ndarray. */
  readonly x: readonly number[] | NdArray;
  /** y coordinates, as many as `x`: an array, or a 1-D ndarray. Points with a non-finite x or y are not drawn. */
  readonly y: readonly number[] | NdArray;
  /**
   * How the series is drawn.
   *
   * @default {"lines"}
   */
  readonly mode?: SeriesMode;
}

/** A chart of curves against one x axis: what {@linkcode plotlyFigure} and {@linkcode svgLineChart} draw. */
export interface Chart {
  /** The title above the plot. */
  readonly title: string;
  /** The x axis title ("iteration"). */
  readonly xLabel: string;
  /** The y axis title ("loss"). */
  readonly yLabel: string;
  /** The curves, coloured in order. */
  readonly series: readonly ChartSeries[];
  /**
   * Whether the y axis is logarithmic; points with y ≤ 0 are then not drawn.
   *
   * @default {false}
   */
  readonly logY?: boolean;
}

/** One plotly scatter trace, as {@linkcode plotlyFigure} makes it. */
export interface PlotlyTrace {
  /** Always `"scatter"`. */
  readonly type: "scatter";
  /** Lines, markers or both. */
  readonly mode: SeriesMode;
  /** The legend entry. */
  readonly name: string;
  /** x coordinates of the drawn points. */
  readonly x: readonly number[];
  /** y coordinates of the drawn points. */
  readonly y: readonly number[];
  /** The line's colour and width. */
  readonly line: { readonly color: string; readonly width: number };
  /** The markers' colour and size. */
  readonly marker: { readonly color: string; readonly size: number };
}

/** A plotly figure: the `data` and `layout` arguments of `Plotly.newPlot`, as plain JSON. */
export interface PlotlyFigure {
  /** One trace per series. */
  readonly data: readonly PlotlyTrace[];
  /** Titles, axes and legend. */
  readonly layout: Readonly<Record<string, unknown>>;
}

/**
 * Describes a chart as a plotly figure (scatter traces and a layout), with the colours and
 * point rule of {@linkcode svgLineChart} so both renditions match. Points with a non-finite x or
 * y (or y ≤ 0 with `logY`) are left out and the line joins their neighbours.
 *
 * @param chart The chart.
 * @returns The figure; `JSON.stringify` it into a page that loads plotly.js.
 * @throws {TypeError} If a title is not a string or a series' `x` and `y` differ in length.
 * @throws {RangeError} If a series' `mode` is not one of the {@linkcode SeriesMode}s.
 *
 * @example A loss curve with a NaN left out
 * ```ts
 * import assert from "node:assert";
 * import { plotlyFigure } from "@dimo/dimo";
 * const figure = plotlyFigure({
 *   title: "Teacher",
 *   xLabel: "iteration",
 *   yLabel: "loss",
 *   series: [{ name: "loss", x: [0, 1, 2], y: [2.3, NaN, 1.1] }],
 *   logY: true,
 * });
 * assert.deepEqual(figure.data[0].y, [2.3, 1.1]);
 * assert.deepEqual(figure.layout.yaxis, { title: { text: "loss" }, type: "log", zeroline: false });
 * ```
 */
export function plotlyFigure(chart: Chart): PlotlyFigure {
  checkChart("describe a plotly figure", chart);
  const logY = chart.logY ?? false;
  const data = chart.series.map((series, i): PlotlyTrace => ({
    type: "scatter",
    mode: series.mode ?? "lines",
    name: series.name,
    ...keptPoints(series, logY),
    line: { color: seriesColor(i), width: 1.5 },
    marker: { color: seriesColor(i), size: 6 },
  }));
  const layout = {
    title: { text: chart.title },
    xaxis: { title: { text: chart.xLabel }, zeroline: false },
    yaxis: { title: { text: chart.yLabel }, type: logY ? "log" : "linear", zeroline: false },
    showlegend: true,
    hovermode: "closest",
    margin: { l: 64, r: 24, t: 48, b: 48 },
    height: 360,
  };
  return { data, layout };
}
