import assert from "node:assert/strict";
import { loadPlotlyScript } from "./mod.ts";

Deno.test("loadPlotlyScript() reads plotly.js once and returns its source", async () => {
  const [a, b] = await Promise.all([loadPlotlyScript(), loadPlotlyScript()]);
  assert.equal(a, b);
  assert.ok(a.length > 500_000, `${a.length} characters`);
  assert.match(a.slice(0, 200), /plotly\.js \(basic - minified\) v4\.1\.1/);
  assert.ok(a.includes("window.Plotly = Plotly"));
  new Function(a); // parses as a script: throws a SyntaxError otherwise
});
