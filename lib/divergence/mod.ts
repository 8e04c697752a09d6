/**
 * Token-level divergences D(p_φ ‖ p_ψ) between the teacher's and the aux model's predictions at
 * x̃_t, each with its analytic gradient g = ∂D/∂zPsi with respect to the aux logits: the gradient
 * Di[M]O injects into the student's logits (docs/method.md §7).
 *
 * | kind | D | g = ∂D/∂zPsi |
 * |---|---|---|
 * | `fkl` | KL(p_φ ‖ p_ψ) | p_ψ − p_φ |
 * | `rkl` | KL(p_ψ ‖ p_φ) | p_ψ ⊙ (log p_ψ − log p_φ − KL(p_ψ ‖ p_φ)) |
 * | `jeffreys` | (1 − β)·FKL + β·RKL | (1 − β)·g_FKL + β·g_RKL |
 * | `js` | π·KL(p_φ ‖ m) + (1 − π)·KL(p_ψ ‖ m) | p_ψ ⊙ (d − Σ p_ψ d), d = (1 − π)·log(p_ψ / m) |
 * | `tv` | ½·Σ \|p_φ − p_ψ\| | p_ψ ⊙ (s − Σ p_ψ s), s = ½·sign(p_ψ − p_φ) |
 *
 * All are computed from log-softmaxes, so logits of any finite size give finite results.
 *
 * @example The forward KL gradient, the paper's default
 * ```ts
 * import assert from "node:assert";
 * import { createDivergence, tf, useBackend } from "@dimo/dimo";
 * await useBackend("cpu");
 * const fkl = createDivergence({ kind: "fkl" });
 * const zPsi = tf.tensor2d([[1, 2, 3]]);
 * const g = await fkl.gradLogits(zPsi, zPsi).data(); // equal distributions: no gradient
 * assert.ok(g.every((v) => v === 0));
 * ```
 *
 * @module
 */
export * from "./types.ts";
export { createDivergence } from "./registry.ts";
export { createFkl } from "./fkl.ts";
export { createRkl } from "./rkl.ts";
export { createJeffreys } from "./jeffreys.ts";
export { createJs } from "./js.ts";
export { createTv } from "./tv.ts";
