/**
 * The plotly.js library as text, to inline in a page or a notebook output so charts work offline.
 *
 * @module
 */

let cached: Promise<string> | undefined;

/**
 * Reads plotly.js's basic bundle (scatter, bar and pie traces; 1.2 MB minified, against 4.7 MB
 * for the full bundle) as JavaScript source, once per process.
 *
 * plotly.js touches `window` when it is evaluated, so it cannot be imported as a module in Deno;
 * it is imported as text instead (`with { type: "text" }`). That import needs no file permission
 * and works both with a `node_modules` folder (`nodeModulesDir: "auto"`) and with Deno's global
 * npm cache.
 *
 * @returns The source of `plotly-basic.min.js`, which defines `window.Plotly` when run in a page.
 *
 * @example The library defines window.Plotly
 * ```ts
 * import assert from "node:assert";
 * import { loadPlotlyScript } from "@dimo/dimo";
 * const source = await loadPlotlyScript();
 * assert.ok(source.includes("window.Plotly = Plotly"));
 * ```
 */
export function loadPlotlyScript(): Promise<string> {
  cached ??= import("plotly.js-basic-dist-min/plotly-basic.min.js", { with: { type: "text" } })
    .then((module) => module.default)
    .catch((error) => {
      cached = undefined; // let a later call retry
      throw error;
    });
  return cached;
}
