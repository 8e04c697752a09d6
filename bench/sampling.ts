/**
 * Sampling throughput of the reference transformer: the teacher's MaskGIT sampler at 16 steps
 * (with classifier-free guidance, as the image experiment samples) against one-step generation
 * from `x_init`, in images a second, tokens read back included. The weights are the random
 * initialisation: the time of a forward pass does not depend on them.
 *
 * @module
 */
import {
  createRng,
  generateOneStep,
  resolveInitConfig,
  sampleMaskGit,
  tf,
  Transformer,
  withOneInFlight,
} from "@dimo/dimo";
import { median, REFERENCE_CONFIG } from "./train_step.ts";

/** What a sampling measurement found. */
export interface SamplingResult {
  /** Images drawn per call. */
  readonly batch: number;
  /** Images a second of the 16-step MaskGIT sampler (median of the timed calls). */
  readonly maskGitPerSecond: number;
  /** Images a second of one-step generation (median of the timed calls). */
  readonly oneStepPerSecond: number;
  /** Images a second of the MaskGIT sampler over as many calls again, each call made before the
   * previous call's tokens are awaited (one read-back in flight). */
  readonly maskGitInFlightPerSecond: number;
  /** The same for one-step generation. */
  readonly oneStepInFlightPerSecond: number;
  /** `tf.memory().numTensors` before and after the timed calls. */
  readonly tensors: readonly [number, number];
}

async function perSecond(batch: number, repeats: number, draw: () => tf.Tensor): Promise<number> {
  const seconds: number[] = [];
  for (let i = 0; i <= repeats; i++) {
    const start = performance.now();
    const tokens = draw();
    await tokens.data();
    tokens.dispose();
    if (i > 0) seconds.push((performance.now() - start) / 1000); // the first call warms up
  }
  return batch / median(seconds);
}

/** Images a second over `calls` calls, each made before the previous call's tokens are awaited. */
async function inFlightPerSecond(batch: number, calls: number, draw: () => tf.Tensor): Promise<number> {
  const start = performance.now();
  await withOneInFlight(calls, () => {
    const tokens = draw();
    return tokens.data().then(() => tokens);
  }, (tokens) => tokens.dispose());
  return batch * calls / ((performance.now() - start) / 1000);
}

/**
 * Times both samplers of the reference model on the active backend.
 *
 * @param options `batch` images per call, `repeats` timed calls after one warm-up call.
 * @returns Images a second of each sampler, each call awaited and with one call in flight.
 */
export async function benchSampling(options: { batch: number; repeats: number }): Promise<SamplingResult> {
  const { batch, repeats } = options;
  const rng = createRng(0);
  const model = new Transformer(REFERENCE_CONFIG, { rng: rng.fork("init") });
  const labels = tf.tensor1d(
    Int32Array.from({ length: batch }, (_, i) => i % REFERENCE_CONFIG.numClasses),
    "int32",
  );
  const { seqLen, codebookSize } = REFERENCE_CONFIG;
  const { maskId, nullClass } = model.layout;
  const denoiser = model.asDenoiser({ validateIds: false });
  const init = resolveInitConfig({});
  try {
    const before = tf.memory().numTensors;
    const maskGit = () =>
      sampleMaskGit(denoiser, labels, rng, {
        seqLen,
        maskId,
        codebookSize,
        nullClass,
        steps: 16,
        guidance: { kind: "linear", scale: 2 },
      });
    const oneStep = () => generateOneStep(model, init, labels, rng);
    const maskGitPerSecond = await perSecond(batch, repeats, maskGit);
    const oneStepPerSecond = await perSecond(batch, repeats, oneStep);
    // One-step calls are short: time ten times as many for a stable mean.
    const maskGitInFlightPerSecond = await inFlightPerSecond(batch, repeats, maskGit);
    const oneStepInFlightPerSecond = await inFlightPerSecond(batch, 10 * repeats, oneStep);
    return {
      batch,
      maskGitPerSecond,
      oneStepPerSecond,
      maskGitInFlightPerSecond,
      oneStepInFlightPerSecond,
      tensors: [before, tf.memory().numTensors],
    };
  } finally {
    labels.dispose();
    model.dispose();
  }
}
