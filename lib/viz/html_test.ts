import assert from "node:assert/strict";
import { type Chart, encodePng, htmlReport, loadPlotlyScript } from "./mod.ts";

const chart = (title: string): Chart => ({
  title,
  xLabel: "iteration",
  yLabel: "loss",
  series: [{ name: "aux", x: [0, 1, 2], y: [2, 1, 0.5] }],
});
const png = encodePng({ width: 2, height: 1, channels: 1, data: new Uint8Array([0, 255]) });
const evil = "</script><script>alert(1)</script>";

Deno.test("htmlReport() inlines plotly.js once for three charts", async () => {
  const html = await htmlReport({
    title: "run",
    sections: [{ heading: "Curves", charts: [chart("a"), chart("b")] }, {
      heading: "More",
      charts: [chart("c")],
    }],
  });
  const plotly = await loadPlotlyScript();
  assert.equal(html.split(plotly.slice(0, 200)).length - 1, 1);
  assert.equal(html.match(/class="dimo-chart"/g)?.length, 3);
  assert.equal(html.match(/Plotly\.newPlot\(/g)?.length, 3);
  assert.ok(html.includes("chartsRendered") && html.includes("imagesLoaded"));
});

Deno.test("htmlReport() escapes every text, so only its own scripts run", async () => {
  const html = await htmlReport({
    title: evil,
    sections: [{
      heading: evil,
      paragraphs: [evil],
      tables: [{ columns: [evil], rows: [[evil]] }],
      charts: [chart(evil)],
      images: [{ caption: evil, png }],
    }],
  });
  // plotly.js, one chart, the status script: three <script> elements, none from the texts.
  assert.equal(html.match(/<script>/g)?.length, 3);
  assert.equal(html.match(/<\/script>/gi)?.length, 3);
  assert.ok(!html.includes("<script>alert"));
  assert.ok(html.includes("<title>&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;</title>"));
  assert.ok(html.includes('alt="&lt;/script&gt;'));
});

Deno.test("htmlReport() embeds images as data URIs that decode to the PNG", async () => {
  const html = await htmlReport({
    title: "samples",
    sections: [{ heading: "Grid", images: [{ caption: "x", png }] }],
  });
  const [, base64] = html.match(/<img src="data:image\/png;base64,([A-Za-z0-9+/=]+)"/) ?? [];
  assert.deepEqual(Uint8Array.from(atob(base64), (c) => c.charCodeAt(0)), png);
});

Deno.test("htmlReport() leaves plotly.js out of a page without charts", async () => {
  const html = await htmlReport({
    title: "table",
    sections: [{ heading: "Results", tables: [{ columns: ["method", "TV"], rows: [["teacher", 0.01]] }] }],
  });
  assert.ok(html.length < 10_000, `${html.length} characters`);
  assert.ok(html.includes('<td class="num">0.01</td>') && html.includes("<td>teacher</td>"));
});

Deno.test("htmlReport() rejects non-strings, bad rows and non-PNG images", async () => {
  await assert.rejects(
    htmlReport({ title: "t", sections: [{ heading: 1 as unknown as string }] }),
    TypeError,
  );
  await assert.rejects(
    htmlReport({ title: "t", sections: [{ heading: "h", tables: [{ columns: ["a"], rows: [[1, 2]] }] }] }),
    /'rows\[0\]' must be an array of 1 cells/,
  );
  await assert.rejects(
    htmlReport({
      title: "t",
      sections: [{ heading: "h", images: [{ caption: "c", png: new Uint8Array(8) }] }],
    }),
    /PNG signature/,
  );
});

Deno.test("htmlReport() lays a section's images side by side in one grid, each with its caption", async () => {
  const html = await htmlReport({
    title: "samples",
    sections: [{
      heading: "Samples",
      images: ["teacher, 16 steps", "Di[M]O, 1 step"].map((caption) => ({ caption, png })),
    }],
  });
  const grid = html.match(/<div class="dimo-figures">\n([\s\S]*?)\n<\/div>/)?.[1] ?? "";
  const figures = grid.split("\n");
  assert.equal(figures.length, 2);
  assert.match(
    figures[0],
    /^<figure><img src="data:image\/png;base64,[^"]+" alt="teacher, 16 steps"><figcaption>teacher, 16 steps<\/figcaption><\/figure>$/,
  );
  assert.match(figures[1], /<figcaption>Di\[M\]O, 1 step<\/figcaption>/);
  assert.match(html, /\.dimo-figures \{ display: grid; grid-template-columns: repeat\(auto-fill/);
});

Deno.test("htmlReport() shows directions in table headers and keeps long text columns readable", async () => {
  const html = await htmlReport({
    title: "table",
    sections: [{
      heading: "Results",
      tables: [{
        columns: ["method", "tv"],
        rows: [["one-step student (EMA), 1000 iterations", 0.28]],
        better: [null, "lower"],
      }],
    }],
  });
  assert.ok(html.includes('<div class="dimo-table"><table>'));
  assert.ok(html.includes('<th class="num" title="lower is better">tv\u00a0↓</th>'));
  assert.ok(html.includes('<td class="wide">one-step student (EMA), 1000 iterations</td>'));
  assert.match(html, /td\.wide \{ white-space: normal; min-width: 24rem;/);
});
