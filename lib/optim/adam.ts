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
import { whereBroadcast } from "../backend/ops.ts";
import { squaredNorm } from "../backend/sum_of_squares.ts";
import { inPlaceKernel } from "../backend/webgpu_in_place.ts";
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
// the moments from the gradient scaled by the clipping factor, then the parameter. Both the
// factor and whether the step applies at all (`applies`: 1, or 0 after a non-finite gradient)
// are coefficients computed on the device, so that no kernel waits for a read-back.
const STEP_COEFFICIENTS = ["gradScale", "applies"];
const firstMoment = fusedElementwise({
  name: "DimoAdamFirstMoment",
  inputs: 2,
  scalars: ["beta", "rest"],
  coefficients: STEP_COEFFICIENTS,
  wgsl: "value = select(x0, x0 * uniforms.beta + (x1 * gradScale) * uniforms.rest, applies > 0.5);",
  reference: ([m, g], [beta, rest], [gradScale, applies]) =>
    whereBroadcast(applies, tf.add(tf.mul(m, beta), tf.mul(tf.mul(g, gradScale), rest)), m),
});
const secondMoment = fusedElementwise({
  name: "DimoAdamSecondMoment",
  inputs: 2,
  scalars: ["beta", "rest"],
  coefficients: STEP_COEFFICIENTS,
  wgsl:
    "let gs = x1 * gradScale;\n value = select(x0, x0 * uniforms.beta + (gs * gs) * uniforms.rest, applies > 0.5);",
  reference: ([v, g], [beta, rest], [gradScale, applies]) =>
    whereBroadcast(applies, tf.add(tf.mul(v, beta), tf.mul(tf.square(tf.mul(g, gradScale)), rest)), v),
});
const adamUpdate = fusedElementwise({
  name: "DimoAdamUpdate",
  inputs: 3,
  scalars: ["stepSize", "vCorrection", "eps"],
  coefficients: STEP_COEFFICIENTS,
  wgsl:
    "value = select(x0, x0 - (x1 / (sqrt(x2) / uniforms.vCorrection + uniforms.eps)) * uniforms.stepSize, " +
    "applies > 0.5);",
  reference: ([p, m, v], [stepSize, vCorrection, eps], [_, applies]) =>
    whereBroadcast(
      applies,
      tf.sub(p, tf.mul(tf.div(m, tf.add(tf.div(tf.sqrt(v), vCorrection), eps)), stepSize)),
      p,
    ),
});

