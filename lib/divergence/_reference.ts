/**
 * Test-only: each divergence at one position in plain float64 JS, written straight from its
 * definition, as the oracle for values and (by central differences) gradients.
 *
 * @module
 */

/** D(p_φ ‖ p_ψ) of one position. */
export type Reference = (pPhi: readonly number[], pPsi: readonly number[]) => number;

/** p·log(p/q) with 0·log 0 = 0. */
function xLogRatio(p: number, q: number): number {
  return p === 0 ? 0 : p * Math.log(p / q);
}

/** KL(p_φ ‖ p_ψ). */
export const fklReference: Reference = (pPhi, pPsi) =>
  pPhi.reduce((sum, p, v) => sum + xLogRatio(p, pPsi[v]), 0);

/** KL(p_ψ ‖ p_φ). */
export const rklReference: Reference = (pPhi, pPsi) =>
  pPsi.reduce((sum, q, v) => sum + xLogRatio(q, pPhi[v]), 0);

/** (1 − β)·KL(p_φ ‖ p_ψ) + β·KL(p_ψ ‖ p_φ). */
export function jeffreysReference(beta: number): Reference {
  return (pPhi, pPsi) => (1 - beta) * fklReference(pPhi, pPsi) + beta * rklReference(pPhi, pPsi);
}

/** π·KL(p_φ ‖ m) + (1 − π)·KL(p_ψ ‖ m), m = π·p_φ + (1 − π)·p_ψ. */
export function jsReference(skew: number): Reference {
  return (pPhi, pPsi) => {
    const m = pPhi.map((p, v) => skew * p + (1 - skew) * pPsi[v]);
    return pPhi.reduce(
      (sum, p, v) => sum + skew * xLogRatio(p, m[v]) + (1 - skew) * xLogRatio(pPsi[v], m[v]),
      0,
    );
  };
}

/** ½·Σ_v |p_φ − p_ψ|. */
export const tvReference: Reference = (pPhi, pPsi) =>
  0.5 * pPhi.reduce((sum, p, v) => sum + Math.abs(p - pPsi[v]), 0);
