/**
 * What every divergence shares: the argument checks, the log-softmaxes, and the chain rule
 * through the softmax. A divergence file then only writes its formula.
 *
 * @module
 */
import * as tf from "../backend/tf.ts";
import { checkDtype, errorMessage } from "../validate/mod.ts";
import type { Divergence, DivergenceSpec } from "./types.ts";

/** The teacher's and the aux model's distributions at every position, as probabilities and logs. */
export interface Probs {
  /** log p_ψ = logSoftmax(zPsi), float32 `[..., V]`. */
  readonly logPsi: tf.Tensor;
  /** log p_φ = logSoftmax(zPhi), float32 `[..., V]`. */
  readonly logPhi: tf.Tensor;
  /** p_ψ, float32 `[..., V]`. */
  readonly pPsi: tf.Tensor;
  /** p_φ, float32 `[..., V]`. */
  readonly pPhi: tf.Tensor;
}

/** A divergence written in terms of {@linkcode Probs}; called inside a tidy. */
export interface Formula {
  /** D(p_φ ‖ p_ψ) per position, float32 `[...]`. */
  value(probs: Probs): tf.Tensor;
  /** ∂D/∂zPsi, float32 `[..., V]`. */
  gradLogits(probs: Probs): tf.Tensor;
}

/** Σ_v over the class axis. */
export function sumClasses(x: tf.Tensor): tf.Tensor {
  return tf.sum(x, -1);
}

/** KL(p ‖ q) per position from p and the two log-probabilities. */
export function kl(p: tf.Tensor, logP: tf.Tensor, logQ: tf.Tensor): tf.Tensor {
  return sumClasses(tf.mul(p, tf.sub(logP, logQ)));
}

/**
 * The chain rule through q = softmax(z): given ∂D/∂q, returns ∂D/∂z = q ⊙ (∂D/∂q − Σ_v q·∂D/∂q).
 * Terms of ∂D/∂q that are constant over v (the "+1" of d(q log q)/dq) cancel, so they may be left out.
 */
export function softmaxBackward(q: tf.Tensor, dq: tf.Tensor): tf.Tensor {
  return tf.mul(q, tf.sub(dq, tf.sum(tf.mul(q, dq), -1, true)));
}

/** Log-softmax first, exp second: finite logs and exact zeros in place of underflowing ratios. */
function probs(zPsi: tf.Tensor, zPhi: tf.Tensor): Probs {
  const logPsi = tf.logSoftmax(zPsi);
  const logPhi = tf.logSoftmax(zPhi);
  return { logPsi, logPhi, pPsi: tf.exp(logPsi), pPhi: tf.exp(logPhi) };
}

function checkLogits(kind: string, zPsi: tf.Tensor, zPhi: tf.Tensor): void {
  const action = `compute the ${kind} divergence`;
  checkDtype(action, "zPsi", zPsi.dtype, "float32");
  checkDtype(action, "zPhi", zPhi.dtype, "float32");
  if (zPsi.rank === 0) {
    throw new TypeError(errorMessage(action, "zPsi", "of rank >= 1 (classes last)", zPsi.shape));
  }
  const same = zPsi.rank === zPhi.rank && zPsi.shape.every((d, i) => d === zPhi.shape[i]);
  if (!same) {
    throw new TypeError(
      errorMessage(action, "zPhi", `of the shape of 'zPsi', [${zPsi.shape.join(", ")}]`, zPhi.shape),
    );
  }
}

/** Turns a formula into a frozen {@linkcode Divergence} that checks its arguments and tidies up. */
export function defineDivergence(spec: DivergenceSpec, formula: Formula): Divergence {
  return Object.freeze({
    spec: Object.freeze(spec),
    value(zPsi: tf.Tensor, zPhi: tf.Tensor): tf.Tensor {
      checkLogits(spec.kind, zPsi, zPhi);
      return tf.tidy(() => formula.value(probs(zPsi, zPhi)));
    },
    gradLogits(zPsi: tf.Tensor, zPhi: tf.Tensor): tf.Tensor {
      checkLogits(spec.kind, zPsi, zPhi);
      return tf.tidy(() => formula.gradLogits(probs(zPsi, zPhi)));
    },
  });
}
