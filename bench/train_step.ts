/**
 * One MDM training step of the reference transformer: forward, masked cross-entropy on the
 * masked positions, backward and an update by dimo's Adam (the trainers' optimiser: PyTorch's
 * update, clipped and checked for a non-finite gradient on the device), with the loss and gradient
 * norm read back.
 *
 * @module
 */
import {
  Adam,
  createRng,
  maskedCrossEntropy,
  maskExactCount,
  resolveTransformerConfig,
  type Rng,
  tf,
  Transformer,
  type TransformerConfig,
  withOneInFlight,
} from "@dimo/dimo";

/** The reference model: a 1024-code VQ grid of 8×8 tokens, width 256, 4 heads, 4 layers. */
export const REFERENCE_CONFIG: TransformerConfig = resolveTransformerConfig({
  codebookSize: 1024,
  numClasses: 10,
  seqLen: 64,
  width: 256,
  heads: 4,
  layers: 4,
  mlpRatio: 4,
  dropout: 0.1,
});

/** Samples per step: the batches of the GPU issue's PyTorch reference. */
export const REFERENCE_BATCHES = [32, 256, 1024] as const;

/** Fraction of positions masked in each row. */
export const MASK_RATIO = 0.15;

/** The timed step whose loss a result reports (0-based), whatever the number of timed steps. */
const COMPARED_STEP = 3;

/** What a step measurement found. */
export interface StepResult {
  /** Samples per step. */
  readonly batch: number;
  /** Median seconds of the timed steps. */
  readonly seconds: number;
  /** Steps timed. */
  readonly steps: number;
  /** Mean seconds a step over as many steps again, each step queued before the previous step's
   * report is awaited (one step in flight: its read-back overlaps the next step's work). */
  readonly inFlightSeconds: number;
  /** Median seconds of as many evaluation forward passes (no dropout, no tape). */
  readonly forwardSeconds: number;
  /** `tf.memory().numTensors` before and after the timed steps. */
  readonly tensors: readonly [number, number];
  /** The loss of the fourth step (the warm-up and three timed ones; the last step if fewer), the
   * same on every backend for the same model and batch. */
  readonly loss: number;
}

interface Batch {
  readonly tokens: tf.Tensor2D;
  readonly xt: tf.Tensor2D;
  readonly masked: tf.Tensor2D;
  readonly labels: tf.Tensor1D;
}

function makeBatch(config: TransformerConfig, size: number, rng: Rng): Batch {
  const tokens = tf.randomUniformInt(
    [size, config.seqLen],
    0,
    config.codebookSize,
    rng.seed(),
  ) as tf.Tensor2D;
  const labels = tf.randomUniformInt([size], 0, config.numClasses, rng.seed()) as tf.Tensor1D;
  const ratios = Array.from({ length: size }, () => MASK_RATIO);
  const { xt, masked } = maskExactCount(tokens, ratios, { maskId: config.codebookSize, rng });
  return { tokens, xt, masked, labels };
}

/**
 * The median of timings (the upper one of the middle two for an even count).
 *
 * @param xs The timings; at least one.
 * @returns Their median.
 */
export const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/**
 * Times training steps of the reference transformer on the active backend.
 *
 * @param options `batch` samples a step; `steps` timed after a warm-up; `smallWarmUp` warms up on
 * a 1-sample batch (it creates Adam's state without paying for a full step, for the slow cpu
 * backend).
 * @returns The median step time, the time a step with one in flight, and the tensor counts
 * around the timed steps.
 */
export async function benchTrainStep(
  options: { batch: number; steps: number; smallWarmUp: boolean },
): Promise<StepResult> {
  const rng = createRng(0);
  const model = new Transformer(REFERENCE_CONFIG, { rng: rng.fork("init") });
  const optimizer = new Adam(model.trainableVariables(), { lr: 1e-4 });
  const batch = makeBatch(REFERENCE_CONFIG, options.batch, rng.fork("data"));
  const warmBatch = options.smallWarmUp ? makeBatch(REFERENCE_CONFIG, 1, rng.fork("warm-up")) : batch;
  const dropoutRng = rng.fork("dropout");
  const step = async (b: Batch): Promise<number> => {
    const { loss } = await optimizer.step(() => {
      const logits = model.apply(b.xt, b.labels, { training: true, rng: dropoutRng, validateIds: false });
      return maskedCrossEntropy(logits, b.tokens, b.masked);
    });
    return loss;
  };
  try {
    await step(warmBatch);
    const before = tf.memory().numTensors;
    const times: number[] = [];
    let loss = NaN;
    for (let i = 0; i < options.steps; i++) {
      const start = performance.now();
      const value = await step(batch);
      if (i < COMPARED_STEP) loss = value;
      times.push((performance.now() - start) / 1000);
    }
    const start = performance.now();
    await withOneInFlight(options.steps, () => step(batch));
    const inFlightSeconds = (performance.now() - start) / 1000 / options.steps;
    const after = tf.memory().numTensors;
    const forwardTimes: number[] = [];
    for (let i = 0; i < options.steps; i++) {
      const start = performance.now();
      const logits = model.apply(batch.xt, batch.labels);
      await logits.data();
      logits.dispose();
      forwardTimes.push((performance.now() - start) / 1000);
    }
    return {
      batch: options.batch,
      seconds: median(times),
      steps: times.length,
      inFlightSeconds,
      forwardSeconds: median(forwardTimes),
      tensors: [before, after],
      loss,
    };
  } finally {
    optimizer.dispose();
    model.dispose();
    for (const b of [batch, warmBatch]) tf.dispose([b.tokens, b.xt, b.masked, b.labels]);
  }
}
