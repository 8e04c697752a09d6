/**
 * Forward KL, KL(p_φ ‖ p_ψ): the divergence Di[M]O reports (Jeffreys with β = 0).
 *
 * @module
 */
import * as tf from "../backend/tf.ts";
import { defineDivergence, type Formula, kl } from "./_define.ts";
import type { Divergence } from "./types.ts";

/** KL(p_φ ‖ p_ψ) = Σ_v p_φ (log p_φ − log p_ψ); its logit gradient is g = p_ψ − p_φ. */
export const FKL_FORMULA: Formula = {
  value: ({ pPhi, logPhi, logPsi }) => kl(pPhi, logPhi, logPsi),
  gradLogits: ({ pPsi, pPhi }) => tf.sub(pPsi, pPhi),
};

/**
 * Creates the forward KL divergence KL(p_φ ‖ p_ψ), with g = ∂D/∂zPsi = p_ψ − p_φ
 * (`train_DIMO_MaskGit.py`, `distil_loss_type: FKL`).
 *
 * @returns The {@linkcode Divergence} with spec `{ kind: "fkl" }`.
 *
 * @example The gradient is the difference of the probabilities
 * ```ts
 * import assert from "node:assert";
 * import { createFkl, tf, useBackend } from "@dimo/dimo";
 * await useBackend("cpu");
 * const zPsi = tf.tensor1d([0, 0]);
 * const zPhi = tf.tensor1d([Math.log(3), 0]); // p_φ = [0.75, 0.25]
 * const g = await createFkl().gradLogits(zPsi, zPhi).data();
 * assert.ok(Math.abs(g[0] - (0.5 - 0.75)) < 1e-6 && Math.abs(g[1] - (0.5 - 0.25)) < 1e-6);
 * ```
 */
export function createFkl(): Divergence {
  return defineDivergence({ kind: "fkl" }, FKL_FORMULA);
}
