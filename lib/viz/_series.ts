/**
 * What the plotly and SVG renditions of a chart share: validation, colours and the rule for
 * which points are drawn.
 *
 * @module
 */
import { isNdarray, ndarrayValues } from "../io/ndarray.ts";
import { checkOneOf, errorMessage } from "../validate/mod.ts";
import type { Chart, ChartSeries } from "./chart.ts";

/** The colours of series 0, 1, … (plotly's and matplotlib's default cycle), reused past ten. */
const COLORS = [
  "#1f77b4",
  "#ff7f0e",
  "#2ca02c",
  "#d62728",
  "#9467bd",
  "#8c564b",
  "#e377c2",
  "#7f7f7f",
  "#bcbd22",
  "#17becf",
] as const;

/** The colour of series `index`. */
export function seriesColor(index: number): string {
  return COLORS[index % COLORS.length];
}

/**
 * The points of a series that are drawn: those with finite x and y (and y > 0 on a log axis).
 * The others are left out and the line joins their neighbours, so a curve logged every other
 * iteration (NaN in between) still draws as a line.
 */
export function keptPoints(series: ChartSeries, logY: boolean): { x: number[]; y: number[] } {
  const x: number[] = [], y: number[] = [];
  const xs = axisValues(series.x), ys = axisValues(series.y);
  for (let i = 0; i < xs.length; i++) {
    const xi = xs[i], yi = ys[i];
    if (Number.isFinite(xi) && Number.isFinite(yi) && (!logY || yi > 0)) {
      x.push(xi);
      y.push(yi);
    }
  }
  return { x, y };
}

/** The coordinates of one axis of a series, in order: the array itself, or a 1-D ndarray's elements. */
function axisValues(values: ChartSeries["x"]): ArrayLike<number> {
  return isNdarray(values) ? ndarrayValues(values) : values;
}

/** Throws a TypeError or RangeError, naming the field, unless `chart` is a well-formed {@linkcode Chart}. */
export function checkChart(action: string, chart: Chart): void {
  for (const field of ["title", "xLabel", "yLabel"] as const) {
    if (typeof chart[field] !== "string") {
      throw new TypeError(errorMessage(action, field, "a string", chart[field]));
    }
  }
  if (!Array.isArray(chart.series)) {
    throw new TypeError(errorMessage(action, "series", "an array", chart.series));
  }
  chart.series.forEach((s, i) => {
    const field = `series[${i}]`;
    if (typeof s.name !== "string") {
      throw new TypeError(errorMessage(action, `${field}.name`, "a string", s.name));
    }
    const lengths = (["x", "y"] as const).map((axis) => {
      const values = s[axis];
      if (isNdarray(values) && values.shape.length === 1) return values.shape[0];
      if (!Array.isArray(values) || !values.every((v) => typeof v === "number")) {
        const rule = "an array of numbers or a 1-D ndarray";
        throw new TypeError(errorMessage(action, `${field}.${axis}`, rule, typeof values));
      }
      return values.length;
    });
    if (lengths[1] !== lengths[0]) {
      throw new TypeError(
        errorMessage(action, `${field}.y`, `as long as ${field}.x (${lengths[0]})`, lengths[1]),
      );
    }
    if (s.mode !== undefined) {
      checkOneOf(action, `${field}.mode`, s.mode, ["lines", "markers", "lines+markers"]);
    }
  });
}
