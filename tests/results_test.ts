import assert from "node:assert/strict";
import {
  METRIC_BETTER,
  type Results,
  resultsHtml,
  resultsMarkdown,
  resultTables,
  runtimeTable,
} from "../experiments/results.ts";

const results: Results = {
  experiment: "exact-joint",
  profile: "quick",
  backend: "cpu",
  adapter: "JavaScript",
  seed: 0,
  config: {},
  rows: [
    {
      group: "Teacher",
      method: "ancestral sampler",
      steps: 6,
      metrics: { tv: 0.3, nll: 3.5, entropy: 3.47 },
    },
    {
      group: "Di[M]O",
      method: "one-step student (EMA), 1000 iterations",
      steps: 1,
      metrics: { tv: 0.28, nll: 3.9, entropy: 3.47, mode_coverage: 1, gap_closed: 0.79 },
    },
  ],
  runtime: [{ method: "Di[M]O student", steps: 1, seconds_per_sample: 2e-5, batch: 4096 }],
};

Deno.test("resultTables() gives every metric its direction and says why nll and entropy have none", () => {
  const [{ table, note }] = resultTables(results);
  assert.deepEqual(table.columns, [
    "group",
    "method",
    "steps",
    "tv",
    "nll",
    "entropy",
    "mode_coverage",
    "gap_closed",
  ]);
  assert.deepEqual(table.better, [null, null, null, "lower", null, null, "higher", "higher"]);
  assert.equal(
    note,
    "↑ higher is better, ↓ lower is better; no arrow on nll, entropy: nll is best where it equals the entropy " +
      "(below it, the samples are too likely: mode seeking).",
  );
  assert.deepEqual(runtimeTable(results).better, [null, null, "lower", null]);
});

Deno.test("METRIC_BETTER has a direction for every image metric, and none only for nll and entropy", () => {
  for (
    const key of ["fid", "inception_score", "precision", "recall", "density", "coverage", "class_accuracy"]
  ) {
    assert.equal(METRIC_BETTER[key], key === "fid" ? "lower" : "higher", key);
  }
  const none = Object.keys(METRIC_BETTER).filter((key) => METRIC_BETTER[key] === null);
  assert.deepEqual(none, ["nll", "entropy"]);
});

Deno.test("resultsMarkdown() and resultsHtml() show the arrows and their note", async () => {
  const markdown = resultsMarkdown(results);
  assert.ok(
    markdown.includes("| group | method | steps | tv\u00a0↓ | nll | entropy | mode\\_coverage\u00a0↑ |"),
  );
  assert.ok(markdown.includes("| method | steps | seconds per sample\u00a0↓ | batch |"));
  assert.ok(markdown.includes("↑ higher is better, ↓ lower is better; no arrow on nll"));
  const html = await resultsHtml(results);
  assert.ok(html.includes('<th class="num" title="lower is better">tv\u00a0↓</th>'));
  assert.ok(html.includes("<p>↑ higher is better, ↓ lower is better; no arrow on nll"));
});
