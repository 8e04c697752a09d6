import assert from "node:assert/strict";
import { trainingCurves } from "./mod.ts";

interface Report {
  readonly iteration: number;
  readonly auxLoss: number;
  readonly studentGradNorm: number;
  readonly studentUpdated: boolean;
}

const history: Report[] = [
  { iteration: 0, auxLoss: 2.0, studentGradNorm: 0.5, studentUpdated: true },
  { iteration: 1, auxLoss: 1.8, studentGradNorm: NaN, studentUpdated: false },
  { iteration: 2, auxLoss: 1.5, studentGradNorm: 0.4, studentUpdated: true },
];

Deno.test("trainingCurves() makes one series per key against the iteration, leaving out NaN", () => {
  const chart = trainingCurves(history, {
    keys: ["auxLoss", "studentGradNorm"],
    title: "Distillation",
    logY: true,
  });
  assert.deepEqual(chart, {
    title: "Distillation",
    xLabel: "iteration",
    yLabel: "auxLoss, studentGradNorm",
    logY: true,
    series: [
      { name: "auxLoss", x: [0, 1, 2], y: [2.0, 1.8, 1.5] },
      { name: "studentGradNorm", x: [0, 2], y: [0.5, 0.4] },
    ],
  });
});

Deno.test("trainingCurves() takes another x key and skips reports without the key", () => {
  const log = [{ step: 10, loss: 1 }, { step: 20 }, { step: 30, loss: 0.5 }];
  const chart = trainingCurves<{ step: number; loss?: number }>(log, {
    keys: ["loss"],
    x: "step",
    yLabel: "CE",
  });
  assert.deepEqual(chart.series[0], { name: "loss", x: [10, 30], y: [1, 0.5] });
  assert.deepEqual([chart.xLabel, chart.yLabel], ["step", "CE"]);
});

Deno.test("trainingCurves() rejects a key that holds something other than numbers", () => {
  assert.throws(
    () => trainingCurves(history, { keys: ["studentUpdated"] }),
    /'history\[0\]\.studentUpdated' must be a number: current value is true/,
  );
});
