/**
 * The bench's Di[M]O iteration table: which rows run, one row's measurement (in its own process),
 * and the Markdown table with the PyTorch reference beside it.
 *
 * @module
 */
import { type BackendInfo, tf, useBackend } from "@dimo/dimo";
import {
  benchDistillStep,
  DISTILL_SIZES,
  type DistillResult,
  type DistillSizeName,
  type KernelTime,
} from "./distill_step.ts";
import type { PyTorchIteration } from "./pytorch.ts";

/** The ImageNet size's batches: as they are, and with activations recomputed. */
export interface ImagenetBatches {
  readonly kept: readonly number[];
  readonly recomputed: readonly number[];
}

/** One row: a backend, a size and a batch. */
export interface DistillSetting {
  readonly backend: string;
  readonly size: DistillSizeName;
  readonly batch: number;
  /** Whether the gradient passes recompute their activations. */
  readonly recomputeActivations: boolean;
  /** Whether to profile one more iteration's kernels (`--kernel-times`). */
  readonly kernelTimes?: boolean;
  /** Iterations timed each way. */
  readonly steps: number;
  /** Why the row is not run, if it is not. */
  readonly skip?: string;
}

/** A row's outcome: the measurement, or why there is none (not run, or the error of its process). */
export interface DistillRow {
  readonly setting: DistillSetting;
  readonly info?: BackendInfo;
  readonly result: DistillResult | string;
}

/**
 * The rows to time: the image size on wasm and webgpu, the ImageNet size on webgpu only; cpu's
 * rows are listed as not run (tens of seconds an iteration at the image size).
 *
 * @param backends The backends of the bench.
 * @param quick Fewer iterations, and no cpu row.
 * @param imagenetBatches The ImageNet size's batches.
 * @param kernelTimes Whether each row also profiles one iteration's kernels.
 * @returns The settings, in order.
 */
export function distillRows(
  backends: readonly string[],
  quick: boolean,
  imagenetBatches: ImagenetBatches,
  kernelTimes = false,
): DistillSetting[] {
  return backends.flatMap((backend) => rowsOf(backend, quick, imagenetBatches))
    .map((setting) => kernelTimes && setting.skip === undefined ? { ...setting, kernelTimes } : setting);
}

/** One backend's rows: the image size, and on webgpu the ImageNet size's. */
function rowsOf(
  backend: string,
  quick: boolean,
  imagenetBatches: ImagenetBatches,
): DistillSetting[] {
  const image = DISTILL_SIZES.image.batches.map((batch) => ({
    backend,
    size: "image" as const,
    batch,
    recomputeActivations: false,
    steps: quick ? 2 : backend === "webgpu" ? 10 : 3,
    ...(backend === "cpu" ? { skip: "not run (tens of seconds an iteration)" } : {}),
  }));
  if (backend !== "webgpu") return image;
  const imagenet = [
    ...imagenetBatches.kept.map((batch) => ({ batch, recomputeActivations: false })),
    ...imagenetBatches.recomputed.map((batch) => ({ batch, recomputeActivations: true })),
  ].map((row) => ({ backend, size: "imagenet" as const, ...row, steps: quick ? 2 : 5 }));
  return [...image, ...imagenet];
}

/** Measures one row in this process (the child's half of the bench). */
export async function runDistillRow(setting: DistillSetting): Promise<DistillRow> {
  const info = await useBackend(setting.backend);
  // The device's own message, should a WebGPU command fail (its error is not thrown where it happens).
  const device = (tf.backend() as unknown as { device?: GPUDevice }).device;
  device?.addEventListener("uncapturederror", (event) => {
    console.error(`WebGPU error: ${(event as GPUUncapturedErrorEvent).error.message}`);
  });
  console.error(`${info.adapter}: Di[M]O iteration, ${setting.size} size, ${batchCell(setting)}…`);
  const { size, batch, steps, recomputeActivations, kernelTimes } = setting;
  const result = await benchDistillStep(size, batch, steps, recomputeActivations, kernelTimes);
  return { setting, info, result };
}

const batchCell = ({ batch, recomputeActivations }: DistillSetting) =>
  recomputeActivations ? `${batch}, activations recomputed` : `${batch}`;
const fixed = (x: number, digits: number) => x.toFixed(digits);
const gib = (bytes: number | undefined) => bytes === undefined ? "—" : `${fixed(bytes / 2 ** 30, 2)}`;

/**
 * Prints the iteration table: dimo's rows, then each PyTorch row against the matching dimo row
 * (webgpu for CUDA, wasm for the CPU).
 *
 * @param rows dimo's rows.
 * @param pytorch The PyTorch rows, or why there are none.
 */
