/**
 * Validation of a {@linkcode Table}, shared by its Markdown and HTML writers.
 *
 * @module
 */
import { errorMessage } from "../validate/mod.ts";
import type { Table } from "./table.ts";

/** Throws a TypeError, naming the row and cell, unless every row has one string or number per column. */
export function checkTable(action: string, table: Table): void {
  if (!Array.isArray(table.columns) || !table.columns.every((c) => typeof c === "string")) {
    throw new TypeError(errorMessage(action, "columns", "an array of strings", table.columns));
  }
  if (!Array.isArray(table.rows)) {
    throw new TypeError(errorMessage(action, "rows", "an array", typeof table.rows));
  }
  table.rows.forEach((row, i) => {
    if (!Array.isArray(row) || row.length !== table.columns.length) {
      const rule = `an array of ${table.columns.length} cells, one per column`;
      throw new TypeError(errorMessage(action, `rows[${i}]`, rule, row));
    }
    const cell = row.findIndex((v) => typeof v !== "string" && typeof v !== "number");
    if (cell >= 0) {
      throw new TypeError(errorMessage(action, `rows[${i}][${cell}]`, "a string or a number", row[cell]));
    }
  });
}
