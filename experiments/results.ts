/**
 * The results every experiment writes: `results.json`, the same tables in `results.md`, and
 * `results.html` with the tables, the charts (plotly inlined, so it opens offline) and the sample
 * grids (also written as PNG files).
 *
 * @module
 */
import { writeFileAtomic, writeTextFileAtomic } from "../lib/io/mod.ts";
import { type Better, type Chart, htmlReport, markdownTable, type Table } from "../lib/viz/mod.ts";

/** One row of a results table: a method at a number of sampling steps, with its metrics. */
export interface ResultRow {
  /** The table the row belongs to, for results with several (an ablation sweep); the main table when absent. */
  readonly table?: string;
  /** The table group ("Teacher", "Floor", "Di[M]O", …). */
  readonly group: string;
  /** The method within the group ("MaskGIT sampler", …). */
  readonly method: string;
  /** Sampling steps (network evaluations per sample). */
  readonly steps: number;
  /** Metric name → value. */
  readonly metrics: Readonly<Record<string, number>>;
}

/** Sampling cost of a method, measured on the experiment's backend. */
export interface RuntimeRow {
  /** The method. */
  readonly method: string;
  /** Sampling steps. */
  readonly steps: number;
  /** Wall-clock seconds per sample at `batch`. */
  readonly seconds_per_sample: number;
  /** The batch size it was measured at. */
  readonly batch: number;
}

/** A PNG picture of an experiment (a sample grid). */
export interface ResultImage {
  /** What it shows. */
  readonly caption: string;
  /** Its file name inside the output directory, e.g. `samples-dimo.png`. */
  readonly file: string;
  /** The PNG bytes. */
  readonly png: Uint8Array;
}

/** What an experiment run produced; written verbatim to `results.json`. */
export interface Results {
  /** The experiment's name. */
  readonly experiment: string;
  /** `quick` or `full`. */
  readonly profile: string;
  /** The tfjs backend. */
  readonly backend: string;
  /** The device behind the backend. */
  readonly adapter: string;
  /** The seed of the whole run. */
  readonly seed: number;
  /** The resolved configuration. */
  readonly config: unknown;
  /** The `--set key=value` overrides applied to the profile, in order. */
  readonly overrides?: readonly string[];
  /** The result tables' rows (one table per `table` name in `notes`, or one table). */
  readonly rows: readonly ResultRow[];
  /** Sampling cost per method. */
  readonly runtime: readonly RuntimeRow[];
  /** Free-form lines printed under the tables (settings, noise floors, caveats). */
  readonly notes?: readonly string[];
  /** Charts: metrics against steps, training curves. */
  readonly charts?: readonly Chart[];
  /** Sample grids; written as `DIR/<file>`, listed in `results.json` by caption and file. */
  readonly images?: readonly ResultImage[];
}

/**
 * Which way each metric an experiment reports is better, shown as ↑ or ↓ in its column's title.
 * `nll` has no direction: it is best at the true entropy (below it, samples are too likely: mode
 * seeking); `entropy` is the truth's, the same on every row.
 */
export const METRIC_BETTER: Readonly<Record<string, Better | null>> = {
  tv: "lower",
  nll: null,
  entropy: null,
  mode_coverage: "higher",
  gap_closed: "higher",
  fid: "lower",
  inception_score: "higher",
  precision: "higher",
  recall: "higher",
  density: "higher",
  coverage: "higher",
  class_accuracy: "higher",
};

/** What the arrows mean, and why a column has none; for the metrics a table shows. */
function arrowNote(metrics: readonly string[]): string {
  const none = metrics.filter((m) => METRIC_BETTER[m] === null);
  const why = none.includes("nll")
    ? ": nll is best where it equals the entropy (below it, the samples are too likely: mode seeking)"
    : "";
  return `↑ higher is better, ↓ lower is better${
    none.length > 0 ? `; no arrow on ${none.join(", ")}${why}` : ""
  }.`;
}

