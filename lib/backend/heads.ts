/**
 * Attention's heads from the packed in-projection, as three gather kernels on the WebGPU backend.
 *
 * The packed product `qkv = x·W + b` (`[B·T, 3d]`, PyTorch's `in_proj` layout: q, k and v side by
 * side, each `h` heads of `d/h` columns) becomes q `[B, h, T, d/h]` (scaled), kᵀ `[B, h, d/h, T]`
 * and v `[B, h, T, d/h]`. With tfjs ops that is a slice, a reshape and a transpose for each (and a
 * multiply for q's scale), and about twice as many kernels in the gradient (pads, adds and
 * transposes); on WebGPU each of q, kᵀ and v is one kernel reading its columns of `qkv`, and the
 * gradient is one kernel writing all three back into `[B·T, 3d]`. Other backends use tfjs ops, and
 * there attention ({@linkcode projectHeads}) multiplies by each third of the weight instead.
 *
 * @module
 */
import * as tf from "./tf.ts";
import { hasKernel } from "./has_kernel.ts";
import { matMul } from "./ops.ts";
import type { WebGPUBackend } from "@tensorflow/tfjs-backend-webgpu";
import { FlatProgram } from "./webgpu_flat.ts";

const GATHER = "DimoHeadsGather";
const SCATTER = "DimoHeadsScatter";

/** How the packed stream splits into heads. */
export interface HeadsShape {
  /** B. */
  readonly batch: number;
  /** T. */
  readonly positions: number;
  /** h; the width d of each of q, k and v is a third of the packed width. */
  readonly heads: number;
  /** The factor applied to q (1/√(d/h) for scaled dot-product attention). */
  readonly scale: number;
}

/** Which third of the packed columns, and kᵀ's layout for the second. */
type Part = 0 | 1 | 2;

interface HeadsAttrs {
  readonly positions: number;
  readonly heads: number;
  readonly scale: number;
}

const HEADS_UNIFORMS = "positions : i32, heads : i32, headWidth : i32, scale : f32,";

/** Where element (b, head, t, e) of part p sits in qkv. */
const PACKED_INDEX = `
      fn packedIndex(b : i32, head : i32, t : i32, e : i32, part : i32) -> i32 {
        let width = uniforms.heads * uniforms.headWidth;
        return (b * uniforms.positions + t) * 3 * width + part * width + head * uniforms.headWidth + e;
      }`;

/** One part of the heads, gathered from `qkv` (`[B·T, 3d]`). */
class GatherProgram extends FlatProgram {
  readonly variableNames = ["QKV"];
  readonly shaderKey: string;
  readonly uniforms = HEADS_UNIFORMS;

  constructor(readonly part: Part, shape: number[]) {
    super(shape);
    this.shaderKey = `${GATHER}_${part}`;
  }

  protected override preamble(): string {
    return PACKED_INDEX;
  }

  protected body(): string {
    // kᵀ is [B, h, dh, T]: t varies fastest; q and v are [B, h, T, dh].
    const position = this.part === 1
      ? `let t = index % uniforms.positions;
          let rest = index / uniforms.positions;
          let e = rest % uniforms.headWidth;
          let bh = rest / uniforms.headWidth;`
      : `let e = index % uniforms.headWidth;
          let rest = index / uniforms.headWidth;
          let t = rest % uniforms.positions;
          let bh = rest / uniforms.positions;`;
    const scale = this.part === 0 ? " * uniforms.scale" : "";
    return `${position}
          let source = packedIndex(bh / uniforms.heads, bh % uniforms.heads, t, e, ${this.part});
          value = f32(QKV[source])${scale};`;
  }
}

/** The gradient of the three gathers: `[B·T, 3d]` from dq, dkᵀ and dv. */
class ScatterProgram extends FlatProgram {
  readonly variableNames = ["DQ", "DK", "DV"];
  readonly shaderKey = SCATTER;
  readonly uniforms = HEADS_UNIFORMS;

