/**
 * The identity with a zero gradient: PyTorch's `detach()`, which tfjs-core does not have.
 *
 * @module
 */
import * as tf from "../backend/tf.ts";

const detach = tf.customGrad((x) => {
  const input = x as tf.Tensor;
  return { value: tf.clone(input), gradFunc: (dy) => tf.zerosLike(dy as tf.Tensor) };
});

/** Returns a copy of `x` through which no gradient flows back. */
export function stopGradient(x: tf.Tensor): tf.Tensor {
  return detach(x);
}
