/**
 * Pictures of runs: image grids as PNG, line charts (interactive with plotly.js, static as SVG),
 * training curves, tables, self-contained HTML reports (`results.html`) and display in Jupyter
 * notebooks on the Deno kernel.
 *
 * Every chart has a static rendition, because notebooks are committed with their outputs and
 * code hosts run no JavaScript; plotly.js is inlined rather than fetched, so pages and notebooks
 * work offline.
 *
 * @example Samples as a PNG grid and a loss curve as SVG
 * ```ts
 * import assert from "node:assert";
 * import { encodePng, imageGrid, svgLineChart, tf, trainingCurves, useBackend } from "@dimo/dimo";
 * await useBackend("cpu");
 * const samples = tf.ones([6, 4, 4]) as tf.Tensor3D;
 * const grid = await imageGrid(samples, { columns: 3, padding: 1, scale: 2 });
 * samples.dispose();
 * assert.deepEqual([grid.width, grid.height], [28, 19]);
 * const png = encodePng(grid);
 *
 * const history = [{ iteration: 0, auxLoss: 2.0 }, { iteration: 1, auxLoss: 1.5 }];
 * const svg = svgLineChart(trainingCurves(history, { keys: ["auxLoss"] }));
 * assert.ok(png.length > 0 && svg.includes("auxLoss"));
 * ```
 *
 * @module
 */
export * from "./grid.ts";
export * from "./png.ts";
export * from "./chart.ts";
export * from "./svg_chart.ts";
export * from "./curves.ts";
export * from "./table.ts";
export * from "./plotly.ts";
export * from "./html.ts";
export * from "./jupyter.ts";