export function printDistill(rows: readonly DistillRow[], pytorch: PyTorchIteration[] | string): void {
  console.log(
    `\nOne Di[M]O iteration (distillStep: sampling the student, the guided teacher at 2B, the aux model, forward-KL gradient, the surrogate's backward and Adam with clipping; a fresh batch, the aux model's label-smoothed cross-entropy and Adam; the EMA), random weights. Sizes: ${
      Object.values(DISTILL_SIZES).map((s) => s.description).join("; ")
    }. One warm-up iteration, then the median of the awaited iterations and the mean with one in flight (the next started before the previous report is awaited). Device memory: WebGPU's buffer pool after the timed iterations (it keeps every buffer it made, so it is the run's high-water mark).\n`,
  );
  console.log(
    "| backend | adapter | size | batch | iteration s (awaited / one in flight) | iterations timed | tensors before → after | live tensors GiB | device memory GiB | aux loss |",
  );
  console.log(`|${"---|".repeat(10)}`);
  for (const { setting, info, result } of rows) {
    const head = [setting.backend, info?.adapter ?? "", setting.size, batchCell(setting)];
    const cells = typeof result === "string" ? [result, "", "", "", "", ""] : [
      `${fixed(result.seconds, 3)} / ${fixed(result.inFlightSeconds, 3)}`,
      `${result.steps}`,
      `${result.tensors[0]} → ${result.tensors[1]}`,
      gib(result.liveBytes),
      gib(result.deviceBytes),
      fixed(result.auxLoss, 4),
    ];
    console.log(`| ${[...head, ...cells].join(" | ")} |`);
  }
  for (const { setting, result } of rows) {
    if (typeof result === "string" || result.kernels === undefined) continue;
    printKernels(`${setting.backend}, ${setting.size}, batch ${batchCell(setting)}`, result.kernels);
  }
  console.log(
    "\nThe same iteration in PyTorch (bench/reference_distill.py: fp32, TF32 off, eager), median of the timed iterations; peak memory is torch.cuda.max_memory_allocated:\n",
  );
  if (typeof pytorch === "string") {
    console.log(pytorch);
    return;
  }
  console.log(
    "| PyTorch device | torch | size | batch | iteration s | peak GiB | aux loss | dimo row | dimo s (awaited / one in flight) | dimo / PyTorch (awaited / in flight) |",
  );
  console.log(`|${"---|".repeat(10)}`);
  for (const p of pytorch) {
    const kind = p.device.startsWith("cuda") ? "webgpu" : "wasm";
    const mine = rows.filter((r) =>
      r.setting.backend === kind && r.setting.size === p.size && r.setting.batch === p.batch
    );
    const head = [
      p.device,
      p.torch,
      p.size,
      `${p.batch}`,
      p.seconds === undefined ? p.error ?? "—" : fixed(p.seconds, 4),
      gib(p.peakBytes),
      p.auxLoss === undefined ? "—" : fixed(p.auxLoss, 4),
    ];
    for (const row of mine.length > 0 ? mine : [undefined]) {
      const dimo = row && typeof row.result === "object" ? row.result : undefined;
      const seconds = dimo && [dimo.seconds, dimo.inFlightSeconds];
      const cells = [
        ...head,
        row ? `${kind}, ${row.info?.adapter ?? ""}, ${batchCell(row.setting)}` : `no ${kind} row`,
        seconds ? seconds.map((s) => fixed(s, 3)).join(" / ") : "—",
        seconds && p.seconds ? seconds.map((s) => `${fixed(s / p.seconds!, 1)}×`).join(" / ") : "—",
      ];
      console.log(`| ${cells.join(" | ")} |`);
    }
  }
}

/** The kernels that take most of one profiled iteration, with the rest summed into one row. */
function printKernels(row: string, kernels: readonly KernelTime[]): void {
  const total = kernels.reduce((sum, k) => sum + k.ms, 0);
  const shown = 15;
  const rest = kernels.slice(shown);
  console.log(`\nKernels of one more iteration under tf.profile (${row}): ${fixed(total, 1)} ms in all\n`);
  console.log("| kernel | dispatches | ms | share |");
  console.log(`|${"---|".repeat(4)}`);
  const line = (name: string, count: number, ms: number) =>
    console.log(`| ${name} | ${count} | ${fixed(ms, 1)} | ${fixed((100 * ms) / total, 1)}% |`);
  for (const k of kernels.slice(0, shown)) line(k.name, k.count, k.ms);
  if (rest.length > 0) {
    line(
      `${rest.length} others`,
      rest.reduce((sum, k) => sum + k.count, 0),
      rest.reduce((sum, k) => sum + k.ms, 0),
    );
  }
}
