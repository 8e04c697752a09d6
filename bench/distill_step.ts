/**
 * One Di[M]O iteration (`distillStep`: the student step on the guided teacher's forward-KL
 * gradient, the aux step and the EMA update) at two sizes: the image experiment's networks at its
 * batch, and the paper's ImageNet MaskGIT networks.
 *
 * @module
 */
import {
  createDistillState,
  createRng,
  type DistillConfig,
  distillStep,
  type PartialDistillConfig,
  resolveDistillConfig,
  resolveTransformerConfig,
  tf,
  Transformer,
  type TransformerConfig,
  withOneInFlight,
} from "@dimo/dimo";
import { activeDeviceMemory } from "@dimo/dimo/backend";
import { median } from "./train_step.ts";

/** The networks and the distillation settings of one size. */
export interface DistillSize {
  /** The teacher's (and so the student's and the aux model's) architecture. */
  readonly model: TransformerConfig;
  /** Overrides of the paper's MaskGIT distillation settings; the batch is the bench's. */
  readonly distill: PartialDistillConfig;
  /** The batches the bench times by default. */
  readonly batches: readonly number[];
  /** The batches it times by default with activations recomputed (`recomputeActivations`). */
  readonly recomputeBatches: readonly number[];
  /** What it is, in words. */
  readonly description: string;
}

/** The names of {@linkcode DISTILL_SIZES}. */
export type DistillSizeName = "image" | "imagenet";

/**
 * `image`: the image experiment's networks and distillation (experiments/images.ts: 256 codes over
 * the 49 4×4 patches of a 28×28 image, 10 classes, width 96, 3 layers, 4 heads; batch 32, the
 * student's lr 2e-4, the aux model's 1e-3, σ = 0). `imagenet`: the paper's MaskGIT (16×16 = 256
 * tokens, 1,024 codes, 1,000 classes, width 768, 24 layers, 16 heads; the default config) with the
 * paper's distillation settings; from batch 48 on, it fits an 80 GB card only with activations
 * recomputed.
 */
export const DISTILL_SIZES: Readonly<Record<DistillSizeName, DistillSize>> = {
  image: {
    model: resolveTransformerConfig({
      codebookSize: 256,
      numClasses: 10,
      seqLen: 49,
      width: 96,
      layers: 3,
      heads: 4,
    }),
    distill: { studentAdam: { lr: 2e-4 }, auxAdam: { lr: 1e-3 }, init: { sigma: 0 } },
    batches: [32],
    recomputeBatches: [],
    description: "image experiment: 256 codes, 10 classes, 49 tokens, width 96, 3 layers, 4 heads",
  },
  imagenet: {
    model: resolveTransformerConfig({}),
    distill: {},
    batches: [8, 32],
    recomputeBatches: [64],
    description: "ImageNet MaskGIT: 1,024 codes, 1,000 classes, 256 tokens, width 768, 24 layers, 16 heads",
  },
};

/** What timing one size at one batch found. */
export interface DistillResult {
  readonly size: DistillSizeName;
  readonly batch: number;
  /** Median seconds of the awaited iterations. */
  readonly seconds: number;
  /** Iterations timed each way. */
  readonly steps: number;
  /** Mean seconds an iteration over as many again, each started before the previous one's report is awaited. */
  readonly inFlightSeconds: number;
  /** `tf.memory().numTensors` before and after the timed iterations. */
  readonly tensors: readonly [number, number];
  /** `tf.memory().numBytes` after the timed iterations: the live tensors (the state). */
  readonly liveBytes: number;
  /**
   * What the backend holds on the device after the timed iterations (WebGPU's buffer pool, which
   * keeps every buffer it ever made: `activeDeviceMemory`), or undefined on other backends.
   */
  readonly deviceBytes?: number;
  /** The aux model's loss of the fourth iteration (the last if fewer). */
  readonly auxLoss: number;
  /** With `kernelTimes`: one more iteration under `tf.profile`, its kernels by total time, most first. */
  readonly kernels?: readonly KernelTime[];
}

/** One kernel's share of a profiled iteration. */
export interface KernelTime {
  readonly name: string;
  /** Dispatches in the iteration. */
  readonly count: number;
  /** Their summed time, in ms (the device's timestamps where the backend has them). */
  readonly ms: number;
}

/**
 * The resolved distillation config of a size at a batch, as the PyTorch reference reads it.
 *
 * @param size The size.
 * @param batch Samples per batch.
 * @param recomputeActivations Whether the gradient passes recompute their activations.
 * @returns The config.
 */
export function distillConfigOf(
  size: DistillSize,
  batch: number,
  recomputeActivations = false,
): DistillConfig {
  return resolveDistillConfig({ ...size.distill, batch, recomputeActivations });
}

/**
 * Times Di[M]O iterations of a size on the active backend: a warm-up iteration, `steps` awaited,
 * then `steps` with one in flight.
 *
 * @param name The size.
 * @param batch Samples per batch.
 * @param steps Iterations timed each way.
 * @param recomputeActivations Whether the gradient passes recompute their activations.
 * @param kernelTimes Whether to profile one more iteration's kernels.
 * @returns The measurement.
 */
export async function benchDistillStep(
  name: DistillSizeName,
  batch: number,
  steps: number,
  recomputeActivations = false,
  kernelTimes = false,
): Promise<DistillResult> {
  const size = DISTILL_SIZES[name];
  const rng = createRng(0);
  const teacher = new Transformer(size.model, { rng: rng.fork("teacher") });
  const state = createDistillState(teacher, distillConfigOf(size, batch, recomputeActivations), 0);
  try {
    await distillStep(state);
    const before = tf.memory().numTensors;
    const times: number[] = [];
    let auxLoss = NaN;
    for (let i = 0; i < steps; i++) {
      const start = performance.now();
      const report = await distillStep(state);
      times.push((performance.now() - start) / 1000);
      if (i < 3) auxLoss = report.auxLoss;
    }
    const start = performance.now();
    await withOneInFlight(steps, () => distillStep(state));
    const inFlightSeconds = (performance.now() - start) / 1000 / steps;
    const memory = tf.memory();
    const kernels = kernelTimes ? await profileKernels(() => distillStep(state)) : undefined;
    return {
      size: name,
      batch,
      seconds: median(times),
      steps,
      inFlightSeconds,
      tensors: [before, memory.numTensors],
      liveBytes: memory.numBytes,
      deviceBytes: activeDeviceMemory()?.allocatedBytes,
      auxLoss,
      kernels,
    };
  } finally {
    state.dispose();
    teacher.dispose();
  }
}

/** The kernels `work` dispatches, by name, with their count and summed time, most time first. */
async function profileKernels(work: () => Promise<unknown>): Promise<KernelTime[]> {
  const info = await tf.profile(async () => {
    await work();
    return [];
  });
  const byName = new Map<string, { count: number; ms: number }>();
  // Custom gradients' and named ops' scopes are listed beside the kernels they ran: not counted twice.
  for (const kernel of info.kernels.filter((k) => k.name !== "unnamed scope" && !k.name.endsWith("__op"))) {
    const entry = byName.get(kernel.name) ?? { count: 0, ms: 0 };
    const ms = typeof kernel.kernelTimeMs === "number" ? kernel.kernelTimeMs : NaN;
    byName.set(kernel.name, { count: entry.count + 1, ms: entry.ms + ms });
  }
  return [...byName].map(([name, t]) => ({ name, ...t })).sort((a, b) => b.ms - a.ms);
}
