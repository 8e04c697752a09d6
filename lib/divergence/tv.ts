/**
 * Total variation distance: bounded in [0, 1], non-smooth where p_φ = p_ψ. Not in the official code.
 *
 * @module
 */
import * as tf from "../backend/tf.ts";
import { defineDivergence, softmaxBackward, sumClasses } from "./_define.ts";
import type { Divergence } from "./types.ts";

/**
 * Creates the total variation distance ½·Σ_v |p_φ − p_ψ|.
 *
 * Gradient: ∂D/∂p_ψ = s with s = ½·sign(p_ψ − p_φ), a subgradient with sign(0) = 0 where the two
 * agree; through the softmax g = p_ψ ⊙ (s − Σ_v p_ψ·s), with the sign exact however small the gap.
 * `value` writes |x| as x·sign(x) so that autodiff (where tfjs's `abs` would use sign(0) = −1) takes
 * the same subgradient. The gradient does not shrink as p_ψ → p_φ: it stays of order ½·p_ψ until
 * the two are exactly equal.
 *
 * @returns The {@linkcode Divergence} with spec `{ kind: "tv" }`.
 *
 * @example Half the L1 distance
 * ```ts
 * import assert from "node:assert";
 * import { createTv, tf, useBackend } from "@dimo/dimo";
 * await useBackend("cpu");
 * const zPsi = tf.tensor1d([0, 0]);
 * const zPhi = tf.tensor1d([Math.log(3), 0]); // p_φ = [0.75, 0.25]
 * const [d] = await createTv().value(zPsi, zPhi).data();
 * assert.ok(Math.abs(d - 0.25) < 1e-6);
 * ```
 */
export function createTv(): Divergence {
  return defineDivergence({ kind: "tv" }, {
    value: ({ pPsi, pPhi }) => {
      const diff = tf.sub(pPsi, pPhi);
      return tf.mul(sumClasses(tf.mul(diff, exactSign(diff))), 0.5);
    },
    gradLogits: ({ pPsi, pPhi }) => softmaxBackward(pPsi, tf.mul(exactSign(tf.sub(pPsi, pPhi)), 0.5)),
  });
}

/**
 * sign(x) from two comparisons, exact for every float on every backend: tfjs-wasm's `Sign` returns
 * 0 for |x| < 2⁻²³, which near-ties of two probabilities reach. Its gradient is 0, as `sign`'s is.
 */
function exactSign(x: tf.Tensor): tf.Tensor {
  return tf.sub(tf.step(x), tf.step(tf.neg(x)));
}
