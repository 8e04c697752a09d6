/**
 * Tables of results, written as Markdown (notebooks, results.md) or HTML (notebooks,
 * {@linkcode htmlReport}).
 *
 * @module
 */
import { escapeHtml } from "./_escape.ts";
import { checkTable, columnTitle } from "./_table.ts";

/** Which way a column's values are better: `"higher"` (shown as ↑) or `"lower"` (↓). */
export type Better = "higher" | "lower";

/** A table: column titles and rows of cells. */
export interface Table {
  /** Column titles. */
  readonly columns: readonly string[];
  /** Rows, each with one cell per column. Numbers are shown by {@linkcode formatCell}. */
  readonly rows: readonly (readonly (string | number)[])[];
  /**
   * For each column, which way its values are better, shown as ↑ or ↓ after its title; null
   * for a column without a better direction (a label, or a value best at a target). Absent: no
   * arrows.
   */
  readonly better?: readonly (Better | null)[];
}

/**
 * The text of a table cell: strings as they are; integers and non-finite numbers in full;
 * other numbers with 4 significant digits (one decimal from 1000 up, exponent notation below 0.001).
 *
 * @param value The cell.
 * @returns Its text.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { formatCell } from "@dimo/dimo";
 * assert.deepEqual([0.123456, 12, 2.5e-5, 1234.56, NaN].map(formatCell), ["0.1235", "12", "2.500e-5", "1234.6", "NaN"]);
 * ```
 */
export function formatCell(value: string | number): string {
  if (typeof value === "string") return value;
  if (!Number.isFinite(value) || Number.isInteger(value)) return String(value);
  const magnitude = Math.abs(value);
  if (magnitude >= 1000) return value.toFixed(1);
  if (magnitude >= 1e-3) return String(Number(value.toPrecision(4)));
  return value.toExponential(3).replace("e+", "e");
}

/** Escapes Markdown syntax and HTML in a cell, so it shows as the text it is; newlines become spaces. */
function markdownText(text: string): string {
  return text
    .replace(/[\\`*_[\]|#~]/g, (c) => `\\${c}`)
    .replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")
    .replace(/\r?\n/g, " ");
}

/**
 * Writes a table in GitHub-flavoured Markdown, numbers right-aligned, every cell escaped (so
 * `|`, `*` or `<script>` in a cell show as text), ↑ or ↓ after the titles of columns with a
 * better direction.
 *
 * @param table The table.
 * @returns The Markdown lines, joined by newlines.
 * @throws {TypeError} If a row does not have one string or number per column.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { markdownTable } from "@dimo/dimo";
 * const md = markdownTable({ columns: ["method", "TV"], rows: [["Di[M]O", 0.0123456]] });
 * assert.equal(md, "| method | TV |\n| --- | ---: |\n| Di\\[M\\]O | 0.01235 |");
 * ```
 */
export function markdownTable(table: Table): string {
  checkTable("write a Markdown table", table);
  const numeric = table.columns.map((_, j) =>
    table.rows.length > 0 && table.rows.every((r) => typeof r[j] === "number")
  );
  const line = (cells: readonly string[]) => `| ${cells.join(" | ")} |`;
  return [
    line(table.columns.map((_, j) => markdownText(columnTitle(table, j)))),
    line(numeric.map((n) => (n ? "---:" : "---"))),
    ...table.rows.map((row) => line(row.map((v) => markdownText(formatCell(v))))),
  ].join("\n");
}

/** The longest text, in characters, a text column may hold before its cells get room to wrap in. */
const NARROW_TEXT = 24;

/**
 * Writes a table as an HTML `<table>`: every text escaped, columns of numbers right-aligned
 * (`class="num"` on each of their cells, so a placeholder such as "—" lines up too),
 * ↑ or ↓ after the titles of columns with a better direction (the `<th>` says which in its
 * `title`), a line-break opportunity after each `_` of a title, and `class="wide"` on the cells
 * of a text column longer than 24 characters, so a page's style can keep it from being squeezed.
 *
 * @param table The table.
 * @returns The `<table>` element.
 * @throws {TypeError} If a row does not have one string or number per column, or `better` not
 * one entry per column.
 *
 * @example A metric with its direction
 * ```ts
 * import assert from "node:assert";
 * import { htmlTable } from "@dimo/dimo";
 * const html = htmlTable({ columns: ["method", "FID"], rows: [["Di[M]O", 7.6]], better: [null, "lower"] });
 * assert.ok(html.includes('<th class="num" title="lower is better">FID\u00a0↓</th>'));
 * assert.ok(html.includes('<td class="num">7.6</td>'));
 * ```
 */
export function htmlTable(table: Table): string {
  checkTable("write an HTML table", table);
  const classes = table.columns.map((_, j) => {
    const texts = table.rows.map((row) => row[j]).filter((v) => typeof v === "string");
    if (texts.some((text) => text.length > NARROW_TEXT)) return ' class="wide"';
    // A placeholder such as "—" in a column of numbers lines up with them.
    return table.rows.some((row) => typeof row[j] === "number") ? ' class="num"' : "";
  });
  const head = table.columns.map((_, j) => {
    const better = table.better?.[j];
    const hint = better ? ` title="${better} is better"` : "";
    const title = escapeHtml(columnTitle(table, j)).replace(/_/g, "_<wbr>");
    return `<th${classes[j]}${hint}>${title}</th>`;
  }).join("");
  const body = table.rows.map((row) =>
    `<tr>${row.map((v, j) => `<td${classes[j]}>${escapeHtml(formatCell(v))}</td>`).join("")}</tr>`
  );
  return `<table>\n<thead><tr>${head}</tr></thead>\n<tbody>\n${body.join("\n")}\n</tbody>\n</table>`;
}
