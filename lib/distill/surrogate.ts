/**
 * The student's surrogate loss: the scalar whose gradient injects the divergence gradient `g` into
 * the student's logits (docs/method.md §8).
 *
 * | code | paper | meaning |
 * |---|---|---|
 * | `zTheta` | z_θ(x_init) | student (generator θ) logits at `xInit`, float32 `[B, L, V]` |
 * | `g` | ∇_{z_ψ} D(p_φ ‖ p_ψ)(x̃_t) | divergence gradient w.r.t. the aux logits at `xt`, float32 `[B, L, V]` |
 * | `masked` | M = {i : x̃_t^i = [M]} | positions masked in `xt`, bool `[B, L]` |
 * | `"sum"` | 1/B · Σ_b Σ_{i∈M_b} Σ_v | official code (`train_DIMO_MaskGit.py`) |
 * | `"mean"` | 1/B · Σ_b 1/\|M_b\| Σ_{i∈M_b} Σ_v | paper / poster (1/L_M) |
 *
 * @module
 */
import * as tf from "../backend/tf.ts";
import { whereBroadcast } from "../backend/ops.ts";
import { checkDtype, checkOneOf, checkShape } from "../validate/mod.ts";
import { stopGradient } from "./_stop_gradient.ts";

/**
 * The ways to normalise the surrogate, see {@linkcode SurrogateOptions}.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { SURROGATE_NORMALIZATIONS } from "@dimo/dimo";
 * assert.deepEqual([...SURROGATE_NORMALIZATIONS], ["sum", "mean"]);
 * ```
 */
export const SURROGATE_NORMALIZATIONS = ["sum", "mean"] as const;

/** One of {@linkcode SURROGATE_NORMALIZATIONS}. */
export type SurrogateNormalization = typeof SURROGATE_NORMALIZATIONS[number];

/** Options of {@linkcode surrogateLoss}. */
export interface SurrogateOptions {
  /** M: the positions masked in x̃_t, bool `[B, L]`; `g` counts only there. */
  readonly masked: tf.Tensor;
  /**
   * How the per-token terms are weighted.
   *
   * - `"sum"`: Σ_b Σ_{i∈M_b} Σ_v g·z_θ / B, the official code's `0.5·mse(z_θ, sg(z_θ − g), "sum") / B`
   *   (`train_DIMO_MaskGit.py`): samples with more masked tokens (larger t) weigh more.
   * - `"mean"`: Σ_b (1 / (B·|M_b|)) Σ_{i∈M_b} Σ_v g·z_θ, the paper's mean over the L_M masked tokens
   *   of each sample, then over the batch.
   *
   * With Adam the global scale mostly cancels; the two differ in how samples are weighted
   * (docs/method.md §8).
   *
   * @default {"sum"}
   */
  readonly normalization?: SurrogateNormalization;
}

function checkGradient(action: string, g: tf.Tensor, masked: tf.Tensor): void {
  checkDtype(action, "g", g.dtype, "float32");
  checkShape(action, "g", g.shape, [-1, -1, -1]);
  checkDtype(action, "masked", masked.dtype, "bool");
  checkShape(action, "masked", masked.shape, g.shape.slice(0, 2));
}

/**
 * Zeroes `g` at every position that is not masked in x̃_t, as the official code's
 * `torch.where(dmd_mask, g, 0)`: only masked positions carry a divergence gradient.
 *
 * @param g Divergence gradient w.r.t. the aux logits, float32 `[B, L, V]`.
 * @param masked Positions masked in x̃_t, bool `[B, L]`.
 * @returns float32 `[B, L, V]`: `g` where `masked`, 0 elsewhere, even where `g` is not finite.
 * @throws {TypeError} If `g` is not float32 of rank 3 or `masked` is not bool `[B, L]`.
 *
 * @example Keep the gradient at the masked position only
 * ```ts
 * import assert from "node:assert";
 * import { maskGradient, tf, useBackend } from "@dimo/dimo";
 * await useBackend("cpu");
 * const g = tf.tensor3d([[[1, -1], [2, -2]]]);
 * const masked = tf.tensor2d([[false, true]], [1, 2], "bool");
 * assert.deepEqual(Array.from(await maskGradient(g, masked).data()), [0, 0, 2, -2]);
 * ```
 */
