/**
 * Training curves: logged numbers (losses, gradient norms) against the iteration, as a {@linkcode Chart}.
 *
 * @module
 */
import { errorMessage } from "../validate/mod.ts";
import type { Chart } from "./chart.ts";

/** Options of {@linkcode trainingCurves}. */
export interface TrainingCurvesOptions<T> {
  /** The fields to plot, one series each (`["auxLoss", "gSquared"]`). */
  readonly keys: readonly (keyof T & string)[];
  /**
   * The field on the x axis.
   *
   * @default {"iteration"}
   */
  readonly x?: keyof T & string;
  /**
   * The chart title.
   *
   * @default {"Training curves"}
   */
  readonly title?: string;
  /**
   * The y axis title.
   *
   * @default {the keys, joined by ", "}
   */
  readonly yLabel?: string;
  /**
   * Whether the y axis is logarithmic.
   *
   * @default {false}
   */
  readonly logY?: boolean;
}

/**
 * Turns a log of per-iteration reports (such as the distillation loop's `StepReport`s) into a
 * chart with one line per key. A report without a key, or with NaN there (a quantity not
 * measured at that iteration), adds no point to that line; the line joins its neighbours.
 *
 * @typeParam T The report type.
 * @param history The reports, in order.
 * @param options The keys to plot, the x key and the titles.
 * @returns The chart, for {@linkcode svgLineChart}, {@linkcode showChart} or an {@linkcode HtmlReport}.
 * @throws {TypeError} If a report holds something other than a number under a plotted key.
 *
 * @example Aux loss against the iteration
 * ```ts
 * import assert from "node:assert";
 * import { trainingCurves } from "@dimo/dimo";
 * const history = [{ iteration: 0, auxLoss: 2.1 }, { iteration: 1, auxLoss: NaN }, { iteration: 2, auxLoss: 1.7 }];
 * const chart = trainingCurves(history, { keys: ["auxLoss"] });
 * assert.deepEqual(chart.series[0], { name: "auxLoss", x: [0, 2], y: [2.1, 1.7] });
 * ```
 */
export function trainingCurves<T extends object>(
  history: readonly T[],
  options: TrainingCurvesOptions<T>,
): Chart {
  const { keys, title = "Training curves", yLabel = keys.join(", "), logY = false } = options;
  const xKey: string = options.x ?? "iteration";
  const series = keys.map((key) => {
    const x: number[] = [], y: number[] = [];
    history.forEach((report, i) => {
      const row = report as Record<string, unknown>;
      const xi = numberAt(row, xKey, i), yi = numberAt(row, key, i);
      if (Number.isFinite(xi) && Number.isFinite(yi)) {
        x.push(xi);
        y.push(yi);
      }
    });
    return { name: key, x, y };
  });
  return { title, xLabel: xKey, yLabel, series, logY };
}

/** The number under `key` of report `i`: NaN when absent; a TypeError for anything else. */
function numberAt(row: Record<string, unknown>, key: string, i: number): number {
  const value = row[key];
  if (value === undefined) return NaN;
  if (typeof value !== "number") {
    throw new TypeError(errorMessage("draw training curves", `history[${i}].${key}`, "a number", value));
  }
  return value;
}
