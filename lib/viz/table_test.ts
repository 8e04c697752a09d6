import assert from "node:assert/strict";
import { formatCell, htmlTable, markdownTable } from "./mod.ts";

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

const scored = {
  columns: ["method", "steps", "FID", "IS", "nll"],
  rows: [["Di[M]O", 1, 7.6, 5.5, 3.9]],
  better: [null, null, "lower", "higher", null],
} as const;

Deno.test("markdownTable() puts ↑ or ↓ after the titles of columns with a better direction", () => {
  const header = markdownTable(scored).split("\n")[0];
  assert.equal(header, "| method | steps | FID\u00a0↓ | IS\u00a0↑ | nll |");
});

Deno.test("htmlTable() marks directions, numbers and long text columns", () => {
  const html = htmlTable({
    ...scored,
    columns: ["method", "steps", "FID", "inception_score", "nll"],
    rows: [["MaskGIT sampler, CFG w = 1 (ramped), Gumbel 4.5", 16, 24.37, 7.6, 4.1]],
  });
  const head = html.match(/<thead><tr>(.*)<\/tr><\/thead>/)![1];
  assert.equal(
    head,
    '<th class="wide">method</th><th class="num">steps</th><th class="num" title="lower is better">FID\u00a0↓</th>' +
      '<th class="num" title="higher is better">inception_<wbr>score\u00a0↑</th><th class="num">nll</th>',
  );
  assert.ok(html.includes('<td class="wide">MaskGIT sampler, CFG w = 1 (ramped), Gumbel 4.5</td>'));
  assert.ok(html.includes('<td class="num">16</td><td class="num">24.37</td>'));
  // A placeholder in a column of numbers is aligned with them.
  const gaps = htmlTable({ columns: ["gap_closed"], rows: [["—"], [0.79]] });
  assert.ok(gaps.includes('<tr><td class="num">—</td></tr>\n<tr><td class="num">0.79</td></tr>'));
  // A short text column is not widened, and a table without `better` has no arrows.
  const plain = htmlTable({ columns: ["group", "TV"], rows: [["Teacher", 0.5]] });
  assert.ok(plain.includes('<th>group</th><th class="num">TV</th>') && plain.includes("<td>Teacher</td>"));
});

Deno.test("markdownTable() and htmlTable() reject a `better` of the wrong length or value", () => {
  for (const write of [markdownTable, htmlTable]) {
    assert.throws(
      () => write({ columns: ["a", "b"], rows: [], better: ["lower"] }),
      /'better' must be an array of 2 entries, one per column/,
    );
    assert.throws(
      () => write({ columns: ["a"], rows: [], better: ["up" as "higher"] }),
      /'better\[0\]' must be "higher", "lower" or null: current value is "up"/,
    );
  }
});
