/**
 * Random tensors drawn by a counter-based generator on the device that will hold them: dropout
 * masks and standard normals.
 *
 * tfjs's random ops (`tf.randomUniform`, `tf.randomNormal`, and `tf.dropout` through them) fill
 * their values one by one in JavaScript on the CPU and then upload them: about 20 ns an element
 * here, and the reference transformer's dropout draws 100 million per training step at batch 256
 * (on an H100 that made a batch-32 step 2.0 s of dropout in a 3.8 s step). Here element `i` is a
 * function of Threefry-2x32 blocks under the call's 64-bit key:
 *
 * - a dropout mask keeps element `i` when the high 24 bits of word `i` of the blocks at counters
 *   `(j, 0)` are at least `round(rate · 2^24)`, and scales kept elements by `1 / (1 − rate)`;
 * - a standard normal is Box–Muller on block `(i, 1)`: `√(−2 ln u₁) · cos(2π u₂)`, with
 *   `u₁ ∈ (0, 1]` and `u₂ ∈ [0, 1)` the high 24 bits of its two words.
 *
 * The WebGPU backend computes them in a shader, and applies dropout in one kernel (the mask drawn
 * where it multiplies, and again in the gradient); every other backend in JavaScript. Masks are
 * the same bits on every backend; normals agree to float32 rounding of `log` and `cos`.
 *
 * @module
 */
import * as tf from "./tf.ts";
import { hasKernel } from "./has_kernel.ts";
import type { WebGPUBackend } from "@tensorflow/tfjs-backend-webgpu";
import { FlatProgram } from "./webgpu_flat.ts";
import { checkInRange, checkInteger } from "../validate/mod.ts";
import { threefry2x32Blocks, THREEFRY_WGSL } from "./threefry.ts";

/** The 64-bit key of one random draw, as two unsigned 32-bit words. */
export type RandomKey = readonly [number, number];

const UNIT = 2 ** -24;

/** A WebGPU program computing element `i` of a random tensor from Threefry blocks. */
class ThreefryProgram extends FlatProgram {
  readonly variableNames: string[];
  readonly uniforms = "key0 : u32, key1 : u32, threshold : u32, scale : f32,";

  /**
   * `draw` sets `value` from `i` (the element, u32) and `key` (vec2<u32>), and from `X[index]`
   * when the program has an input.
   */
  constructor(shape: number[], readonly shaderKey: string, readonly draw: string, input = false) {
    super(shape, 64);
    this.variableNames = input ? ["X"] : [];
  }

  protected override preamble(): string {
    return THREEFRY_WGSL;
  }

  protected body(): string {
    return `let i = u32(index);
          let key = vec2<u32>(uniforms.key0, uniforms.key1);
          ${this.draw}`;
  }
}

interface RandomAttrs {
  readonly shape: number[];
  readonly key0: number;
  readonly key1: number;
  /** Dropout: the smallest kept 24-bit value. */
  readonly threshold: number;
  /** Dropout: the value of kept elements. */
  readonly scale: number;
}

/** One tensor kind: its kernel's name, its shader body, and the same values in JavaScript. */
interface Generator {
  readonly kernel: string;
  readonly wgsl: string;
  readonly values: (size: number, attrs: RandomAttrs) => Float32Array;
}

/** Whether element `i` is kept, from the high 24 bits of word `i` of the blocks at `(j, 0)`. */
const KEPT_WGSL = `
    let block = threefry2x32(key, vec2<u32>(i >> 1u, 0u));
    let word = select(block.x, block.y, (i & 1u) == 1u);
    let multiplier = select(0.0, uniforms.scale, (word >> 8u) >= uniforms.threshold);`;

const DROPOUT_MASK: Generator = {
  kernel: "DimoDropoutMask",
  wgsl: `${KEPT_WGSL}
    value = multiplier;`,
  values: (size, { key0, key1, threshold, scale }) => {
    const words = new Uint32Array(size + (size % 2));
    threefry2x32Blocks(key0, key1, 0, 0, words);
    const values = new Float32Array(size);
    for (let i = 0; i < size; i++) values[i] = words[i] >>> 8 >= threshold ? scale : 0;
    return values;
  },
};

