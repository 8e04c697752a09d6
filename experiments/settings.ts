/**
 * Settings the experiments share: a teacher's size and training, and a distillation's length,
 * batch and learning rates.
 *
 * @module
 */

/** A teacher transformer's size and its MDM training: iterations, batch and Adam's learning rate. */
export interface TeacherSettings {
  readonly width: number;
  readonly layers: number;
  readonly heads: number;
  readonly iterations: number;
  readonly batch: number;
  readonly lr: number;
}

/** A distillation's length, batch, and the student's and the auxiliary model's learning rates. */
export interface DistillSettings {
  readonly iterations: number;
  readonly batch: number;
  readonly studentLr: number;
  readonly auxLr: number;
}
