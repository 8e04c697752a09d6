import assert from "node:assert/strict";
import { formatCell, markdownTable } from "./mod.ts";

Deno.test("formatCell() keeps integers whole and other numbers to 4 significant digits", () => {
  assert.deepEqual(
    [3, -120000, 0.000123456, 0.5, 2 / 3, 98765.4321, NaN, -Infinity, "1e-3"].map(formatCell),
    ["3", "-120000", "1.235e-4", "0.5", "0.6667", "98765.4", "NaN", "-Infinity", "1e-3"],
  );
});

Deno.test("markdownTable() right-aligns numeric columns and escapes cells", () => {
  const md = markdownTable({
    columns: ["method", "steps", "note"],
    rows: [["Di[M]O | one step", 1, "<script>alert(1)</script>"], ["*MaskGIT*", 8, "a_b\nc"]],
  });
  assert.equal(
    md,
    [
      "| method | steps | note |",
      "| --- | ---: | --- |",
      "| Di\\[M\\]O \\| one step | 1 | &lt;script&gt;alert(1)&lt;/script&gt; |",
      "| \\*MaskGIT\\* | 8 | a\\_b c |",
    ].join("\n"),
  );
});

Deno.test("markdownTable() rejects rows of the wrong length or with other cell types", () => {
  assert.throws(
    () => markdownTable({ columns: ["a", "b"], rows: [["x"]] }),
    /'rows\[0\]' must be an array of 2 cells/,
  );
  assert.throws(
    () => markdownTable({ columns: ["a"], rows: [[null as unknown as string]] }),
    /'rows\[0\]\[0\]' must be a string or a number/,
  );
});
