/**
 * Matrix-product throughput of the active backend, through dimo's `matMul`.
 *
 * @module
 */
import { matMul, tf } from "@dimo/dimo";

/** Throughput of n×n float32 products. */
export interface MatMulResult {
  /** n. */
  readonly size: number;
  /** Best GFLOP/s over the timed batches. */
  readonly gflops: number;
  /** Products per batch. */
  readonly batch: number;
  /** Whether sampled entries matched a float64 JavaScript dot product. */
  readonly correct: boolean;
}

/** Seconds one batch aims at; fast backends run more products per batch. */
const BATCH_SECONDS = 0.4;

/** Runs `count` products back to back and waits for them by reading one value of the last. */
async function runBatch(a: tf.Tensor2D, b: tf.Tensor2D, count: number): Promise<number> {
  const start = performance.now();
  let last: tf.Tensor | undefined;
  for (let i = 0; i < count; i++) {
    last?.dispose();
    last = matMul(a, b);
  }
  const corner = tf.slice(last!, [0, 0], [1, 1]);
  await corner.data();
  const seconds = (performance.now() - start) / 1000;
  tf.dispose([corner, last!]);
  return seconds;
}

/** Compares a few entries of a·b with float64 dot products, within float32 rounding of Σ|a||b|. */
async function checkProduct(a: tf.Tensor2D, b: tf.Tensor2D): Promise<boolean> {
  const n = a.shape[0];
  const product = matMul(a, b);
  const [av, bv, cv] = await Promise.all([a.data(), b.data(), product.data()]);
  product.dispose();
  const cells = [[0, 0], [n - 1, n - 1], [n >> 1, 7], [3, n >> 2]];
  return cells.every(([i, j]) => {
    let dot = 0, scale = 0;
    for (let k = 0; k < n; k++) {
      dot += av[i * n + k] * bv[k * n + j];
      scale += Math.abs(av[i * n + k] * bv[k * n + j]);
    }
    return Math.abs(cv[i * n + j] - dot) <= 1e-5 * scale + 1e-6;
  });
}

/**
 * Measures n×n products: a warm-up batch sizes the batches to about 0.4 s, then the best of
 * `repeats` batches counts.
 *
 * @param size n.
 * @param repeats Timed batches.
 * @param seed Seeds the operands.
 * @returns The throughput and whether the product was right.
 */
export async function benchMatMul(size: number, repeats: number, seed: number): Promise<MatMulResult> {
  const a = tf.randomUniform([size, size], -1, 1, "float32", seed) as tf.Tensor2D;
  const b = tf.randomUniform([size, size], -1, 1, "float32", seed + 1) as tf.Tensor2D;
  try {
    const correct = await checkProduct(a, b);
    const single = await runBatch(a, b, 1);
    const batch = Math.max(1, Math.min(32, Math.round(BATCH_SECONDS / single)));
    let best = Infinity;
    for (let r = 0; r < repeats; r++) best = Math.min(best, await runBatch(a, b, batch));
    return { size, gflops: (batch * 2 * size ** 3) / best / 1e9, batch, correct };
  } finally {
    tf.dispose([a, b]);
  }
}
