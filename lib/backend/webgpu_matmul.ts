/**
 * A tiled matrix product for tfjs's WebGPU backend, with transposed operands read in place and
 * the inner dimension split across workgroups when the output is small.
 *
 * tfjs-webgpu's `BatchMatMul` computes a 32×32 output tile per workgroup of 64 threads, reads
 * transposed operands through a slow path, and vectorises only when K and N are multiples of 4.
 * On an H100 that ran the reference transformer's products at 0.5–2.9 TFLOP/s. Here a workgroup
 * of up to 16×16 threads computes a tile of up to 128×128 outputs, each thread a block of
 * `rows × cols` of them from shared-memory tiles of `A` and `B` that hold `depth` steps of K.
 * Any M, N and K work (edges read zeros and write nothing), with `A` stored `[M, K]` or `[K, M]`
 * and `B` stored `[K, N]` or `[N, K]`. With `splits > 1` workgroup `z` covers one slice of K and
 * the kernel returns the partial products stacked, `[splits · batch, M, N]`, for a sum over the
 * first axis. Operands are read through `f32()`: tfjs-webgpu casts int32 to float32 without
 * converting the buffer, so a "float32" tensor may hold int32 words.
 *
 * @module
 */
import * as tf from "./tf.ts";
import { hasKernel } from "./has_kernel.ts";
import type { WebGPUBackend, WebGPUProgram } from "@tensorflow/tfjs-backend-webgpu";
import { sumLeadingAxes } from "./leading_sum.ts";

/** The shape of one workgroup's work: threads `[x, y]`, outputs per thread, and K per stage. */
export interface MatMulTile {
  /** Threads along N and along M. */
  readonly threads: readonly [number, number];
  /** Output rows per thread (a multiple of 4). */
  readonly rows: number;
  /** Output columns per thread (a multiple of 4). */
  readonly cols: number;
  /** K steps held in shared memory per stage. */
  readonly depth: number;
}

/** A product's launch: its tile and how many slices K is split into. */
export interface MatMulPlan {
  /** The workgroup's tile. */
  readonly tile: MatMulTile;
  /** Slices of K computed by separate workgroups and summed (1: none). */
  readonly splits: number;
}

/** WebGPU's least guaranteed `maxComputeWorkgroupsPerDimension`. */
const MAX_WORKGROUPS_PER_AXIS = 65535;

/** The name of the kernel registered for the WebGPU backend. */
export const TILED_MATMUL = "DimoTiledMatMul";

interface TiledMatMulAttrs {
  readonly transposeA: boolean;
  readonly transposeB: boolean;
  readonly tile: MatMulTile;
  readonly splits: number;
}

/** Generates the WGSL of one tile configuration and operand layout. */
class TiledMatMulProgram implements WebGPUProgram {
  readonly variableNames: string[];
  readonly shaderKey: string;
  readonly dispatchLayout: { x: number[]; y: number[]; z?: number[] };
  readonly dispatch: [number, number, number];
  readonly workgroupSize: [number, number, number];
  readonly uniforms =
    "dimM : i32, dimN : i32, dimK : i32, kChunk : i32, batches : i32, aBatched : i32, bBatched : i32,";

  /** `outputShape` is `[...batch, M, N]`; its batch axes hold `splits · batches` products. */
  constructor(
    readonly outputShape: number[],
    batches: number,
    readonly attrs: TiledMatMulAttrs,
    readonly bias: boolean,
  ) {
    const { tile, splits, transposeA, transposeB } = attrs;
    const rank = outputShape.length, [m, n] = outputShape.slice(-2);
    this.variableNames = bias ? ["A", "B", "Bias"] : ["A", "B"];
    this.dispatchLayout = rank === 2
      ? { x: [1], y: [0] }
      : { x: [rank - 1], y: [rank - 2], z: [...Array(rank - 2).keys()] };
    this.workgroupSize = [tile.threads[0], tile.threads[1], 1];
    const tileM = tile.threads[1] * tile.rows, tileN = tile.threads[0] * tile.cols;
    this.dispatch = [Math.ceil(n / tileN), Math.ceil(m / tileM), splits * batches];
    this.shaderKey =
      `dimoTiledMatMul_${tile.threads}_${tile.rows}_${tile.cols}_${tile.depth}_${transposeA}_` +
      `${transposeB}_${bias}`;
  }