  protected body(): string {
    return `let width = uniforms.heads * uniforms.headWidth;
          let column = index % (3 * width);
          let row = index / (3 * width);
          let part = column / width;
          let head = (column % width) / uniforms.headWidth;
          let e = column % uniforms.headWidth;
          let bh = (row / uniforms.positions) * uniforms.heads + head;
          let t = row % uniforms.positions;
          let rowMajor = (bh * uniforms.positions + t) * uniforms.headWidth + e;
          if (part == 0) {
            value = f32(DQ[rowMajor]) * uniforms.scale;
          } else if (part == 1) {
            value = f32(DK[(bh * uniforms.headWidth + e) * uniforms.positions + t]);
          } else {
            value = f32(DV[rowMajor]);
          }`;
  }
}

function uniformsOf(attrs: HeadsAttrs, headWidth: number) {
  return [
    { type: "int32", data: [attrs.positions] },
    { type: "int32", data: [attrs.heads] },
    { type: "int32", data: [headWidth] },
    { type: "float32", data: [attrs.scale] },
  ];
}

tf.registerKernel({
  kernelName: GATHER,
  backendName: "webgpu",
  kernelFunc: ({ inputs, backend, attrs }) => {
    const { qkv } = inputs as { qkv: tf.TensorInfo };
    const a = attrs as unknown as HeadsAttrs;
    const [rows, packed] = qkv.shape;
    const batch = rows / a.positions, headWidth = packed / 3 / a.heads;
    const rowMajor = [batch, a.heads, a.positions, headWidth];
    const transposed = [batch, a.heads, headWidth, a.positions];
    return ([0, 1, 2] as const).map((part) =>
      (backend as WebGPUBackend).runWebGPUProgram(
        new GatherProgram(part, part === 1 ? transposed : rowMajor),
        [qkv],
        "float32",
        uniformsOf(a, headWidth),
      )
    );
  },
});

tf.registerKernel({
  kernelName: SCATTER,
  backendName: "webgpu",
  kernelFunc: ({ inputs, backend, attrs }) => {
    const { dq, dk, dv } = inputs as Record<string, tf.TensorInfo>;
    const a = attrs as unknown as HeadsAttrs;
    const [batch, heads, positions, headWidth] = dq.shape;
    return (backend as WebGPUBackend).runWebGPUProgram(
      new ScatterProgram([batch * positions, 3 * heads * headWidth]),
      [dq, dk, dv],
      "float32",
      uniformsOf(a, headWidth),
    );
  },
});

// The engine passes zeros for an output the loss does not reach.
tf.registerGradient({
  kernelName: GATHER,
  gradFunc: (dys, _saved, attrs) => {
    const [dq, dk, dv] = dys as tf.Tensor[];
    return { qkv: () => tf.engine().runKernel(SCATTER, { dq, dk, dv }, attrs) as tf.Tensor };
  },
});

/** q, kᵀ and v. */
export type Heads = [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D];

/**
 * Splits the packed in-projection of self-attention into heads: q (times `scale`), kᵀ and v.
 * On WebGPU three gather kernels (and one kernel for the gradient); elsewhere tfjs ops.
 *
 * @param qkv float32 `[B·T, 3d]`, the columns q, k, v side by side, each `heads` heads wide.
 * @param shape B, T, the heads and q's scale.
 * @returns q `[B, h, T, d/h]` (scaled), kᵀ `[B, h, d/h, T]` and v `[B, h, T, d/h]`.
 * @throws {RangeError} If `qkv`'s shape does not split so.
 *
 * @example Two positions, one head of width 1
 * ```ts
 * import assert from "node:assert";
 * import { tf, useBackend } from "@dimo/dimo";
 * import { splitHeads } from "@dimo/dimo/backend";
 * await useBackend("cpu");
 * const qkv = tf.tensor2d([[1, 2, 3], [4, 5, 6]]);
 * const [q, kT, v] = splitHeads(qkv, { batch: 1, positions: 2, heads: 1, scale: 10 });
 * assert.deepEqual(q.shape, [1, 1, 2, 1]);
 * assert.deepEqual([...await q.data()], [10, 40]);
 * assert.deepEqual(kT.shape, [1, 1, 1, 2]);
 * assert.deepEqual([...await kT.data()], [2, 5]);
 * assert.deepEqual([...await v.data()], [3, 6]);
 * ```
 */
