// Gradient accumulation for the distillation's updates; private to lib/distill.
import * as tf from "../backend/tf.ts";
import type { Adam, AdamStepReport } from "../optim/mod.ts";

/** One batch's gradient for an update, and its kept samples' diagnostics. */
export interface Share {
  readonly value: tf.Scalar;
  readonly grads: (tf.Tensor | undefined)[];
  /** One entry per kept sample: the student's ½Σg² and masked fraction; nothing for the aux model. */
  readonly samples: readonly (readonly number[])[];
}

/** a + b, disposing both; either may be absent. */
function sumInto<T extends tf.Tensor>(a: T | undefined, b: T | undefined): T | undefined {
  if (a === undefined || b === undefined) return a ?? b;
  const sum = tf.add(a, b) as T;
  tf.dispose([a, b]);
  return sum;
}

/**
 * Sums `batches` batches' gradients (each from `share`, which returns none when it
 * kept no sample) and queues their mean as one update; with one batch, bit for bit a plain step.
 * The update is queued when this resolves; its report settles once read back, so the caller can
 * queue more work first (a read-back waits at least 10 ms on Deno's WebGPU). The report's promise
 * is marked handled: a caller that fails before awaiting it does not leave an unhandled rejection.
 */
export async function accumulatedStep(
  batches: number,
  adam: Adam,
  share: () => Promise<Share | undefined>,
): Promise<{ report: Promise<AdamStepReport>; samples: (readonly number[])[] } | undefined> {
  let value: tf.Scalar | undefined;
  let grads: (tf.Tensor | undefined)[] = [];
  let shares = 0;
  const samples: (readonly number[])[] = [];
  for (let i = 0; i < batches; i++) {
    const next = await share();
    if (next === undefined) continue;
    shares++;
    samples.push(...next.samples);
    value = sumInto(value, next.value);
    grads = shares === 1 ? next.grads : grads.map((g, k) => sumInto(g, next.grads[k]));
  }
  if (value === undefined) return undefined;
  const scale = (t: tf.Tensor | undefined) => t && (shares === 1 ? t : tf.div(t, shares));
  const mean = { value: scale(value) as tf.Scalar, grads: grads.map(scale) };
  try {
    const report = adam.applyGradients(mean.grads, mean.value);
    report.catch(() => {});
    return { report, samples };
  } finally {
    const all = new Set([value, ...grads, mean.value, ...mean.grads]);
    tf.dispose([...all].filter((t): t is tf.Tensor => t !== undefined));
  }
}
