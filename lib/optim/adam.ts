/**
 * Adam with a linear learning-rate warm-up and optional gradient clipping by global norm, with
 * its whole state (moments and step) readable and writable for exact resume.
 *
 * The update is PyTorch's `torch.optim.Adam` (eps added to √v̂, no weight decay), which the
 * official Di[M]O and MaskGIT code use.
 *
 * @module
 */
import * as tf from "../backend/tf.ts";
import { fusedElementwise } from "../backend/fused.ts";
import { squaredNorm } from "../backend/sum_of_squares.ts";
import { checkInRange, checkInteger } from "../validate/mod.ts";

/** Hyperparameters of {@linkcode Adam}. */
export interface AdamConfig {
  /** Peak learning rate. @default {1e-4} */
  readonly lr: number;
  /** β1. @default {0.9} */
  readonly beta1: number;
  /** β2. @default {0.999} */
  readonly beta2: number;
  /** ε added to √v̂. @default {1e-8} (the official Di[M]O runs use 1e-6) */
  readonly eps: number;
  /** Steps of linear warm-up: lr·min(1, (t + 1)/warmupSteps) at step t (from 0). @default {0} */
  readonly warmupSteps: number;
  /** Clip the gradient to this global L2 norm; `Infinity` for none. @default {Infinity} */
  readonly clipNorm: number;
}

/** Adam's defaults (PyTorch's, with no warm-up and no clipping). */
export const DEFAULT_ADAM: AdamConfig = Object.freeze({
  lr: 1e-4,
  beta1: 0.9,
  beta2: 0.999,
  eps: 1e-8,
  warmupSteps: 0,
  clipNorm: Infinity,
});

/**
 * Checks a partial {@linkcode AdamConfig} and fills defaults.
 *
 * @param config Fields to override.
 * @returns The complete, frozen config.
 * @throws {RangeError} If a field is out of range.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { resolveAdamConfig } from "@dimo/dimo";
 * assert.equal(resolveAdamConfig({ lr: 1e-5 }).beta2, 0.999);
 * assert.throws(() => resolveAdamConfig({ beta1: 1 }), /'beta1'/);
 * ```
 */
export function resolveAdamConfig(config: Partial<AdamConfig> = {}): AdamConfig {
  const c = { ...DEFAULT_ADAM, ...config };
  const action = "configure Adam";
  checkInRange(action, "lr", c.lr, 0, Infinity, true);
  checkInRange(action, "beta1", c.beta1, 0, 1, true);
  checkInRange(action, "beta2", c.beta2, 0, 1, true);
  checkInRange(action, "eps", c.eps, 0, Infinity, true);
  checkInteger(action, "warmupSteps", c.warmupSteps, 0);
  if (!(c.clipNorm > 0)) checkInRange(action, "clipNorm", c.clipNorm, Number.MIN_VALUE, Infinity);
  return Object.freeze(c);
}

// One update of one variable, as three fused kernels on WebGPU (a dozen tfjs ops elsewhere):
// the moments from the gradient scaled by the clipping factor, then the parameter.
const firstMoment = fusedElementwise({
  name: "DimoAdamFirstMoment",
  inputs: 2,
  scalars: ["beta", "rest", "scale"],
  wgsl: "value = x0 * uniforms.beta + (x1 * uniforms.scale) * uniforms.rest;",
  reference: ([m, g], [beta, rest, scale]) => tf.add(tf.mul(m, beta), tf.mul(tf.mul(g, scale), rest)),
});
const secondMoment = fusedElementwise({
  name: "DimoAdamSecondMoment",
  inputs: 2,
  scalars: ["beta", "rest", "scale"],
  wgsl: "let gs = x1 * uniforms.scale;\n value = x0 * uniforms.beta + (gs * gs) * uniforms.rest;",
  reference: ([v, g], [beta, rest, scale]) =>
    tf.add(tf.mul(v, beta), tf.mul(tf.square(tf.mul(g, scale)), rest)),
});
const adamUpdate = fusedElementwise({
  name: "DimoAdamUpdate",
  inputs: 3,
  scalars: ["stepSize", "vCorrection", "eps"],
  wgsl: "value = x0 - (x1 / (sqrt(x2) / uniforms.vCorrection + uniforms.eps)) * uniforms.stepSize;",
  reference: ([p, m, v], [stepSize, vCorrection, eps]) =>
    tf.sub(p, tf.mul(tf.div(m, tf.add(tf.div(tf.sqrt(v), vCorrection), eps)), stepSize)),
});

/** What one {@linkcode Adam.step} did. */
export interface AdamStepReport {
  /** The loss before the update. */
  readonly loss: number;
  /** The global L2 norm of the gradient before clipping. */
  readonly gradNorm: number;
  /** The learning rate used. */
  readonly lr: number;
}

/**
 * Adam over a fixed list of variables; owns its moment tensors (call `dispose()`).
 *
 * Updates are asynchronous: each reads the gradient norm back (for clipping and the non-finite
 * check) with `await data()`, which every backend supports — WebGPU under Deno cannot read
 * synchronously.
 *
 * @example Minimise (w − 3)²
 * ```ts
 * import assert from "node:assert";
 * import { Adam, tf, useBackend } from "@dimo/dimo";
 * await useBackend("cpu");
 * const w = tf.variable(tf.scalar(0));
 * const adam = new Adam([w], { lr: 0.1 });
 * for (let i = 0; i < 200; i++) await adam.step(() => tf.square(tf.sub(w, 3)) as tf.Scalar);
 * assert.ok(Math.abs((await w.data())[0] - 3) < 0.05);
 * adam.dispose();
 * ```
 */
