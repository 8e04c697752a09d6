/**
 * Display in Jupyter notebooks on the Deno kernel (`deno jupyter`): images, charts and tables
 * that read well both live and once committed to a code host, which runs no JavaScript.
 *
 * @module
 */
import type * as tf from "../backend/tf.ts";
import { isNdarray, type NdArray } from "../io/ndarray.ts";
import { errorMessage } from "../validate/mod.ts";
import { chartBundle, tableBundle } from "./_embed.ts";
import { checkPngSignature } from "./_fast_png.ts";
import type { Chart } from "./chart.ts";
import { imageGrid, type ImageGridOptions } from "./grid.ts";
import { loadPlotlyScript } from "./plotly.ts";
import { encodePng } from "./png.ts";
import type { Table } from "./table.ts";

/**
 * Whether this kernel session has sent plotly.js to the notebook page. Only the first
 * interactive chart carries the 1.2 MB library; later ones use the page's `window.Plotly`.
 */
let plotlySent = false;

/** `Deno.jupyter`, or an error that says where to run the code (outside the kernel even reading it throws). */
function jupyter(action: string): typeof Deno.jupyter {
  try {
    return Deno.jupyter;
  } catch {
    const rule = "available: run this in a Jupyter notebook on the Deno kernel (`deno jupyter`)";
    throw new Error(errorMessage(action, "Deno.jupyter", rule, undefined));
  }
}

/**
 * Shows a PNG in the notebook, with `Deno.jupyter.image`.
 *
 * @param image The bytes of a PNG file, for example from {@linkcode encodePng}; or a uint8
 * ndarray of pixels `[H, W]` or `[H, W, C]`, encoded by {@linkcode encodePng}.
 * @returns When the output has been sent.
 * @throws {Error} Outside a Jupyter notebook on the Deno kernel.
 * @throws {TypeError} If the bytes are not a PNG, or the ndarray not uint8 `[H, W]` or `[H, W, C]`.
 *
 * @example Outside a notebook it throws
 * ```ts
 * import assert from "node:assert";
 * import { encodePng, showImage } from "@dimo/dimo";
 * const png = encodePng({ width: 1, height: 1, channels: 1, data: new Uint8Array([0]) });
 * await assert.rejects(showImage(png), /Deno\.jupyter/);
 * ```
 */
export async function showImage(image: Uint8Array | NdArray): Promise<void> {
  const notebook = jupyter("show an image");
  const png = isNdarray(image) ? encodePng(image) : image;
  checkPngSignature("show an image", png);
  await notebook.display(notebook.image(png));
}

/**
 * Shows a batch of images as one grid: {@linkcode imageGrid}, {@linkcode encodePng}, then
 * {@linkcode showImage}.
 *
 * @param images Pixel values in [0, 1], float32 `[N, H, W]`, `[N, H, W, 1]` (grey) or `[N, H, W, 3]`
 * (RGB), a tensor (not disposed) or an ndarray (see {@linkcode imageGrid}).
 * @param options Columns, padding, scale and background of the grid.
 * @returns When the output has been sent.
 * @throws {Error} Outside a Jupyter notebook on the Deno kernel.
 * @throws {TypeError} If `images` has the wrong shape or dtype.
 * @throws {RangeError} If an option is out of range or a value is NaN or outside [0, 1].
 *
 * @example Outside a notebook it throws
 * ```ts
 * import assert from "node:assert";
 * import { showImageGrid, tf, useBackend } from "@dimo/dimo";
 * await useBackend("cpu");
 * const images = tf.zeros([4, 2, 2]) as tf.Tensor3D;
 * await assert.rejects(showImageGrid(images, { columns: 2 }), /Deno\.jupyter/);
 * images.dispose();
 * ```
 */
export async function showImageGrid(
  images: tf.Tensor3D | tf.Tensor4D | NdArray,
  options: ImageGridOptions = {},
): Promise<void> {
  jupyter("show an image grid"); // fail before drawing the grid
  await showImage(encodePng(await imageGrid(images, options)));
}

/** Options of {@linkcode showChart}. */
export interface ShowChartOptions {
  /**
   * Whether to include the interactive plotly rendition. Without it the output is the static
   * SVG alone, which keeps a committed notebook small.
   *
   * @default {true}
   */
  readonly interactive?: boolean;
}

/**
 * Shows a chart as one display output with two renditions: `text/html`, a plotly chart drawn over
 * the static SVG (the first interactive chart of a kernel session also carries plotly.js, so
 * the notebook works offline), and `image/svg+xml`, the static chart of {@linkcode svgLineChart}.
 * Where scripts do not run (a code host, a notebook reopened without trust) the HTML shows the
 * SVG it holds, and viewers without HTML show the SVG rendition.
 *
 * If the notebook page is reloaded while the kernel keeps running, later charts find no
 * `window.Plotly` and stay static; restart the kernel to send the library again.
 *
 * @param chart The chart.
 * @param options Whether to include the interactive rendition.
 * @returns When the output has been sent.
 * @throws {Error} Outside a Jupyter notebook on the Deno kernel.
 * @throws {TypeError} If the chart is malformed (see {@linkcode plotlyFigure}).
 *
 * @example Outside a notebook it throws
 * ```ts
 * import assert from "node:assert";
 * import { showChart } from "@dimo/dimo";
 * const chart = { title: "loss", xLabel: "iteration", yLabel: "loss", series: [] };
 * await assert.rejects(showChart(chart), /Cannot show a chart as 'Deno.jupyter' must be available/);
 * ```
 */
export async function showChart(chart: Chart, options: ShowChartOptions = {}): Promise<void> {
  const notebook = jupyter("show a chart");
  const { interactive = true } = options;
  const sendPlotly = interactive && !plotlySent;
  const plotly = sendPlotly ? await loadPlotlyScript() : undefined;
  await notebook.display(chartBundle(chart, { interactive, plotly }), { raw: true });
  if (sendPlotly) plotlySent = true;
}

/**
 * Shows a table as one display output with two renditions: `text/html` ({@linkcode htmlTable}),
 * which notebook front ends show, and `text/markdown` ({@linkcode markdownTable}) for viewers
 * without HTML. Columns with a better direction carry ↑ or ↓ in both.
 *
 * @param table The table.
 * @returns When the output has been sent.
 * @throws {Error} Outside a Jupyter notebook on the Deno kernel.
 * @throws {TypeError} If a row does not have one string or number per column.
 *
 * @example Outside a notebook it throws
 * ```ts
 * import assert from "node:assert";
 * import { showTable } from "@dimo/dimo";
 * await assert.rejects(showTable({ columns: ["a"], rows: [[1]] }), /Deno\.jupyter/);
 * ```
 */
export async function showTable(table: Table): Promise<void> {
  const notebook = jupyter("show a table");
  await notebook.display(tableBundle(table), { raw: true });
}