export function splitHeads(qkv: tf.Tensor, shape: HeadsShape): Heads {
  const { batch, positions, heads, scale } = shape;
  const [rows, packed] = qkv.shape;
  if (qkv.rank !== 2 || rows !== batch * positions || packed % (3 * heads) !== 0) {
    throw new RangeError(
      `Cannot split heads as qkv must be [${batch} × ${positions}, 3 × ${heads} × head width]: current shape is [${qkv.shape}]`,
    );
  }
  if (hasKernel(GATHER)) {
    const attrs = { positions, heads, scale } as unknown as tf.NamedAttrMap;
    return tf.engine().runKernel(GATHER, { qkv }, attrs) as unknown as Heads;
  }
  const width = packed / 3;
  return tf.tidy(() => toHeads([0, 1, 2].map((i) => tf.slice(qkv, [0, i * width], [rows, width])), shape));
}

/**
 * q (times `scale`), kᵀ and v of self-attention from the stream and the packed in-projection
 * (PyTorch's `in_proj`: the columns of `weight` and `bias` hold q, k and v side by side). On
 * WebGPU one product and {@linkcode splitHeads}; elsewhere a product with each third of the
 * weight, reshaped and transposed (on the CPU backends slicing the small weight is cheaper than
 * slicing the product, and a 5-D slice of it is slower still).
 *
 * @param x float32 `[B·T, d]`.
 * @param weight float32 `[d, 3d]`.
 * @param bias float32 `[3d]`.
 * @param shape B, T, the heads and q's scale.
 * @returns q `[B, h, T, d/h]` (scaled), kᵀ `[B, h, d/h, T]` and v `[B, h, T, d/h]`.
 *
 * @example One head of width 1 over two positions
 * ```ts
 * import assert from "node:assert";
 * import { tf, useBackend } from "@dimo/dimo";
 * import { projectHeads } from "@dimo/dimo/backend";
 * await useBackend("cpu");
 * const x = tf.tensor2d([[1], [2]]);
 * const [q, kT, v] = projectHeads(x, tf.tensor2d([[1, 2, 3]]), tf.zeros([3]), { batch: 1, positions: 2, heads: 1, scale: 1 });
 * assert.deepEqual([...await q.data()], [1, 2]);
 * assert.deepEqual([...await kT.data()], [2, 4]);
 * assert.deepEqual([...await v.data()], [3, 6]);
 * ```
 */
export function projectHeads(x: tf.Tensor, weight: tf.Tensor, bias: tf.Tensor, shape: HeadsShape): Heads {
  if (hasKernel(GATHER)) return tf.tidy(() => splitHeads(matMul(x, weight, false, bias), shape));
  const width = weight.shape[0];
  return tf.tidy(() =>
    toHeads(
      [0, 1, 2].map((i) =>
        matMul(x, tf.slice(weight, [0, i * width], [width, width]), false, tf.slice(bias, i * width, width))
      ),
      shape,
    )
  );
}

/** q (scaled), kᵀ and v from the three `[B·T, d]` projections, by tfjs ops. */
function toHeads(parts: tf.Tensor[], { batch, positions, heads, scale }: HeadsShape): Heads {
  const headWidth = parts[0].shape[1]! / heads;
  const [q, k, v] = parts.map((part) => tf.reshape(part, [batch, positions, heads, headWidth]));
  return [
    tf.transpose(tf.mul(q, scale), [0, 2, 1, 3]),
    tf.transpose(k, [0, 2, 3, 1]),
    tf.transpose(v, [0, 2, 1, 3]),
  ] as Heads;
}
