/**
 * `deno task bench [--backends wasm,cpu,webgpu] [--quick]`: matMul throughput and the time of one
 * training step of the reference transformer on each backend, as one Markdown table.
 *
 * Without `--backends` (or `DIMO_BACKEND`), it runs cpu and wasm, and webgpu when the adapter is
 * real hardware. `--quick` times fewer repeats and skips the cpu training step (~2 min).
 *
 * @module
 */
import { parseArgs } from "node:util";
import { BACKEND_NAMES, type BackendInfo, checkOneOf, probeWebGpu, tf, useBackend } from "@dimo/dimo";
import { benchMatMul, type MatMulResult } from "./matmul.ts";
import {
  benchTrainStep,
  MASK_RATIO,
  REFERENCE_BATCH,
  REFERENCE_CONFIG,
  type StepResult,
} from "./train_step.ts";

interface Row {
  readonly info: BackendInfo;
  readonly matMul: readonly MatMulResult[];
  readonly step: StepResult | string;
}

async function chooseBackends(flag: string | undefined): Promise<string[]> {
  let fromEnv: string | undefined;
  try {
    fromEnv = Deno.env.get("DIMO_BACKEND");
  } catch {
    fromEnv = undefined; // no env permission: the default list applies
  }
  const listed = flag ?? fromEnv;
  if (listed !== undefined) {
    const names = listed.split(",").map((s) => s.trim()).filter((s) => s !== "");
    names.forEach((name) => checkOneOf("run the bench", "--backends", name, BACKEND_NAMES));
    return names;
  }
  const probe = await probeWebGpu();
  return probe.hardware ? ["cpu", "wasm", "webgpu"] : ["cpu", "wasm"];
}

async function benchBackend(name: string, quick: boolean): Promise<Row> {
  const info = await useBackend(name);
  const repeats = quick ? 1 : 3;
  const matMul: MatMulResult[] = [];
  for (const size of [512, 1024]) {
    console.error(`${info.name}: matMul ${size}…`);
    matMul.push(await benchMatMul(size, repeats, 1));
  }
  let step: StepResult | string;
  if (info.name === "cpu" && quick) {
    step = "skipped under --quick (about 2 min a step)";
  } else {
    console.error(`${info.name}: training step…`);
    // The cpu backend takes minutes a step: one timed step after a 1-sample warm-up.
    const cpu = info.name === "cpu";
    step = await benchTrainStep({ steps: cpu || quick ? 1 : 3, smallWarmUp: cpu });
  }
  return { info, matMul, step };
}

const fixed = (x: number, digits: number) => x.toFixed(digits);

function formatRow({ info, matMul, step }: Row): string {
  const gflops = matMul.map((m) => m.correct ? fixed(m.gflops, 1) : `${fixed(m.gflops, 1)} (WRONG RESULT)`);
  const stepCells = typeof step === "string" ? [step, "", "", ""] : [
    `${fixed(step.seconds, 2)} (${step.steps === 1 ? "1 step" : `median of ${step.steps}`})`,
    fixed(step.forwardSeconds, 2),
    `${step.tensors[0]} → ${step.tensors[1]}`,
    fixed(step.loss, 4),
  ];
  return `| ${[info.name, info.adapter, ...gflops, ...stepCells].join(" | ")} |`;
}

function describeModel(): string {
  const c = REFERENCE_CONFIG;
  const masked = Math.round(c.seqLen * MASK_RATIO);
  return `codebook ${c.codebookSize} + mask, ${c.numClasses} classes, ${c.seqLen} tokens + class token, ` +
    `width ${c.width}, ${c.heads} heads, ${c.layers} layers, MLP ×${c.mlpRatio}, dropout ${c.dropout}, ` +
    `tied head; batch ${REFERENCE_BATCH}, ${masked} masked tokens a row, masked cross-entropy, adam(1e-4)`;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    args: Deno.args,
    options: { backends: { type: "string" }, quick: { type: "boolean", default: false } },
  });
  const quick = values.quick ?? false;
  const rows: Row[] = [];
  for (const name of await chooseBackends(values.backends)) rows.push(await benchBackend(name, quick));
  console.log(`# dimo bench — ${new Date().toISOString()}\n`);
  console.log(
    `Deno ${Deno.version.deno} (V8 ${Deno.version.v8}), tfjs-core ${tf.version_core}${
      quick ? ", --quick" : ""
    }.`,
  );
  console.log(`Training step: ${describeModel()}; one warm-up step first.\n`);
  console.log(
    "| backend | adapter | matMul 512 GFLOP/s | matMul 1024 GFLOP/s | train step s | forward s | tensors before → after | loss |",
  );
  console.log("|---|---|---|---|---|---|---|---|");
  for (const row of rows) console.log(formatRow(row));
  if (rows.some((row) => row.info.name === "cpu" && typeof row.step !== "string")) {
    console.log("\ncpu: one timed step after a 1-sample warm-up step (a full step takes minutes there).");
  }
}

if (import.meta.main) await main();