export class Adam {
  /** The resolved hyperparameters. */
  readonly config: AdamConfig;
  readonly #variables: readonly tf.Variable[];
  #m: tf.Tensor[];
  #v: tf.Tensor[];
  #step = 0;

  /**
   * Creates zeroed moments for each variable.
   *
   * @param variables The trainable variables this optimiser updates.
   * @param config Hyperparameters; missing ones take {@linkcode DEFAULT_ADAM}'s.
   */
  constructor(variables: readonly tf.Variable[], config: Partial<AdamConfig> = {}) {
    this.config = resolveAdamConfig(config);
    this.#variables = variables;
    this.#m = variables.map((v) => tf.zerosLike(v));
    this.#v = variables.map((v) => tf.zerosLike(v));
  }

  /** The number of updates applied so far. */
  get iteration(): number {
    return this.#step;
  }

  /** The learning rate of the next update (after warm-up). */
  get lr(): number {
    const { lr, warmupSteps } = this.config;
    return warmupSteps === 0 ? lr : lr * Math.min(1, (this.#step + 1) / warmupSteps);
  }

  /**
   * Computes the gradient of `loss` with respect to the variables, clips it, and applies one
   * update. Variables the loss does not reach get a zero gradient.
   *
   * @param loss A function returning a scalar loss built from the variables.
   * @returns The loss, gradient norm and learning rate of this step.
   * @throws {Error} If the gradient is not finite (nothing is updated).
   */
  async step(loss: () => tf.Scalar): Promise<AdamStepReport> {
    const { value, grads } = tf.variableGrads(loss, this.#variables as tf.Variable[]);
    try {
      return await this.applyGradients(this.#variables.map((v) => grads[v.name]), value);
    } finally {
      tf.dispose([value, ...Object.values(grads)]);
    }
  }

  /**
   * Applies one update from given gradients (for callers that build gradients themselves).
   *
   * @param grads One gradient per variable, in the constructor's order (undefined = zero).
   * @param loss The loss to report, if known.
   * @returns The loss, gradient norm and learning rate of this step.
   * @throws {Error} If the gradient is not finite (nothing is updated).
   */
  async applyGradients(grads: readonly (tf.Tensor | undefined)[], loss?: tf.Scalar): Promise<AdamStepReport> {
    const { beta1, beta2, eps, clipNorm } = this.config;
    const lr = this.lr;
    const norms = tf.tidy(() => {
      const total = squaredNorm(grads.filter((g): g is tf.Tensor => g !== undefined));
      return tf.stack([tf.sqrt(total), loss ?? tf.scalar(NaN)]);
    });
    const [gradNorm, lossValue] = await norms.data();
    norms.dispose();
    if (!Number.isFinite(gradNorm)) {
      throw new Error(`Cannot apply Adam step ${this.#step} as the gradient norm is ${gradNorm}`);
    }
    const scale = gradNorm > clipNorm ? clipNorm / gradNorm : 1;
    const t = this.#step + 1;
    const stepSize = lr / (1 - beta1 ** t);
    const vCorrection = Math.sqrt(1 - beta2 ** t);
    this.#variables.forEach((variable, i) => {
      const g = grads[i];
      if (g === undefined) return;
      const m = firstMoment([this.#m[i], g], [beta1, 1 - beta1, scale]);
      const v = secondMoment([this.#v[i], g], [beta2, 1 - beta2, scale]);
      tf.tidy(() => variable.assign(adamUpdate([variable, m, v], [stepSize, vCorrection, eps])));
      tf.dispose([this.#m[i], this.#v[i]]);
      [this.#m[i], this.#v[i]] = [m, v];
    });
    this.#step = t;
    return { loss: lossValue, gradNorm, lr };
  }

  /**
   * The optimiser state as named tensors (`m.<i>`, `v.<i>`, `step`), for a checkpoint. The
   * tensors are copies owned by the caller.
   *
   * @returns The state.
   */
  getState(): Record<string, tf.Tensor> {
    const state: Record<string, tf.Tensor> = { step: tf.scalar(this.#step, "int32") };
    this.#m.forEach((m, i) => (state[`m.${i}`] = tf.clone(m)));
    this.#v.forEach((v, i) => (state[`v.${i}`] = tf.clone(v)));
    return state;
  }

  /**
   * Restores a state from {@linkcode Adam.getState}; copies the tensors.
   *
   * @param state The saved state.
   * @throws {TypeError} If an entry is missing or has the wrong shape.
   */
  async setState(state: Record<string, tf.Tensor>): Promise<void> {
    const read = (key: string, like: tf.Tensor) => {
      const t = state[key];
      if (!t || !tf.util.arraysEqual(t.shape, like.shape)) {
        throw new TypeError(
          `Cannot restore Adam as '${key}' must have shape [${like.shape}]: current value is ${
            t ? `[${t.shape}]` : "missing"
          }`,
        );
      }
      return tf.clone(t);
    };
    if (!state.step) {
      throw new TypeError("Cannot restore Adam as 'step' must be present: current value is missing");
    }
    const step = (await state.step.data())[0];
    const m = this.#m.map((old, i) => read(`m.${i}`, old));
    const v = this.#v.map((old, i) => read(`v.${i}`, old));
    tf.dispose([...this.#m, ...this.#v]);
    [this.#m, this.#v] = [m, v];
    this.#step = step;
  }

  /** Frees the moment tensors. */
  dispose(): void {
    tf.dispose([...this.#m, ...this.#v]);
  }
}
