/**
 * Validation of a {@linkcode Table}, shared by its Markdown and HTML writers, and the column titles
 * both show.
 *
 * @module
 */
import { errorMessage } from "../validate/mod.ts";
import type { Table } from "./table.ts";

const ARROWS = { higher: "↑", lower: "↓" } as const;

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
  const { better } = table;
  if (better === undefined) return;
  if (!Array.isArray(better) || better.length !== table.columns.length) {
    const rule = `an array of ${table.columns.length} entries, one per column`;
    throw new TypeError(errorMessage(action, "better", rule, better));
  }
  const bad = better.findIndex((b) => b !== null && b !== "higher" && b !== "lower");
  if (bad >= 0) {
    throw new TypeError(errorMessage(action, `better[${bad}]`, '"higher", "lower" or null', better[bad]));
  }
}

/**
 * Column `j`'s title, followed by ↑ or ↓ where the table says which way is better (after a
 * no-break space, so the arrow never wraps onto a line of its own).
 */
export function columnTitle(table: Table, j: number): string {
  const better = table.better?.[j];
  return better ? `${table.columns[j]}\u00a0${ARROWS[better]}` : table.columns[j];
}