/** The result tables: the main one (rows without `table`) first, then one per named table. */
export function resultTables(results: Results): { heading: string; table: Table; note: string }[] {
  const names = [...new Set(results.rows.map((r) => r.table))];
  return names.map((name) => {
    const rows = results.rows.filter((r) => r.table === name);
    const metrics = [...new Set(rows.flatMap((r) => Object.keys(r.metrics)))];
    return {
      heading: name ?? "Results",
      table: {
        columns: ["group", "method", "steps", ...metrics],
        rows: rows.map((r) => [r.group, r.method, r.steps, ...metrics.map((m) => r.metrics[m] ?? "—")]),
        better: [null, null, null, ...metrics.map((m) => METRIC_BETTER[m] ?? null)],
      },
      note: arrowNote(metrics),
    };
  });
}

/** The runtime table: seconds per sample of each method, at the batch it was timed at. */
export function runtimeTable(results: Results): Table {
  return {
    columns: ["method", "steps", "seconds per sample", "batch"],
    rows: results.runtime.map((r) => [r.method, r.steps, r.seconds_per_sample, r.batch]),
    better: [null, null, "lower", null],
  };
}

function summary(results: Results): string {
  return `Backend ${results.backend} (${results.adapter}), seed ${results.seed}.`;
}

/**
 * Renders a whole {@linkcode Results} as Markdown: the tables, the runtimes and the notes.
 *
 * @param results The results.
 * @returns The document.
 */
export function resultsMarkdown(results: Results): string {
  const section = (heading: string, table: Table) => ["", `## ${heading}`, "", markdownTable(table)];
  return [
    `# ${results.experiment} (${results.profile} profile)`,
    "",
    summary(results),
    ...resultTables(results).flatMap(({ heading, table, note }) => [...section(heading, table), "", note]),
    ...(results.runtime.length > 0 ? section("Runtime", runtimeTable(results)) : []),
    ...(results.notes?.length ? ["", ...results.notes.map((n) => `- ${n}`)] : []),
    ...(results.images?.length ? ["", ...results.images.map((i) => `![${i.caption}](${i.file})`)] : []),
    "",
  ].join("\n");
}

/**
 * Renders a whole {@linkcode Results} as one self-contained HTML page.
 *
 * @param results The results.
 * @returns The page.
 */
export function resultsHtml(results: Results): Promise<string> {
  return htmlReport({
    title: `${results.experiment} (${results.profile} profile)`,
    sections: [
      ...resultTables(results).map(({ heading, table, note }, i) => ({
        heading,
        paragraphs: i === 0 ? [summary(results), note] : [note],
        tables: [table],
      })),
      ...(results.runtime.length > 0 ? [{ heading: "Runtime", tables: [runtimeTable(results)] }] : []),
      ...(results.charts?.length ? [{ heading: "Charts", charts: results.charts }] : []),
      ...(results.images?.length
        ? [{ heading: "Samples", images: results.images.map(({ caption, png }) => ({ caption, png })) }]
        : []),
      ...(results.notes?.length ? [{ heading: "Notes", paragraphs: results.notes }] : []),
    ],
  });
}

/**
 * Writes `results.json`, `results.md`, `results.html` and the images into `dir`, each
 * atomically.
 *
 * @param dir The output directory (created if missing).
 * @param results The results.
 */
export async function writeResults(dir: string, results: Results): Promise<void> {
  await Deno.mkdir(dir, { recursive: true });
  for (const image of results.images ?? []) await writeFileAtomic(`${dir}/${image.file}`, image.png);
  // JSON has no Infinity (e.g. "no clipping"): write it as a string rather than as null; images
  // are listed by file, not inlined.
  const json = JSON.stringify(
    { ...results, images: results.images?.map(({ caption, file }) => ({ caption, file })) },
    (_, v) => (typeof v === "number" && !Number.isFinite(v) ? String(v) : v),
    2,
  );
  await writeTextFileAtomic(`${dir}/results.json`, json + "\n");
  await writeTextFileAtomic(`${dir}/results.md`, resultsMarkdown(results));
  await writeTextFileAtomic(`${dir}/results.html`, await resultsHtml(results));
}
