/**
 * Self-contained HTML reports: the `results.html` written beside `results.json`, with tables,
 * interactive charts and image grids in one file that opens offline.
 *
 * @module
 */
import { errorMessage } from "../validate/mod.ts";
import { chartHtml } from "./_embed.ts";
import { escapeHtml, inlineScript } from "./_escape.ts";
import type { Chart } from "./chart.ts";
import { loadPlotlyScript } from "./plotly.ts";
import { pngDataUri } from "./png.ts";
import { htmlTable, type Table } from "./table.ts";

/** A captioned PNG in a report section. */
export interface ReportImage {
  /** Shown under the image and used as its alt text. */
  readonly caption: string;
  /** The bytes of a PNG file, for example from {@linkcode encodePng}. */
  readonly png: Uint8Array;
}

/** One section of an {@linkcode HtmlReport}; its parts appear in the order of the fields below. */
export interface ReportSection {
  /** The section's title. */
  readonly heading: string;
  /** Paragraphs of plain text. */
  readonly paragraphs?: readonly string[];
  /** Tables. */
  readonly tables?: readonly Table[];
  /** Charts, drawn with plotly (the static SVG where scripts do not run). */
  readonly charts?: readonly Chart[];
  /** Images. */
  readonly images?: readonly ReportImage[];
}

/** What {@linkcode htmlReport} lays out. */
export interface HtmlReport {
  /** The page title and top heading. */
  readonly title: string;
  /** The sections, in order. */
  readonly sections: readonly ReportSection[];
}

const STYLE = `
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; color: #222;
  max-width: 1320px; margin: 2rem auto; padding: 0 1rem; }
h1 { font-size: 1.6rem; } h2 { font-size: 1.25rem; margin-top: 2.2rem; border-bottom: 1px solid #ddd; }
.dimo-table { overflow-x: auto; margin: 1rem 0; }
table { border-collapse: collapse; font-size: 14px; font-variant-numeric: tabular-nums; }
th, td { border-bottom: 1px solid #e5e5e5; padding: 0.3rem 0.6rem; text-align: left; vertical-align: top; }
th { border-bottom: 2px solid #bbb; vertical-align: bottom; }
td { white-space: nowrap; } th.num, td.num { text-align: right; } th[title] { cursor: help; }
td.wide { white-space: normal; min-width: 24rem; max-width: 36rem; }
.dimo-chart { margin: 1rem 0; } .dimo-chart svg { max-width: 100%; height: auto; }
.dimo-figures { display: grid; grid-template-columns: repeat(auto-fill, minmax(220px, 1fr)); gap: 1.2rem;
  margin: 1rem 0; }
figure { margin: 0; } figure img { image-rendering: pixelated; width: 100%; height: auto; display: block; }
figcaption { color: #555; font-size: 0.85rem; margin-top: 0.3rem; }`;

/**
 * Runs once the page has loaded and every chart has been drawn: records on `<body>` how many
 * charts plotly rendered (`data-charts-rendered="3/3"`; a chart counts when its div holds
 * plotly's `svg.main-svg`) and how many images decoded (`data-images-loaded="2/2"`), so a
 * headless browser (`chromium --headless --dump-dom`) can check the page.
 */
const STATUS = `window.addEventListener("load", function () {
  Promise.allSettled(window.dimoCharts || []).then(function () {
    var charts = Array.from(document.querySelectorAll(".dimo-chart"));
    var images = Array.from(document.images);
    var rendered = charts.filter(function (c) { return c.querySelector("svg.main-svg") !== null; });
    var loaded = images.filter(function (i) { return i.complete && i.naturalWidth > 0; });
    document.body.dataset.chartsRendered = rendered.length + "/" + charts.length;
    document.body.dataset.imagesLoaded = loaded.length + "/" + images.length;
  });
});`;

/**
 * Lays out a report as one self-contained HTML page: every text escaped, tables as
 * {@linkcode htmlTable} writes them (numbers right-aligned, ↑/↓ on columns with a better
 * direction, long text columns kept readable, a wide table scrolling on its own), charts drawn
 * by plotly.js (inlined once, so the page needs no network) over their static SVG, and each
 * section's images side by side in a grid, as PNG data URIs with their captions. After loading, `<body>`
 * carries `data-charts-rendered` and `data-images-loaded` (`"rendered/total"`) for automated checks.
 *
 * @param report The title and sections.
 * @returns The HTML document.
 * @throws {TypeError} If a title, heading or paragraph is not a string, a table row has the
 * wrong length, a chart is malformed, or an image is not a PNG.
 *
 * @example A report with a table
 * ```ts
 * import assert from "node:assert";
 * import { htmlReport } from "@dimo/dimo";
 * const html = await htmlReport({
 *   title: "exact-joint <quick>",
 *   sections: [{ heading: "Results", tables: [{ columns: ["method", "TV"], rows: [["Di[M]O", 0.0123]] }] }],
 * });
 * assert.ok(html.includes("<title>exact-joint &lt;quick&gt;</title>"));
 * assert.ok(html.includes('<td class="num">0.0123</td>'));
 * ```
 */
export async function htmlReport(report: HtmlReport): Promise<string> {
  const action = "write an HTML report";
  checkText(action, "title", report.title);
  if (!Array.isArray(report.sections)) {
    throw new TypeError(errorMessage(action, "sections", "an array", typeof report.sections));
  }
  const hasCharts = report.sections.some((s) => (s.charts?.length ?? 0) > 0);
  const plotly = hasCharts ? inlineScript(await loadPlotlyScript()) : "";
  const sections = report.sections.map((section, i) => sectionHtml(action, section, `sections[${i}]`));
  return [
    "<!DOCTYPE html>",
    '<html lang="en">',
    "<head>",
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(report.title)}</title>`,
    `<style>${STYLE}\n</style>`,
    plotly,
    "</head>",
    "<body>",
    `<h1>${escapeHtml(report.title)}</h1>`,
    ...sections,
    inlineScript(STATUS),
    "</body>",
    "</html>",
    "",
  ].join("\n");
}

function checkText(action: string, field: string, value: unknown): void {
  if (typeof value !== "string") throw new TypeError(errorMessage(action, field, "a string", value));
}

function sectionHtml(action: string, section: ReportSection, field: string): string {
  checkText(action, `${field}.heading`, section.heading);
  const parts = [`<section>`, `<h2>${escapeHtml(section.heading)}</h2>`];
  (section.paragraphs ?? []).forEach((p, i) => {
    checkText(action, `${field}.paragraphs[${i}]`, p);
    parts.push(`<p>${escapeHtml(p)}</p>`);
  });
  for (const table of section.tables ?? []) parts.push(`<div class="dimo-table">${htmlTable(table)}</div>`);
  for (const chart of section.charts ?? []) parts.push(chartHtml(chart));
  const figures = (section.images ?? []).map((image, i) => {
    checkText(action, `${field}.images[${i}].caption`, image.caption);
    const caption = escapeHtml(image.caption);
    return `<figure><img src="${
      pngDataUri(image.png)
    }" alt="${caption}"><figcaption>${caption}</figcaption></figure>`;
  });
  if (figures.length > 0) parts.push(`<div class="dimo-figures">\n${figures.join("\n")}\n</div>`);
  parts.push("</section>");
  return parts.join("\n");
}