/** Dropout applied in one kernel: `x` times the mask (a product, so a non-finite `x` stays one). */
const DROPOUT = "DimoDropout";

const STANDARD_NORMAL: Generator = {
  kernel: "DimoStandardNormal",
  wgsl: `
    let block = threefry2x32(key, vec2<u32>(i, 1u));
    let u1 = (f32(block.x >> 8u) + 1.0) * ${UNIT};
    let u2 = f32(block.y >> 8u) * ${UNIT};
    value = sqrt(-2.0 * log(u1)) * cos(${2 * Math.PI} * u2);`,
  values: (size, { key0, key1 }) => {
    const words = new Uint32Array(2 * size);
    threefry2x32Blocks(key0, key1, 0, 1, words);
    const values = new Float32Array(size);
    for (let i = 0; i < size; i++) {
      const u1 = ((words[2 * i] >>> 8) + 1) * UNIT, u2 = (words[2 * i + 1] >>> 8) * UNIT;
      values[i] = Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
    }
    return values;
  },
};

const randomUniforms = ({ key0, key1, threshold, scale }: RandomAttrs) => [
  { type: "uint32", data: [key0] },
  { type: "uint32", data: [key1] },
  { type: "uint32", data: [threshold] },
  { type: "float32", data: [scale] },
];

for (const { kernel, wgsl } of [DROPOUT_MASK, STANDARD_NORMAL]) {
  tf.registerKernel({
    kernelName: kernel,
    backendName: "webgpu",
    kernelFunc: ({ backend, attrs }) => {
      const randomAttrs = attrs as unknown as RandomAttrs;
      return (backend as WebGPUBackend).runWebGPUProgram(
        new ThreefryProgram(randomAttrs.shape, kernel, wgsl),
        [],
        "float32",
        randomUniforms(randomAttrs),
      );
    },
  });
}

tf.registerKernel({
  kernelName: DROPOUT,
  backendName: "webgpu",
  kernelFunc: ({ inputs, backend, attrs }) => {
    const { x } = inputs as { x: tf.TensorInfo };
    return (backend as WebGPUBackend).runWebGPUProgram(
      new ThreefryProgram(x.shape, DROPOUT, `${KEPT_WGSL}\n    value = f32(X[index]) * multiplier;`, true),
      [x],
      "float32",
      randomUniforms(attrs as unknown as RandomAttrs),
    );
  },
});

// The mask is a constant: the gradient is the upstream gradient through the same dropout.
tf.registerGradient({
  kernelName: DROPOUT,
  gradFunc: (dy, _saved, attrs) => ({
    x: () => tf.engine().runKernel(DROPOUT, { x: dy as tf.Tensor }, attrs) as tf.Tensor,
  }),
});

/** Throws unless both key words are unsigned 32-bit integers. */
function checkKey(action: string, { key0, key1 }: RandomAttrs): void {
  [key0, key1].forEach((word, i) => checkInteger(action, `key[${i}]`, word, 0, 2 ** 32 - 1));
}

/** Runs the generator's kernel where the backend has one, else computes in JavaScript. */
function draw(generator: Generator, action: string, attrs: RandomAttrs): tf.Tensor {
  attrs.shape.forEach((d, i) => checkInteger(action, `shape[${i}]`, d, 0));
  checkKey(action, attrs);
  if (hasKernel(generator.kernel)) {
    return tf.engine().runKernel(generator.kernel, {}, attrs as unknown as tf.NamedAttrMap) as tf.Tensor;
  }
  const size = tf.util.sizeFromShape(attrs.shape);
  return tf.tensor(generator.values(size, attrs), attrs.shape, "float32");
}