  getUserCode(): string {
    const { tile, transposeA, transposeB } = this.attrs;
    const [tx, ty] = tile.threads;
    const threads = tx * ty;
    const tileM = ty * tile.rows, tileN = tx * tile.cols, depth = tile.depth;
    // Rows of the shared tiles are padded by 4 floats: stores along K then fall in distinct banks.
    const strideA = tileM + 4, strideB = tileN + 4;
    const vecA = tile.rows / 4, vecB = tile.cols / 4;
    // Which element of a stage thread slot `e` loads: consecutive threads read consecutive
    // addresses of the operand as it is stored.
    const load = (
      name: "A" | "B",
      count: number,
      outer: number,
      kMajor: boolean,
      stride: number,
      offset: string,
      index: string,
      bound: string,
    ) =>
      // Unrolled, so that a thread's reads are independent and in flight together (a loop over
      // the slots was slower: docs/performance.md).
      [...Array(Math.ceil(count / threads)).keys()].map((i) =>
        `{
          let e = tid + ${i * threads};
          if (${count % threads === 0 ? "true" : `e < ${count}`}) {
            let kk = ${kMajor ? `e / ${outer}` : `e % ${depth}`};
            let o = ${kMajor ? `e % ${outer}` : `e / ${depth}`};
            let k = k0 + kk;
            let g = ${offset} + o;
            var v = 0.0;
            if (g < ${bound} && k < kEnd) { v = f32(${name}[${index}]); }
            let s = kk * ${stride} + o;
            tile${name}[s / 4][s % 4] = v;
          }
        }`
      ).join("\n        ");
    const stageA = load(
      "A",
      tileM * depth,
      tileM,
      transposeA,
      strideA,
      "row0",
      transposeA ? "aOffset + k * uniforms.dimM + g" : "aOffset + g * uniforms.dimK + k",
      "uniforms.dimM",
    );
    const stageB = load(
      "B",
      tileN * depth,
      tileN,
      !transposeB,
      strideB,
      "col0",
      transposeB ? "bOffset + g * uniforms.dimK + k" : "bOffset + k * uniforms.dimN + g",
      "uniforms.dimN",
    );
    const accumulate: string[] = [];
    for (let r = 0; r < vecA; r++) {
      accumulate.push(`let a${r} = tileA[kk * ${strideA / 4} + ty * ${vecA} + ${r}];`);
    }
    for (let c = 0; c < vecB; c++) {
      accumulate.push(`let b${c} = tileB[kk * ${strideB / 4} + tx + ${tx * c}];`);
    }
    for (let r = 0; r < tile.rows; r++) {
      for (let c = 0; c < vecB; c++) {
        accumulate.push(`acc${r}_${c} = fma(vec4<f32>(a${r >> 2}[${r & 3}]), b${c}, acc${r}_${c});`);
      }
    }
    const declare: string[] = [], write: string[] = [];
    for (let r = 0; r < tile.rows; r++) {
      write.push(`row = row0 + ty * ${tile.rows} + ${r};`, `if (row < uniforms.dimM) {`);
      for (let c = 0; c < vecB; c++) {
        declare.push(`var acc${r}_${c} = vec4<f32>(0.0);`);
        write.push(`writeRow(outOffset + row * uniforms.dimN, col0 + (tx + ${tx * c}) * 4, acc${r}_${c});`);
      }
      write.push("}");
    }
    return `
      var<workgroup> tileA : array<vec4<f32>, ${(depth * strideA) / 4}>;
      var<workgroup> tileB : array<vec4<f32>, ${(depth * strideB) / 4}>;

      fn writeRow(base : i32, col : i32, v : vec4<f32>) {
        for (var j = 0; j < 4; j++) {
          if (col + j < uniforms.dimN) { result[base + col + j] = v[j]${
      this.bias ? " + f32(Bias[col + j])" : ""
    }; }
        }
      }

      fn main() {
        let tid = i32(localIndex);
        let tx = i32(localId.x);
        let ty = i32(localId.y);
        let z = i32(workgroupId.z);
        let batch = z % uniforms.batches;
        let kStart = (z / uniforms.batches) * uniforms.kChunk;
        let kEnd = min(kStart + uniforms.kChunk, uniforms.dimK);
        let row0 = i32(workgroupId.y) * ${tileM};
        let col0 = i32(workgroupId.x) * ${tileN};
        let aOffset = select(0, batch, uniforms.aBatched == 1) * uniforms.dimM * uniforms.dimK;
        let bOffset = select(0, batch, uniforms.bBatched == 1) * uniforms.dimK * uniforms.dimN;
        ${declare.join("\n        ")}
        for (var k0 = kStart; k0 < kEnd; k0 = k0 + ${depth}) {
          ${stageA}
          ${stageB}
          workgroupBarrier();
          for (var kk = 0; kk < ${depth}; kk++) {
            ${accumulate.join("\n            ")}
          }
          workgroupBarrier();
        }
        let outOffset = z * uniforms.dimM * uniforms.dimN;
        var row = 0;
        ${write.join("\n        ")}
      }`;
  }
}

