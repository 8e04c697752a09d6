/**
 * Tables of results, written as Markdown (notebooks, results.md) or HTML ({@linkcode htmlReport}).
 *
 * @module
 */
import { checkTable } from "./_table.ts";

/** A table: column titles and rows of cells. */
export interface Table {
  /** Column titles. */
  readonly columns: readonly string[];
  /** Rows, each with one cell per column. Numbers are shown by {@linkcode formatCell}. */
  readonly rows: readonly (readonly (string | number)[])[];
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
 * `|`, `*` or `<script>` in a cell show as text).
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
    line(table.columns.map(markdownText)),
    line(numeric.map((n) => (n ? "---:" : "---"))),
    ...table.rows.map((row) => line(row.map((v) => markdownText(formatCell(v))))),
  ].join("\n");
}
