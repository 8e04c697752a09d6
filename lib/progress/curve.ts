/**
 * A training curve: the numbers a loop logs every few iterations, for charts
 * (`trainingCurves`) and results files.
 *
 * @module
 */

/**
 * A point of a training curve: the iteration and the logged numbers, under the names the step
 * reports use (`loss`, `auxLoss`, `gSquared`).
 */
export interface CurvePoint {
  /** Iterations completed when the point was logged. */
  readonly iteration: number;
  /** Logged number by name. */
  readonly [metric: string]: number;
}
