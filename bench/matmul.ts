/**
 * Matrix-product throughput of the active backend, through dimo's `matMul`.
 *
 * @module
 */
import { tf } from "@dimo/dimo";
import { matMul } from "@dimo/dimo/backend";

/** A product `[batch, m, k] · [batch, k, n]` (batch 1: plain 2-D matrices). */
export interface MatMulShape {
  readonly batch: number;
  readonly m: number;
  readonly k: number;
  readonly n: number;
}

/** Throughput of one product shape. */
export interface MatMulResult {
  readonly shape: MatMulShape;
  /** Best GFLOP/s over the timed runs. */
  readonly gflops: number;
  /** Products per timed run. */
  readonly repeatsPerRun: number;
  /** Whether sampled entries matched a float64 JavaScript dot product. */
  readonly correct: boolean;
}

/** Seconds one timed run aims at; fast backends run more products per run. */
const RUN_SECONDS = 0.4;
/** The most products one run holds. */
const MAX_PER_RUN = 4096;

/** Runs `count` products back to back and waits for them by reading one value of the last. */
async function timeProducts(a: tf.Tensor, b: tf.Tensor, count: number): Promise<number> {
  const start = performance.now();
  let last: tf.Tensor | undefined;
  for (let i = 0; i < count; i++) {
    last?.dispose();
    last = matMul(a, b);
  }
  const corner = tf.slice(tf.reshape(last!, [-1]), [0], [1]);
  await corner.data();
  const seconds = (performance.now() - start) / 1000;
  tf.dispose([corner, last!]);
  return seconds;
}

/** Compares a few entries of a·b with float64 dot products, within float32 rounding of Σ|a||b|. */
async function checkProduct(a: tf.Tensor, b: tf.Tensor, { batch, m, k, n }: MatMulShape): Promise<boolean> {
  const product = matMul(a, b);
  const [av, bv, cv] = await Promise.all([a.data(), b.data(), product.data()]);
  product.dispose();
  const cells = [[0, 0, 0], [batch - 1, m - 1, n - 1], [batch >> 1, m >> 1, 7 % n], [0, 3 % m, n >> 2]];
  return cells.every(([s, i, j]) => {
    let dot = 0, scale = 0;
    for (let l = 0; l < k; l++) {
      const term = av[(s * m + i) * k + l] * bv[(s * k + l) * n + j];
      dot += term;
      scale += Math.abs(term);
    }
    return Math.abs(cv[(s * m + i) * n + j] - dot) <= 1e-5 * scale + 1e-6;
  });
}

/**
 * Measures one product shape: runs of 1, 4, 16, … products size the runs to about 0.4 s (at
 * most 4,096 products), then the best of `repeats` runs counts.
 *
 * @param shape The operands' shape.
 * @param repeats Timed runs.
 * @param seed Seeds the operands.
 * @returns The throughput and whether the product was right.
 */
export async function benchMatMul(shape: MatMulShape, repeats: number, seed: number): Promise<MatMulResult> {
  const { batch, m, k, n } = shape;
  const outer = batch === 1 ? [] : [batch];
  const a = tf.randomUniform([...outer, m, k], -1, 1, "float32", seed);
  const b = tf.randomUniform([...outer, k, n], -1, 1, "float32", seed + 1);
  try {
    const correct = await checkProduct(a, b, shape);
    // A run ends with one read back, which costs about 12 ms on WebGPU under Deno whatever the
    // work: grow the run until it takes RUN_SECONDS, so that the products dominate it.
    let count = 1;
    while (count < MAX_PER_RUN && await timeProducts(a, b, count) < RUN_SECONDS / 4) count *= 4;
    let best = Infinity;
    for (let r = 0; r < repeats; r++) best = Math.min(best, await timeProducts(a, b, count));
    return { shape, gflops: (count * 2 * batch * m * k * n) / best / 1e9, repeatsPerRun: count, correct };
  } finally {
    tf.dispose([a, b]);
  }
}