// The same update as one kernel on WebGPU, writing the parameter and both moments in place (the
// same arithmetic as the three kernels above): used wherever nothing else holds their data.
const adamInPlace = inPlaceKernel({
  name: "DimoAdamInPlace",
  written: ["p", "m", "v"],
  read: ["g", "c"],
  scalars: ["beta1", "rest1", "beta2", "rest2", "stepSize", "vCorrection", "eps"],
  wgsl: `
  if (c[1] > 0.5) {
    let gs = g[i] * c[0];
    let mi = m[i] * u.beta1 + gs * u.rest1;
    let vi = v[i] * u.beta2 + (gs * gs) * u.rest2;
    m[i] = mi;
    v[i] = vi;
    p[i] = p[i] - (mi / (sqrt(vi) / u.vCorrection + u.eps)) * u.stepSize;
  }`,
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
 * A step queues all of its work before it waits for anything: the clipping factor and the
 * non-finite check are computed on the device, and the report (loss, gradient norm) is read back
 * last. On WebGPU, where a read-back costs about 11 ms under Deno whatever its size, a loop can
 * therefore keep one step in flight (`withOneInFlight`): call `step()` for the next batch
 * before awaiting the report of the previous one, and the read-back overlaps the next step's work. Awaiting every step at
 * once gives the same updates.
 *
 * A step whose gradient norm is not finite changes nothing (weights, moments, iteration count)
 * and its report rejects; so does every step queued after it before that report was read, each
 * naming the step that failed. The optimiser then continues from the state before the failure.
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
 *
 * @example One step in flight
 * ```ts
 * import assert from "node:assert";
 * import { Adam, tf, useBackend, withOneInFlight } from "@dimo/dimo";
 * await useBackend("cpu");
 * const w = tf.variable(tf.scalar(0));
 * const adam = new Adam([w], { lr: 0.1 });
 * await withOneInFlight(200, () => adam.step(() => tf.square(tf.sub(w, 3)) as tf.Scalar), (report) => {
 *   assert.ok(report.loss >= 0);
 * });
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
  /** bool scalar on the device: a queued step had a non-finite gradient, so later ones skip. */
  #failed: tf.Tensor;
  /** Counts failures seen by the host; a step queued under an older count was skipped. */
  #failures = 0;
  #failedStep = -1;

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
    this.#failed = tf.scalar(false, "bool");
  }

  /** The number of updates applied so far, counting queued steps whose report is pending. */
  get iteration(): number {
    return this.#step;
  }

  /** The learning rate of the next update (after warm-up). */
  get lr(): number {
    const { lr, warmupSteps } = this.config;
    return warmupSteps === 0 ? lr : lr * Math.min(1, (this.#step + 1) / warmupSteps);
  }

  /**
   * Computes the gradient of `loss` with respect to the variables, clips it, and queues one
   * update; the returned report settles once it is read back. Variables the loss does not reach
   * get a zero gradient.
   *
   * @param loss A function returning a scalar loss built from the variables.
   * @returns The loss, gradient norm and learning rate of this step.
   * @throws {Error} If the gradient is not finite, or an earlier queued step's was (nothing is
   *   updated).
   */
  async step(loss: () => tf.Scalar): Promise<AdamStepReport> {
    const { value, grads } = this.gradients(loss);
    let report: Promise<AdamStepReport>;
    try {
      report = this.applyGradients(grads, value);
    } finally {
      tf.dispose([value, ...grads.filter((g) => g !== undefined)]);
    }
    return await report;
  }

  /**
   * The gradient of `loss` with respect to the variables, without an update: for averaging the
   * gradients of several batches before one {@linkcode Adam.applyGradients}.
   *
   * @param loss A function returning a scalar loss built from the variables.
   * @returns The loss and one gradient per variable in the constructor's order (undefined where
   *   the loss does not reach it); the caller disposes them.
   *
   * @example Two halves of a batch give the whole batch's gradient
   * ```ts
   * import assert from "node:assert";
   * import { Adam, tf, useBackend } from "@dimo/dimo";
   * await useBackend("cpu");
   * const w = tf.variable(tf.scalar(1));
   * const adam = new Adam([w]);
   * const loss = (xs: number[]) => () => tf.mean(tf.mul(w, tf.tensor1d(xs))) as tf.Scalar;
   * const parts = [adam.gradients(loss([1, 2])), adam.gradients(loss([3, 4]))];
   * const whole = adam.gradients(loss([1, 2, 3, 4]));
   * const [a, b, all] = await Promise.all([...parts, whole].map(({ grads }) => grads[0]!.data()));
   * assert.ok(Math.abs((a[0] + b[0]) / 2 - all[0]) < 1e-6);
   * tf.dispose([w, ...[...parts, whole].flatMap(({ value, grads }) => [value, grads[0]!])]);
   * adam.dispose();
   * ```
   */
  gradients(loss: () => tf.Scalar): { value: tf.Scalar; grads: (tf.Tensor | undefined)[] } {
    const { value, grads } = tf.variableGrads(loss, this.#variables as tf.Variable[]);
    return { value, grads: this.#variables.map((v) => grads[v.name]) };
  }

  /**
   * Queues one update from given gradients (for callers that build gradients themselves); the
   * gradients may be disposed as soon as this returns.
   *
   * @param grads One gradient per variable, in the constructor's order (undefined = zero).
   * @param loss The loss to report, if known.
   * @returns The loss, gradient norm and learning rate of this step, once read back.
   * @throws {Error} If the gradient is not finite, or an earlier queued step's was (nothing is
   *   updated).
   */
  async applyGradients(grads: readonly (tf.Tensor | undefined)[], loss?: tf.Scalar): Promise<AdamStepReport> {
    const { beta1, beta2, eps, clipNorm } = this.config;
    const lr = this.lr;
    const index = this.#step, failures = this.#failures;
    const t = index + 1;
    const [report, coefficients, failed] = tf.tidy(() => {
      const norm = tf.sqrt(squaredNorm(grads.filter((g): g is tf.Tensor => g !== undefined)));
      const failed = tf.logicalOr(this.#failed, tf.logicalNot(tf.isFinite(norm)));
      const applies = tf.cast(tf.logicalNot(failed), "float32");
      // The clipping factor, as the host would compute it: clipNorm / norm above the bound.
      const gradScale = Number.isFinite(clipNorm)
        ? tf.where(tf.greater(norm, clipNorm), tf.div(clipNorm, norm), tf.onesLike(norm))
        : tf.onesLike(norm);
      return [
        tf.stack([norm, loss ?? tf.scalar(NaN), applies]),
        tf.stack([gradScale, applies]) as tf.Tensor1D,
        failed,
      ];
    });
    this.#failed.dispose();
    this.#failed = failed;
    const stepSize = lr / (1 - beta1 ** t);
    const vCorrection = Math.sqrt(1 - beta2 ** t);
    this.#variables.forEach((variable, i) => {
      const g = grads[i];
      if (g === undefined) return;
      const scalars = [beta1, 1 - beta1, beta2, 1 - beta2, stepSize, vCorrection, eps];
      if (adamInPlace([variable, this.#m[i], this.#v[i]], [g, coefficients], scalars)) return;
      const m = firstMoment([this.#m[i], g], [beta1, 1 - beta1], coefficients);
      const v = secondMoment([this.#v[i], g], [beta2, 1 - beta2], coefficients);
      tf.tidy(() =>
        variable.assign(adamUpdate([variable, m, v], [stepSize, vCorrection, eps], coefficients))
      );
      tf.dispose([this.#m[i], this.#v[i]]);
      [this.#m[i], this.#v[i]] = [m, v];
    });
    coefficients.dispose();
    this.#step = t;
    const [gradNorm, lossValue, applied] = await report.data().finally(() => report.dispose());
    if (applied === 1) return { loss: lossValue, gradNorm, lr };
    if (failures === this.#failures) {
      // The first failure since this step was queued: every step after it was skipped on the
      // device. Roll the count back and let the next step apply.
      this.#failures++;
      this.#failedStep = index;
      this.#step = index;
      this.#failed.dispose();
      this.#failed = tf.scalar(false, "bool");
      throw new Error(`Cannot apply Adam step ${index} as the gradient norm is ${gradNorm}`);
    }
    throw new Error(
      `Cannot apply Adam step ${index} as step ${this.#failedStep}, queued before it, had a non-finite gradient`,
    );
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
    tf.dispose([...this.#m, ...this.#v, this.#failed]);
  }
}
