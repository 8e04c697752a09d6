import assert from "node:assert/strict";
import * as tf from "../backend/tf.ts";
import { useTestBackend, withoutLeaks } from "../backend/testing.ts";
import { resolveTextEncoderConfig } from "./config.ts";
import { encodeText, textEncoderSpecs } from "./_text_encoder.ts";

await useTestBackend();

const TEXT = resolveTextEncoderConfig({
  vocabSize: 12,
  contextLength: 4,
  width: 8,
  heads: 2,
  layers: 1,
  mlpRatio: 2,
});

Deno.test("encodeText pools the mean of the states at non-padding ids, on every backend", async () => {
  await withoutLeaks(async () => {
    const weights = Object.fromEntries(
      textEncoderSpecs("text", TEXT).map((
        { name, shape },
        i,
      ) => [name, tf.randomNormal([...shape], 0, 1, "float32", i)]),
    );
    const rows = [[2, 0, 0, 0], [3, 0, 0, 0], [4, 5, 0, 0], [6, 7, 8, 9]];
    const ids = tf.tensor2d(rows, [4, 4], "int32");
    const [states, pooled] = tf.tidy(() => {
      const encoded = encodeText(ids, "text", (name) => weights[name], TEXT);
      return [encoded.states, encoded.pooled];
    });
    const [s, p] = [await states.array(), await pooled.array()] as [number[][][], number[][]];
    rows.forEach((row, b) => {
      const kept = row.map((id, i) => [id, i]).filter(([id]) => id !== 0).map(([, i]) => i);
      for (let w = 0; w < TEXT.width; w++) {
        const mean = kept.reduce((sum, i) => sum + s[b][i][w], 0) / kept.length;
        assert.ok(Math.abs(mean) > 1e-3, "the states are not zero");
        assert.ok(Math.abs(p[b][w] - mean) < 1e-5, `prompt ${b}, unit ${w}: ${p[b][w]} against ${mean}`);
      }
    });
    tf.dispose([ids, states, pooled, ...Object.values(weights)]);
  });
});
