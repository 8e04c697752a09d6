// The Chromium test needs Debian's `chromium` and `--allow-run=chromium`; it is skipped with a message
// otherwise, as under `deno task test`. `.ci/notebooks.sh` runs it with Chromium installed.
import assert from "node:assert/strict";
import { CHROMIUM, pageProblems, readPageReport, renderPage } from "./check_html.ts";

const FIXTURES = decodeURIComponent(new URL("./fixtures", import.meta.url).pathname);

const skipReason = await chromiumMissing();
if (skipReason) console.warn(`check_html_test.ts: Chromium test skipped, ${skipReason}`);

async function chromiumMissing(): Promise<string | null> {
  const permission = await Deno.permissions.query({ name: "run", command: CHROMIUM });
  if (permission.state !== "granted") return `no --allow-run=${CHROMIUM}`;
  try {
    await new Deno.Command(CHROMIUM, { args: ["--version"], stdout: "null", stderr: "null" }).output();
    return null;
  } catch {
    return `${CHROMIUM} is not installed`;
  }
}

Deno.test("readPageReport() reads both counts from the body tag only", () => {
  const dom = '<html><body class="x" data-charts-rendered="2/3" data-images-loaded="0/0">' +
    '<div data-charts-rendered="9/9"></div></body></html>';
  assert.deepEqual(readPageReport(dom), { charts: { done: 2, total: 3 }, images: { done: 0, total: 0 } });
  assert.deepEqual(readPageReport("<body><p>no report</p></body>"), { charts: null, images: null });
});

Deno.test("pageProblems() passes complete counts and names each shortfall", () => {
  const count = (done: number, total: number) => ({ done, total });
  assert.deepEqual(pageProblems({ charts: count(2, 2), images: count(0, 0) }), []);
  assert.deepEqual(pageProblems({ charts: count(1, 2), images: count(0, 1) }), [
    "1 of 2 charts rendered",
    "0 of 1 images loaded",
  ]);
  assert.deepEqual(pageProblems({ charts: count(0, 0), images: count(1, 1) }), ["the page has no chart"]);
  assert.equal(pageProblems({ charts: null, images: null }).length, 2);
});

Deno.test({
  name: "renderPage() lets a page report its charts and images in headless Chromium",
  ignore: skipReason !== null,
  async fn() {
    const good = readPageReport(await renderPage(`${FIXTURES}/results.html`));
    assert.deepEqual(good, { charts: { done: 2, total: 2 }, images: { done: 1, total: 1 } });
    const broken = readPageReport(await renderPage(`${FIXTURES}/broken/results.html`));
    assert.deepEqual(broken, { charts: { done: 1, total: 2 }, images: { done: 0, total: 1 } });
  },
});