/**
 * A dropout multiplier of the given shape: `1 / (1 − rate)` where a unit is kept, 0 where it is
 * dropped, each unit dropped with probability `rate` (to within 2^-24) independently.
 *
 * @param shape The mask's shape.
 * @param rate The drop probability, in [0, 1).
 * @param key The draw's key: the same key gives the same mask, on any backend.
 * @returns A float32 tensor of `shape`.
 * @throws {RangeError} If `rate` is outside [0, 1), or a dimension or key word is not an integer
 * in range.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { useBackend } from "@dimo/dimo";
 * import { dropoutMask } from "@dimo/dimo/backend";
 * await useBackend("cpu");
 * const mask = dropoutMask([1000], 0.5, [1, 2]);
 * const values = [...mask.dataSync()];
 * assert.ok(values.every((v) => v === 0 || v === 2));
 * assert.deepEqual([...dropoutMask([1000], 0.5, [1, 2]).dataSync()], values);
 * ```
 */
export function dropoutMask(shape: readonly number[], rate: number, key: RandomKey): tf.Tensor {
  return draw(DROPOUT_MASK, "draw a dropout mask", dropoutAttrs(shape, rate, key, "draw a dropout mask"));
}

/** A dropout's attributes, its rate checked. */
function dropoutAttrs(shape: readonly number[], rate: number, key: RandomKey, action: string): RandomAttrs {
  checkInRange(action, "rate", rate, 0, 1, true);
  return {
    shape: [...shape],
    key0: key[0],
    key1: key[1],
    threshold: Math.round(rate / UNIT),
    scale: Math.fround(1 / (1 - rate)),
  };
}

/**
 * Dropout: `x` times {@linkcode dropoutMask} of its shape. The mask is a constant of the
 * gradient, so `x`'s gradient is the upstream gradient times the same mask.
 *
 * @param x The activations.
 * @param rate The drop probability, in [0, 1); 0 returns `x` itself.
 * @param key The draw's key (a fresh one per call).
 * @returns `x` with units dropped and the kept ones scaled by `1 / (1 − rate)`.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { tf, useBackend } from "@dimo/dimo";
 * import { dropout } from "@dimo/dimo/backend";
 * await useBackend("cpu");
 * const y = dropout(tf.ones([4, 250]), 0.1, [7, 0]);
 * const kept = y.greater(0).sum().dataSync()[0];
 * assert.ok(kept > 850 && kept < 950);
 * ```
 */
export function dropout<T extends tf.Tensor>(x: T, rate: number, key: RandomKey): T {
  if (rate === 0) return x;
  if (!hasKernel(DROPOUT)) return tf.tidy(() => tf.mul(x, dropoutMask(x.shape, rate, key)));
  const attrs = dropoutAttrs(x.shape, rate, key, "apply dropout");
  checkKey("apply dropout", attrs);
  return tf.engine().runKernel(DROPOUT, { x }, attrs as unknown as tf.NamedAttrMap) as T;
}

/**
 * Independent standard normal values (Box–Muller on Threefry blocks), computed on the device.
 *
 * @param shape The tensor's shape.
 * @param key The draw's key: the same key gives the same values, on any backend (to float32
 * rounding of `log` and `cos`).
 * @returns A float32 tensor of `shape`.
 * @throws {RangeError} If a dimension or key word is not an integer in range.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { useBackend } from "@dimo/dimo";
 * import { standardNormal } from "@dimo/dimo/backend";
 * await useBackend("cpu");
 * const z = Array.from(standardNormal([10000], [3, 4]).dataSync());
 * const mean = z.reduce((a, b) => a + b, 0) / z.length;
 * assert.ok(Math.abs(mean) < 0.05);
 * ```
 */
export function standardNormal(shape: readonly number[], key: RandomKey): tf.Tensor {
  return draw(STANDARD_NORMAL, "draw standard normals", {
    shape: [...shape],
    key0: key[0],
    key1: key[1],
    threshold: 0,
    scale: 1,
  });
}
