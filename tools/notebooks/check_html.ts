/**
 * Opens results pages in headless Chromium and checks that every chart rendered and every image
 * loaded: `deno run --allow-read=runs --allow-run=chromium tools/notebooks/check_html.ts [PAGE.html]…`.
 * Without arguments it checks every `results.html` under `runs/`.
 *
 * A results page reports on itself: after load it sets `data-charts-rendered="k/n"` and
 * `data-images-loaded="k/n"` on `<body>`. Chromium runs with a virtual time budget, so the page's
 * timers and image loads finish before the DOM is dumped. A page passes when it has at least one
 * chart, k = n for both counts, and the attributes are present (a script that died sets none).
 * Exits 1 if any page fails, 2 if there is no page to check or Chromium is missing.
 *
 * @module
 */

/** The Chromium binary Debian's `chromium` package puts on PATH. */
export const CHROMIUM = "chromium";
const VIRTUAL_TIME_MS = 10_000;
const WALL_TIMEOUT_MS = 60_000;

/** `k` of `n` items done, as a page reports it. */
export interface Count {
  /** Items that rendered or loaded. */
  done: number;
  /** Items on the page. */
  total: number;
}

/** What a page reports on its `<body>`; null where the attribute is missing or malformed. */
export interface PageReport {
  /** From `data-charts-rendered`. */
  charts: Count | null;
  /** From `data-images-loaded`. */
  images: Count | null;
}

/**
 * Reads the counts a results page set on its `<body>` from Chromium's DOM dump.
 *
 * @param dom The serialised document, as `chromium --dump-dom` prints it.
 * @returns The chart and image counts, each null if the page did not set it.
 */
export function readPageReport(dom: string): PageReport {
  const body = dom.match(/<body\b[^>]*>/i)?.[0] ?? "";
  const count = (name: string): Count | null => {
    const match = body.match(new RegExp(`\\s${name}="(\\d+)/(\\d+)"`));
    return match ? { done: Number(match[1]), total: Number(match[2]) } : null;
  };
  return { charts: count("data-charts-rendered"), images: count("data-images-loaded") };
}

/**
 * Lists what is wrong with a page's report.
 *
 * @param report The counts from {@linkcode readPageReport}.
 * @returns One sentence per problem; empty when every chart rendered (at least one) and every image loaded.
 */
export function pageProblems(report: PageReport): string[] {
  const problems: string[] = [];
  const { charts, images } = report;
  if (!charts) problems.push("no data-charts-rendered on <body>: the page's script did not finish");
  else if (charts.total < 1) problems.push("the page has no chart");
  else if (charts.done !== charts.total) problems.push(`${charts.done} of ${charts.total} charts rendered`);
  if (!images) problems.push("no data-images-loaded on <body>: the page's script did not finish");
  else if (images.done !== images.total) problems.push(`${images.done} of ${images.total} images loaded`);
  return problems;
}

/**
 * Finds every `results.html` below a folder, sorted.
 *
 * @param root The folder to search recursively.
 * @returns Paths joined onto `root`; empty if `root` does not exist.
 */
export async function findResultPages(root: string): Promise<string[]> {
  const pages: string[] = [];
  try {
    for await (const entry of Deno.readDir(root)) {
      const path = `${root}/${entry.name}`;
      if (entry.isDirectory) pages.push(...await findResultPages(path));
      else if (entry.isFile && entry.name === "results.html") pages.push(path);
    }
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  return pages.sort();
}

/**
 * Loads a page in headless Chromium and returns its DOM once the virtual time budget is spent.
 *
 * @param path The HTML file.
 * @returns The serialised DOM.
 * @throws {Error} If Chromium exits with an error or runs past a minute.
 */
export async function renderPage(path: string): Promise<string> {
  const url = new URL("file:///");
  url.pathname = await Deno.realPath(path);
  const result = await new Deno.Command(CHROMIUM, {
    args: [
      "--headless",
      "--no-sandbox", // CI runs as root, where Chromium's sandbox refuses to start
      "--disable-gpu",
      "--dump-dom",
      `--virtual-time-budget=${VIRTUAL_TIME_MS}`,
      url.href,
    ],
    signal: AbortSignal.timeout(WALL_TIMEOUT_MS),
  }).output();
  if (!result.success) {
    throw new Error(`chromium exited with ${result.code}: ${new TextDecoder().decode(result.stderr).trim()}`);
  }
  return new TextDecoder().decode(result.stdout);
}

function describe(count: Count | null): string {
  return count ? `${count.done}/${count.total}` : "?";
}

async function main(args: string[]): Promise<number> {
  const pages = args.length > 0 ? args : await findResultPages("runs");
  if (pages.length === 0) {
    console.error("No results.html under runs/ to check.");
    return 2;
  }
  let failed = 0;
  for (const page of pages) {
    let report: PageReport;
    try {
      await Deno.stat(page);
      report = readPageReport(await renderPage(page));
    } catch (error) {
      if (error instanceof Deno.errors.NotFound && await isFile(page)) {
        console.error(`${CHROMIUM} not found; on Debian: sudo apt-get install chromium`);
        return 2;
      }
      console.log(`FAIL ${page}: ${(error as Error).message}`);
      failed++;
      continue;
    }
    const problems = pageProblems(report);
    const counts = `charts ${describe(report.charts)}, images ${describe(report.images)}`;
    console.log(`${problems.length === 0 ? "ok  " : "FAIL"} ${page}: ${counts}`);
    for (const problem of problems) console.log(`     ${problem}`);
    if (problems.length > 0) failed++;
  }
  console.log(`results pages: ${pages.length - failed} passed, ${failed} failed`);
  return failed === 0 ? 0 : 1;
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await Deno.stat(path)).isFile;
  } catch {
    return false;
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));