export function maskGradient(g: tf.Tensor, masked: tf.Tensor): tf.Tensor {
  checkGradient("mask the divergence gradient", g, masked);
  return tf.tidy(() => whereBroadcast(tf.expandDims(masked, -1), g, tf.zerosLike(g)));
}

/**
 * The divisor of each sample's terms, broadcastable to `[B, L, V]`: B, or B·|M_b| for `"mean"`.
 * |M_b| ≥ 1 whenever x̃_t comes from exact-count masking; an empty row contributes 0 anyway, and
 * max(|M_b|, 1) keeps it from turning into 0/0 = NaN.
 */
function divisors(masked: tf.Tensor, normalization: SurrogateNormalization): tf.Tensor {
  const batch = masked.shape[0];
  if (normalization === "sum") return tf.scalar(batch);
  const counts = tf.sum(tf.cast(masked, "float32"), 1);
  return tf.reshape(tf.mul(tf.maximum(counts, 1), batch), [batch, 1, 1]);
}

/**
 * The student's (generator's) surrogate loss L(θ) = Σ_{b,i,v} w_b · sg(g)[b,i,v] · z_θ[b,i,v], summed
 * over the masked positions i ∈ M_b only, with w_b = 1/B (`"sum"`) or 1/(B·|M_b|) (`"mean"`).
 *
 * Its gradient w.r.t. `zTheta` is the masked, normalised `g`, so backpropagating it through the
 * student's forward pass at `xInit` chains the divergence gradient, taken w.r.t. the aux logits at
 * x̃_t, through ∂z_θ/∂θ at the same positions (docs/method.md §8). `g` is a constant:
 * no gradient flows into it, even when it was computed from trainable weights. The value itself
 * is not the divergence and is not worth logging; only its gradient means anything.
 *
 * @param zTheta Student logits at `xInit`, float32 `[B, L, V]`, computed inside the gradient closure.
 * @param g Divergence gradient at `xt` w.r.t. the aux logits, float32 `[B, L, V]` (from
 * `Divergence.gradLogits`); it need not be masked already.
 * @param options `masked` (bool `[B, L]`) and the {@linkcode SurrogateNormalization}.
 * @returns The loss, a float32 scalar.
 * @throws {RangeError} If `normalization` is unknown.
 * @throws {TypeError} If `zTheta` is not float32 `[B, L, V]`, `g` differs from it in shape or dtype,
 * or `masked` is not bool `[B, L]`.
 *
 * @example The gradient w.r.t. the student's logits is the masked gradient over B
 * ```ts
 * import assert from "node:assert";
 * import { surrogateLoss, tf, useBackend } from "@dimo/dimo";
 * await useBackend("cpu");
 * const zTheta = tf.tensor3d([[[0.3, 0.1], [0.2, 0.4]]]);
 * const g = tf.tensor3d([[[0.5, -0.5], [0.25, -0.25]]]);
 * const masked = tf.tensor2d([[true, false]], [1, 2], "bool");
 * const grad = tf.grad((z: tf.Tensor) => surrogateLoss(z, g, { masked }))(zTheta);
 * assert.deepEqual(Array.from(await grad.data()), [0.5, -0.5, 0, 0]);
 * ```
 */
export function surrogateLoss(zTheta: tf.Tensor, g: tf.Tensor, options: SurrogateOptions): tf.Scalar {
  const { masked, normalization = "sum" } = options;
  const action = "compute the surrogate loss";
  checkOneOf(action, "normalization", normalization, SURROGATE_NORMALIZATIONS);
  checkDtype(action, "zTheta", zTheta.dtype, "float32");
  checkShape(action, "zTheta", zTheta.shape, [-1, -1, -1]);
  checkShape(action, "g", g.shape, zTheta.shape);
  checkGradient(action, g, masked);
  return tf.tidy(() => {
    const weighted = stopGradient(tf.div(maskGradient(g, masked), divisors(masked, normalization)));
    return tf.sum(tf.mul(weighted, zTheta));
  });
}
