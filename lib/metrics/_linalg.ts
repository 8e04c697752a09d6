/**
 * The one place dimo calls a linear-algebra library: symmetric eigendecompositions from
 * ml-matrix (JAMA's Householder tridiagonalisation and QL iteration, in float64).
 *
 * @module
 */
import { EigenvalueDecomposition, Matrix } from "ml-matrix";

/** A d × d matrix, row-major, float64. */
export interface SquareMatrix {
  readonly size: number;
  readonly values: Float64Array;
}

function toMatrix({ size, values }: SquareMatrix): Matrix {
  return new Matrix(
    Array.from({ length: size }, (_, i) => Array.from(values.subarray(i * size, (i + 1) * size))),
  );
}

/**
 * Eigenvalues of a symmetric positive semi-definite matrix, with rounding-sized negative ones
 * (above −1e-10 times the largest magnitude) set to 0.
 *
 * @throws {RangeError} If an eigenvalue is clearly negative: the matrix is not a covariance.
 */
function psdEigen(field: string, matrix: Matrix): { values: number[]; vectors: Matrix } {
  const decomposition = new EigenvalueDecomposition(matrix, { assumeSymmetric: true });
  const values = decomposition.realEigenvalues;
  const largest = Math.max(0, ...values.map(Math.abs));
  const lowest = Math.min(...values);
  if (!(lowest >= -1e-10 * largest)) {
    throw new RangeError(
      `Cannot take the square root of '${field}' as it must be positive semi-definite: ` +
        `current value has eigenvalue ${lowest}`,
    );
  }
  return { values: values.map((v) => Math.max(v, 0)), vectors: decomposition.eigenvectorMatrix };
}

/**
 * tr((Σ1 Σ2)^{1/2}) for covariance matrices Σ1 and Σ2. Σ1 Σ2 is not symmetric, but it is similar
 * to the symmetric positive semi-definite √Σ1 Σ2 √Σ1 (AB and BA share eigenvalues, with A = √Σ1
 * and B = √Σ1 Σ2), so the trace is the sum of the square roots of that matrix's eigenvalues: two
 * symmetric eigendecompositions, no complex arithmetic.
 *
 * @throws {RangeError} If Σ1 or √Σ1 Σ2 √Σ1 has a clearly negative eigenvalue.
 */
export function traceSqrtProduct(sigma1: SquareMatrix, sigma2: SquareMatrix): number {
  const { values, vectors } = psdEigen("sigma1", toMatrix(sigma1));
  // ml-matrix's element-wise methods work in place: scale a copy of V to get V √Λ.
  const sqrtSigma1 = vectors.clone().mulRowVector(values.map(Math.sqrt)).mmul(vectors.transpose());
  const product = sqrtSigma1.mmul(toMatrix(sigma2)).mmul(sqrtSigma1);
  // Rounding leaves the product slightly asymmetric; its symmetric part has the same trace.
  const symmetric = Matrix.add(product, product.transpose()).mul(0.5);
  return psdEigen("sigma2", symmetric).values.reduce((sum, v) => sum + Math.sqrt(v), 0);
}