tf.registerKernel({
  kernelName: TILED_MATMUL,
  backendName: "webgpu",
  kernelFunc: ({ inputs, backend, attrs }) => {
    const { a, b, bias } = inputs as Record<string, tf.TensorInfo>;
    const options = attrs as unknown as TiledMatMulAttrs;
    const { transposeA, transposeB, tile, splits } = options;
    const [m, k] = transposeA ? a.shape.slice(-2).reverse() : a.shape.slice(-2);
    const n = transposeB ? b.shape[b.shape.length - 2] : b.shape[b.shape.length - 1];
    const [batchA, batchB] = [a, b].map((t) => tf.util.sizeFromShape(t.shape.slice(0, -2)));
    const lead = a.shape.length >= b.shape.length ? a.shape.slice(0, -2) : b.shape.slice(0, -2);
    const batches = Math.max(batchA, batchB);
    const outputShape = splits === 1 ? [...lead, m, n] : [splits * batches, m, n];
    const kChunk = Math.ceil(k / splits / tile.depth) * tile.depth;
    const program = new TiledMatMulProgram(outputShape, batches, options, bias !== undefined);
    return (backend as WebGPUBackend).runWebGPUProgram(
      program,
      bias === undefined ? [a, b] : [a, b, bias],
      "float32",
      [m, n, k, kChunk, batches, batchA > 1 ? 1 : 0, batchB > 1 ? 1 : 0].map((v) => ({
        type: "int32",
        data: [v],
      })),
    );
  },
});

/** The tiles a plan chooses from, largest first. */
const TILES: readonly MatMulTile[] = [
  { threads: [16, 16], rows: 8, cols: 8, depth: 8 },
  { threads: [16, 16], rows: 4, cols: 4, depth: 8 },
  { threads: [17, 17], rows: 4, cols: 4, depth: 8 },
];

/** Workgroups below which K is split: about two per streaming multiprocessor of an H100. */
const FEW_WORKGROUPS = 256;
/** The least K a split slice covers. */
const MIN_SLICE = 256;

/**
 * Chooses the tile and the K split of a product `[batches, m, k] · [batches, k, n]`.
 *
 * The tile is the largest whose padded work (whole tiles over the output) is within 1.25x of
 * the least padded work of any candidate: 128×128 for large outputs, 68×68 for attention over
 * 65 positions. K is split when the output gives fewer than 256 workgroups, into slices of at
 * least 256 steps, for at most 256 workgroups in all.
 *
 * @param batches Products in the batch.
 * @param m Output rows.
 * @param n Output columns.
 * @param k The inner size.
 * @returns The tile and the number of K slices.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { planMatMul } from "@dimo/dimo/backend";
 * const plan = planMatMul(1, 256, 768, 16640);
 * assert.equal(plan.tile.rows * plan.tile.threads[1], 128);
 * assert.ok(plan.splits > 1);
 * ```
 */
export function planMatMul(batches: number, m: number, n: number, k: number): MatMulPlan {
  const workgroups = (t: MatMulTile) =>
    batches * Math.ceil(m / (t.threads[1] * t.rows)) * Math.ceil(n / (t.threads[0] * t.cols));
  const padded = (t: MatMulTile) => workgroups(t) * t.threads[0] * t.threads[1] * t.rows * t.cols;
  const least = Math.min(...TILES.map(padded));
  const tile = TILES.find((t) => padded(t) <= 1.25 * least)!;
  const count = workgroups(tile);
  const splits = count >= FEW_WORKGROUPS
    ? 1
    : Math.max(1, Math.min(Math.ceil(FEW_WORKGROUPS / count), Math.floor(k / MIN_SLICE)));
  return { tile, splits };
}

