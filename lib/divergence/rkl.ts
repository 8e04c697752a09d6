/**
 * Reverse KL, KL(p_ψ ‖ p_φ): mode-seeking, the β = 1 end of the Jeffreys family.
 *
 * @module
 */
import * as tf from "../backend/tf.ts";
import { defineDivergence, type Formula, kl, softmaxBackward } from "./_define.ts";
import type { Divergence } from "./types.ts";

/**
 * KL(p_ψ ‖ p_φ) = Σ_v p_ψ (log p_ψ − log p_φ). Its derivative in p_ψ is log p_ψ − log p_φ + 1; through
 * the softmax the constant drops out: g = p_ψ ⊙ (log p_ψ − log p_φ − KL(p_ψ ‖ p_φ)).
 */
export const RKL_FORMULA: Formula = {
  value: ({ pPsi, logPsi, logPhi }) => kl(pPsi, logPsi, logPhi),
  gradLogits: ({ pPsi, logPsi, logPhi }) => softmaxBackward(pPsi, tf.sub(logPsi, logPhi)),
};

/**
 * Creates the reverse KL divergence KL(p_ψ ‖ p_φ), with
 * g = ∂D/∂zPsi = p_ψ ⊙ (log p_ψ − log p_φ − KL(p_ψ ‖ p_φ)) (`train_DIMO_MaskGit.py`, `distil_loss_type: RKL`).
 *
 * @returns The {@linkcode Divergence} with spec `{ kind: "rkl" }`.
 *
 * @example Reverse KL of [0.5, 0.5] from [0.75, 0.25]
 * ```ts
 * import assert from "node:assert";
 * import { createRkl, tf, useBackend } from "@dimo/dimo";
 * await useBackend("cpu");
 * const zPsi = tf.tensor1d([0, 0]);
 * const zPhi = tf.tensor1d([Math.log(3), 0]);
 * const d = (await createRkl().value(zPsi, zPhi).data())[0];
 * assert.ok(Math.abs(d - (0.5 * Math.log(0.5 / 0.75) + 0.5 * Math.log(0.5 / 0.25))) < 1e-6);
 * ```
 */
export function createRkl(): Divergence {
  return defineDivergence({ kind: "rkl" }, RKL_FORMULA);
}
