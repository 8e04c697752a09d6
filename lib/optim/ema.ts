/**
 * Exponential moving average of model weights, the weights Di[M]O evaluates.
 *
 * @module
 */
import * as tf from "../backend/tf.ts";
import { fusedElementwise } from "../backend/fused.ts";
import { inPlaceKernel } from "../backend/webgpu_in_place.ts";
import { checkInRange } from "../validate/mod.ts";

/** s·d + w·(1 − d), one kernel on WebGPU; both weights come from the host so neither is rounded in the shader. */
const average = fusedElementwise({
  name: "DimoEmaAverage",
  inputs: 2,
  scalars: ["decay", "rest"],
  wgsl: "value = x0 * uniforms.decay + x1 * uniforms.rest;",
  reference: ([s, w], [decay, rest]) => tf.add(tf.mul(s, decay), tf.mul(w, rest)),
});

/** The same average written into the shadow in place on WebGPU, where nothing else holds its data. */
const averageInPlace = inPlaceKernel({
  name: "DimoEmaInPlace",
  written: ["s"],
  read: ["w"],
  scalars: ["decay", "rest"],
  wgsl: "s[i] = s[i] * u.decay + w[i] * u.rest;",
});

/**
 * An EMA of a list of variables with the official warm-up: at update t (from 0) the decay is
 * min(`decay`, (1 + t)/(10 + t)), so early averages are not dominated by the initial weights.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { Ema, tf, useBackend } from "@dimo/dimo";
 * await useBackend("cpu");
 * const w = tf.variable(tf.scalar(0));
 * const ema = new Ema([w], 0.9999);
 * w.assign(tf.scalar(1));
 * ema.update(); // decay min(0.9999, 1/10) = 0.1
 * assert.ok(Math.abs(ema.shadow[0].dataSync()[0] - 0.9) < 1e-6);
 * ema.dispose();
 * ```
 */
export class Ema {
  /** The averaged copies, in the order of the tracked variables. */
  readonly shadow: tf.Variable[];
  readonly #variables: readonly tf.Variable[];
  readonly #decay: number;
  #updates = 0;

  /**
   * Starts tracking the variables.
   *
   * @param variables The variables to track; the average starts at their current values.
   * @param decay The largest decay. @default {0.9999}
   * @throws {RangeError} If `decay` is outside [0, 1].
   */
  constructor(variables: readonly tf.Variable[], decay = 0.9999) {
    checkInRange("create an EMA", "decay", decay, 0, 1);
    this.#variables = variables;
    this.#decay = decay;
    this.shadow = variables.map((v) => tf.variable(v, false));
  }

  /** The number of updates applied. */
  get updates(): number {
    return this.#updates;
  }

  /** The decay the next update uses. */
  get currentDecay(): number {
    return Math.min(this.#decay, (1 + this.#updates) / (10 + this.#updates));
  }

  /** Moves each average towards its variable: s ← d·s + (1 − d)·w. */
  update(): void {
    const d = this.currentDecay;
    this.#variables.forEach((v, i) => {
      if (averageInPlace([this.shadow[i]], [v], [d, 1 - d])) return;
      tf.tidy(() => this.shadow[i].assign(average([this.shadow[i], v], [d, 1 - d])));
    });
    this.#updates++;
  }

  /**
   * Restores averages and the update count (from a checkpoint).
   *
   * @param shadow One tensor per tracked variable.
   * @param updates The number of updates already applied.
   * @throws {TypeError} If the count or a shape does not match.
   */
  restore(shadow: readonly tf.Tensor[], updates: number): void {
    if (shadow.length !== this.shadow.length) {
      throw new TypeError(
        `Cannot restore the EMA as 'shadow' must hold ${this.shadow.length} tensors: current value is ${shadow.length}`,
      );
    }
    shadow.forEach((t, i) => {
      if (!tf.util.arraysEqual(t.shape, this.shadow[i].shape)) {
        throw new TypeError(
          `Cannot restore the EMA as 'shadow[${i}]' must have shape [${
            this.shadow[i].shape
          }]: current value is [${t.shape}]`,
        );
      }
    });
    shadow.forEach((t, i) => this.shadow[i].assign(t));
    this.#updates = updates;
  }

  /** Frees the averages. */
  dispose(): void {
    tf.dispose(this.shadow);
  }
}
