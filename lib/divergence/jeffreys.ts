/**
 * The generalized Jeffreys family (1 − β)·FKL + β·RKL of the official code (`Jeffreys_<beta>`).
 *
 * @module
 */
import * as tf from "../backend/tf.ts";
import { errorMessage } from "../validate/mod.ts";
import { defineDivergence } from "./_define.ts";
import { FKL_FORMULA } from "./fkl.ts";
import { RKL_FORMULA } from "./rkl.ts";
import type { Divergence } from "./types.ts";

/** (1 − β)·a + β·b; exact at β = 0 and β = 1 for finite a and b. */
function mix(a: tf.Tensor, b: tf.Tensor, beta: number): tf.Tensor {
  return tf.add(tf.mul(a, 1 - beta), tf.mul(b, beta));
}

/**
 * Creates the generalized Jeffreys divergence (1 − β)·KL(p_φ ‖ p_ψ) + β·KL(p_ψ ‖ p_φ), whose
 * gradient mixes the FKL and RKL gradients with the same weights (`train_DIMO_MaskGit.py`,
 * `distil_loss_type: Jeffreys_<beta>`). β = 0 is the paper's forward KL, β = 1 the reverse KL,
 * β = 0.5 half the symmetric Jeffreys divergence; the official code also allows β < 0 and β > 1,
 * where the value is no longer a divergence (it can be negative).
 *
 * @param beta The weight β of the reverse KL, any finite number.
 * @returns The {@linkcode Divergence} with spec `{ kind: "jeffreys", beta }`.
 * @throws {RangeError} If `beta` is not a finite number.
 *
 * @example Half-way between forward and reverse KL
 * ```ts
 * import assert from "node:assert";
 * import { createFkl, createJeffreys, createRkl, tf, useBackend } from "@dimo/dimo";
 * await useBackend("cpu");
 * const zPsi = tf.tensor1d([0, 1, 2]);
 * const zPhi = tf.tensor1d([2, 0, 0]);
 * const [j] = await createJeffreys(0.5).value(zPsi, zPhi).data();
 * const [f] = await createFkl().value(zPsi, zPhi).data();
 * const [r] = await createRkl().value(zPsi, zPhi).data();
 * assert.ok(Math.abs(j - (f + r) / 2) < 1e-6);
 * ```
 */
export function createJeffreys(beta: number): Divergence {
  if (typeof beta !== "number" || !Number.isFinite(beta)) {
    throw new RangeError(errorMessage("create the jeffreys divergence", "beta", "a finite number", beta));
  }
  return defineDivergence({ kind: "jeffreys", beta }, {
    value: (probs) => mix(FKL_FORMULA.value(probs), RKL_FORMULA.value(probs), beta),
    gradLogits: (probs) => mix(FKL_FORMULA.gradLogits(probs), RKL_FORMULA.gradLogits(probs), beta),
  });
}
