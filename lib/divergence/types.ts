/**
 * The divergence variants as data ({@linkcode DivergenceSpec}) and the interface every divergence
 * implements ({@linkcode Divergence}).
 *
 * @module
 */
import type * as tf from "../backend/tf.ts";

/**
 * The divergence kinds, in the order docs/method.md §7 lists them.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { DIVERGENCE_KINDS } from "@dimo/dimo";
 * assert.ok(DIVERGENCE_KINDS.includes("jeffreys"));
 * ```
 */
export const DIVERGENCE_KINDS = ["fkl", "rkl", "jeffreys", "js", "tv"] as const;

/** One of {@linkcode DIVERGENCE_KINDS}. */
export type DivergenceKind = typeof DIVERGENCE_KINDS[number];

/**
 * Which token-level divergence D(p_φ ‖ p_ψ) the student is trained on, with its parameters.
 *
 * - `fkl`: forward KL, KL(p_φ ‖ p_ψ).
 * - `rkl`: reverse KL, KL(p_ψ ‖ p_φ).
 * - `jeffreys`: (1 − β)·FKL + β·RKL, the "generalized Jeffreys" family of the official code
 *   (`distil_loss_type: Jeffreys_<beta>`); β = 0 is FKL, β = 1 is RKL, negative β is allowed.
 * - `js`: skew Jensen–Shannon, π·KL(p_φ ‖ m) + (1 − π)·KL(p_ψ ‖ m) with m = π·p_φ + (1 − π)·p_ψ.
 * - `tv`: total variation, ½·Σ_v |p_φ − p_ψ|.
 *
 * JS and TV are not in the official code; they are offered for ablations.
 */
export type DivergenceSpec =
  | { readonly kind: "fkl" }
  | { readonly kind: "rkl" }
  | {
    readonly kind: "jeffreys";
    /** Weight of the reverse KL; any finite number. */
    readonly beta: number;
  }
  | {
    readonly kind: "js";
    /**
     * Weight π of p_φ in the mixture m, in (0, 1).
     *
     * @default {0.5}
     */
    readonly skew?: number;
  }
  | { readonly kind: "tv" };

/**
 * The paper's divergence: forward KL, written as Jeffreys with β = 0 as in the official configs
 * (`configs/DIMO_MaskGit.yaml`, `distil_loss_type: Jeffreys_0.`).
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { createDivergence, DEFAULT_DIVERGENCE_SPEC } from "@dimo/dimo";
 * assert.deepEqual(createDivergence(DEFAULT_DIVERGENCE_SPEC).spec, { kind: "jeffreys", beta: 0 });
 * ```
 */
export const DEFAULT_DIVERGENCE_SPEC: DivergenceSpec = Object.freeze({ kind: "jeffreys", beta: 0 });

/**
 * A token-level divergence D(p_φ ‖ p_ψ) between the teacher's p_φ = softmax(zPhi) and the aux
 * model's p_ψ = softmax(zPsi), both over the last axis, and its gradient with respect to zPsi.
 *
 * Both methods are pure: they check that the shapes match, work inside `tf.tidy`, and leave their
 * inputs alone.
 */
export interface Divergence {
  /** The spec this divergence was made from, with defaults filled in. */
  readonly spec: DivergenceSpec;
  /**
   * The divergence at every position.
   *
   * @param zPsi Aux logits, float32 `[..., V]`.
   * @param zPhi Teacher logits, float32, the shape of `zPsi`.
   * @returns float32 `[...]`: `zPsi`'s shape without the class axis.
   * @throws {TypeError} If the shapes differ or a tensor is not float32 of rank ≥ 1.
   */
  value(zPsi: tf.Tensor, zPhi: tf.Tensor): tf.Tensor;
  /**
   * The analytic gradient g = ∂D/∂zPsi at every position: what the student's logits receive.
   *
   * @param zPsi Aux logits, float32 `[..., V]`.
   * @param zPhi Teacher logits, float32, the shape of `zPsi`.
   * @returns float32 `[..., V]`, the shape of `zPsi`.
   * @throws {TypeError} If the shapes differ or a tensor is not float32 of rank ≥ 1.
   */
  gradLogits(zPsi: tf.Tensor, zPhi: tf.Tensor): tf.Tensor;
}
