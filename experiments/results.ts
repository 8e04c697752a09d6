/**
 * The results every experiment writes: `results.json` and the same tables in `results.md`.
 *
 * @module
 */
import { writeTextFileAtomic } from "../lib/io/mod.ts";

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
  /** The result tables' rows (one table per `table` name in `notes`, or one table). */
  readonly rows: readonly ResultRow[];
  /** Sampling cost per method. */
  readonly runtime: readonly RuntimeRow[];
  /** Free-form lines printed under the tables (settings, noise floors, caveats). */
  readonly notes?: readonly string[];
}

function formatNumber(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  if (Number.isInteger(x)) return String(x);
  return Math.abs(x) >= 100 ? x.toFixed(1) : x.toFixed(4).replace(/0+$/, "").replace(/\.$/, "");
}

/**
 * Renders rows as a Markdown table: group, method, steps, then one column per metric.
 *
 * @param rows The rows.
 * @returns The table.
 */
export function markdownTable(rows: readonly ResultRow[]): string {
  const metricNames = [...new Set(rows.flatMap((r) => Object.keys(r.metrics)))];
  const header = ["group", "method", "steps", ...metricNames];
  const lines = [
    `| ${header.join(" | ")} |`,
    `|${header.map(() => "---").join("|")}|`,
    ...rows.map((r) =>
      `| ${
        [
          r.group,
          r.method,
          String(r.steps),
          ...metricNames.map((m) => (m in r.metrics ? formatNumber(r.metrics[m]) : "—")),
        ]
          .join(
            " | ",
          )
      } |`
    ),
  ];
  return lines.join("\n");
}

/**
 * Renders a whole {@linkcode Results} as Markdown.
 *
 * @param results The results.
 * @returns The document.
 */
export function resultsMarkdown(results: Results): string {
  const runtime = results.runtime.length === 0 ? [] : [
    "",
    "## Runtime",
    "",
    "| method | steps | seconds per sample | batch |",
    "|---|---|---|---|",
    ...results.runtime.map((r) =>
      `| ${r.method} | ${r.steps} | ${r.seconds_per_sample.toExponential(3)} | ${r.batch} |`
    ),
  ];
  const tables = [...new Set(results.rows.map((r) => r.table))].flatMap((name) => [
    ...(name === undefined ? [] : ["", `## ${name}`]),
    "",
    markdownTable(results.rows.filter((r) => r.table === name)),
  ]);
  return [
    `# ${results.experiment} (${results.profile} profile)`,
    "",
    `Backend ${results.backend} (${results.adapter}), seed ${results.seed}.`,
    ...tables,
    ...runtime,
    ...(results.notes?.length ? ["", ...results.notes.map((n) => `- ${n}`)] : []),
    "",
  ].join("\n");
}

/**
 * Writes `results.json` and `results.md` into `dir`, each atomically.
 *
 * @param dir The output directory (created if missing).
 * @param results The results.
 */
export async function writeResults(dir: string, results: Results): Promise<void> {
  await Deno.mkdir(dir, { recursive: true });
  // JSON has no Infinity (e.g. "no clipping"): write it as a string rather than as null.
  const json = JSON.stringify(
    results,
    (_, v) => (typeof v === "number" && !Number.isFinite(v) ? String(v) : v),
    2,
  );
  await writeTextFileAtomic(`${dir}/results.json`, json + "\n");
  await writeTextFileAtomic(`${dir}/results.md`, resultsMarkdown(results));
}
