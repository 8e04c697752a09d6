import assert from "node:assert/strict";
import { DEFAULT_TRANSFORMER_CONFIG, resolveTransformerConfig, tokenLayout } from "./config.ts";

Deno.test("resolveTransformerConfig() fills MaskGIT's defaults and freezes the result", () => {
  const config = resolveTransformerConfig({ width: 64, heads: 4 });
  assert.deepEqual(config, { ...DEFAULT_TRANSFORMER_CONFIG, width: 64, heads: 4 });
  assert.ok(Object.isFrozen(config));
  assert.deepEqual(resolveTransformerConfig(), DEFAULT_TRANSFORMER_CONFIG);
});

Deno.test("resolveTransformerConfig() rejects bad sizes, rates and flags in the project's message style", () => {
  assert.throws(
    () => resolveTransformerConfig({ layers: 0 }),
    new RangeError(
      "Cannot resolve the transformer config as 'layers' must be an integer >= 1: current value is 0",
    ),
  );
  assert.throws(
    () => resolveTransformerConfig({ codebookSize: 2.5 }),
    /'codebookSize' must be an integer >= 1/,
  );
  assert.throws(() => resolveTransformerConfig({ mlpRatio: 0 }), RangeError);
  assert.throws(
    () => resolveTransformerConfig({ width: 10, heads: 4 }),
    new RangeError(
      "Cannot resolve the transformer config as 'heads' must be a divisor of width 10: current value is 4",
    ),
  );
  assert.throws(() => resolveTransformerConfig({ dropout: 1 }), /'dropout' must be a number in \[0, 1\)/);
  assert.throws(() => resolveTransformerConfig({ dropout: -0.1 }), RangeError);
  assert.throws(() => resolveTransformerConfig({ dropout: NaN }), RangeError);
  assert.throws(
    () => resolveTransformerConfig({ tiedHead: 1 as unknown as boolean }),
    new TypeError(
      "Cannot resolve the transformer config as 'tiedHead' must be a boolean: current value is 1",
    ),
  );
  assert.throws(
    () => resolveTransformerConfig({ depth: 3 } as unknown as Record<string, number>),
    /'field' must be one of "codebookSize", .*: current value is "depth"/,
  );
});

Deno.test("tokenLayout() places codes, mask, classes and the null class in one table", () => {
  const config = resolveTransformerConfig({ codebookSize: 8, numClasses: 3 });
  assert.deepEqual(tokenLayout(config), {
    maskId: 8,
    vocabSize: 9,
    classOffset: 9,
    nullClass: 3,
    tableRows: 13,
  });
  const noMaskClass = resolveTransformerConfig({ codebookSize: 8, numClasses: 3, outputMaskClass: false });
  assert.equal(tokenLayout(noMaskClass).vocabSize, 8);
});

Deno.test("resolveTransformerConfig() keeps maskgitLayers only when set, and checks it is a boolean", () => {
  assert.equal(resolveTransformerConfig({ maskgitLayers: true }).maskgitLayers, true);
  assert.ok(!("maskgitLayers" in resolveTransformerConfig({ maskgitLayers: false })));
  assert.deepEqual(resolveTransformerConfig({ maskgitLayers: false }), resolveTransformerConfig());
  assert.throws(
    () => resolveTransformerConfig({ maskgitLayers: "yes" as unknown as boolean }),
    /'maskgitLayers' must be a boolean: current value is "yes"/,
  );
});
