/**
 * The skew Jensen–Shannon divergence: bounded, symmetric at skew ½. Not in the official code.
 *
 * @module
 */
import * as tf from "../backend/tf.ts";
import { errorMessage } from "../validate/mod.ts";
import { defineDivergence, kl, type Probs, softmaxBackward } from "./_define.ts";
import type { Divergence } from "./types.ts";

/**
 * log m for m = π·p_φ + (1 − π)·p_ψ, as a two-term logsumexp of log π + log p_φ and
 * log(1 − π) + log p_ψ: the larger term is factored out, so nothing underflows to log 0.
 */
function logMixture({ logPhi, logPsi }: Probs, skew: number): tf.Tensor {
  const a = tf.add(logPhi, Math.log(skew));
  const b = tf.add(logPsi, Math.log1p(-skew));
  const hi = tf.maximum(a, b);
  return tf.add(hi, tf.log1p(tf.exp(tf.sub(tf.minimum(a, b), hi))));
}

/**
 * Creates the skew Jensen–Shannon divergence π·KL(p_φ ‖ m) + (1 − π)·KL(p_ψ ‖ m) with
 * m = π·p_φ + (1 − π)·p_ψ and π = `skew`. It lies in [0, H(π)] (at most log 2 at π = ½, where it is
 * symmetric).
 *
 * Gradient: ∂D/∂p_ψ = (1 − π)·(log p_ψ − log m + 1), since the terms through m sum to
 * −(1 − π)·(π·p_φ + (1 − π)·p_ψ)/m = −(1 − π); through the softmax the constant drops out:
 * g = p_ψ ⊙ (d − Σ_v p_ψ·d) with d = (1 − π)·(log p_ψ − log m).
 *
 * @param skew The weight π of p_φ in the mixture, in (0, 1).
 * @returns The {@linkcode Divergence} with spec `{ kind: "js", skew }`.
 * @throws {RangeError} If `skew` is not a number in (0, 1).
 *
 * @example Disjoint distributions are log 2 apart
 * ```ts
 * import assert from "node:assert";
 * import { createJs, tf, useBackend } from "@dimo/dimo";
 * await useBackend("cpu");
 * const [d] = await createJs().value(tf.tensor1d([50, -50]), tf.tensor1d([-50, 50])).data();
 * assert.ok(Math.abs(d - Math.log(2)) < 1e-6);
 * ```
 */
export function createJs(skew = 0.5): Divergence {
  if (typeof skew !== "number" || !(skew > 0 && skew < 1)) {
    throw new RangeError(errorMessage("create the js divergence", "skew", "a number in (0, 1)", skew));
  }
  return defineDivergence({ kind: "js", skew }, {
    value: (probs) => {
      const logM = logMixture(probs, skew);
      return tf.add(
        tf.mul(kl(probs.pPhi, probs.logPhi, logM), skew),
        tf.mul(kl(probs.pPsi, probs.logPsi, logM), 1 - skew),
      );
    },
    gradLogits: (probs) => {
      const dq = tf.mul(tf.sub(probs.logPsi, logMixture(probs, skew)), 1 - skew);
      return softmaxBackward(probs.pPsi, dq);
    },
  });
}