/**
 * `op(a) · op(b)` through the tiled kernel of the WebGPU backend: `op` transposes the last two
 * axes where asked, and the axes before them (equal in `a` and `b`, or absent in one) are a
 * batch of products.
 *
 * @param a float32 `[..., M, K]`, or `[..., K, M]` with `transposeA`.
 * @param b float32 `[..., K, N]`, or `[..., N, K]` with `transposeB`.
 * @param transposeA Whether `a` is stored transposed.
 * @param transposeB Whether `b` is stored transposed.
 * @param plan The tile and K split; {@linkcode planMatMul} by default.
 * @param bias float32 `[N]`, added to every row of the product (in the kernel, without a split).
 * @returns float32 `[..., M, N]`.
 * @throws {Error} If the backend has no tiled kernel, or the shapes do not agree.
 *
 * @example
 * ```ts ignore
 * import { tf, useBackend } from "@dimo/dimo";
 * import { tiledMatMul } from "@dimo/dimo/backend";
 * await useBackend("webgpu");
 * const y = tiledMatMul(tf.ones([65, 64]), tf.ones([65, 64]), false, true); // [65, 65]
 * ```
 */
export function tiledMatMul(
  a: tf.Tensor,
  b: tf.Tensor,
  transposeA: boolean,
  transposeB: boolean,
  plan?: MatMulPlan,
  bias?: tf.Tensor,
): tf.Tensor {
  const [m, kA] = transposeA ? a.shape.slice(-2).reverse() : a.shape.slice(-2);
  const [kB, n] = transposeB ? b.shape.slice(-2).reverse() : b.shape.slice(-2);
  const lead = a.rank >= b.rank ? a.shape.slice(0, -2) : b.shape.slice(0, -2);
  const leadA = a.shape.slice(0, -2), leadB = b.shape.slice(0, -2);
  if (
    kA !== kB || a.rank < 2 || b.rank < 2 ||
    (leadA.length > 0 && leadB.length > 0 && leadA.join() !== leadB.join())
  ) {
    throw new Error(
      `tiledMatMul: shapes [${a.shape}] (transposeA ${transposeA}) and [${b.shape}] (transposeB ${transposeB}) ` +
        "do not multiply: expected equal inner sizes and equal (or absent) batch axes",
    );
  }
  if (bias !== undefined && (bias.rank !== 1 || bias.shape[0] !== n)) {
    throw new Error(`tiledMatMul: bias has shape [${bias.shape}]; expected [${n}]`);
  }
  if (!hasKernel(TILED_MATMUL)) {
    throw new Error(`tiledMatMul needs the webgpu backend; the active backend is ${tf.getBackend()}`);
  }
  const batches = tf.util.sizeFromShape(lead);
  const { tile, splits } = plan ?? planMatMul(batches, m, n, kA);
  if (batches * splits > MAX_WORKGROUPS_PER_AXIS) {
    // Workgroup z indexes the products, and WebGPU caps it (tfjs's own kernel fails there too):
    // multiply the batch in slices that fit.
    return tf.tidy(() => {
      const flat = (t: tf.Tensor) => t.rank === 2 ? t : tf.reshape(t, [batches, ...t.shape.slice(-2)]);
      const [a3, b3] = [flat(a), flat(b)];
      const per = Math.floor(MAX_WORKGROUPS_PER_AXIS / splits);
      const parts: tf.Tensor[] = [];
      for (let start = 0; start < batches; start += per) {
        const size = Math.min(per, batches - start);
        const cut = (t: tf.Tensor) => t.rank === 2 ? t : tf.slice(t, [start, 0, 0], [size, -1, -1]);
        parts.push(tiledMatMul(cut(a3), cut(b3), transposeA, transposeB, { tile, splits }, bias));
      }
      return tf.reshape(tf.concat(parts, 0), [...lead, m, n]);
    });
  }
  const run = (inputs: tf.NamedTensorMap) =>
    tf.engine().runKernel(
      TILED_MATMUL,
      inputs,
      { transposeA, transposeB, tile, splits } as unknown as tf.NamedAttrMap,
    ) as tf.Tensor;
  if (splits === 1) return run(bias === undefined ? { a, b } : { a, b, bias });
  return tf.tidy(() => {
    const total = sumLeadingAxes(tf.reshape(run({ a, b }), [splits, ...lead, m, n]), 1);
    return bias === undefined ? total : tf.add(total, bias);
  });
}
