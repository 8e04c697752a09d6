/**
 * The gradients of `Sum` and `Mean`, re-registered so that they stay on the device.
 *
 * tfjs's own gradients spread the upstream gradient over the reduced axes by multiplying it with
 * `tf.ones(x.shape)`, and tfjs-core's `ones` fills a typed array in JavaScript: on WebGPU every
 * such array is then uploaded to the card. A layer norm's mean over the width, or a
 * cross-entropy's sum over the vocabulary, thus uploads a tensor the size of its input on every
 * backward pass (on an H100, 14.8 s of a 15.2 s training step of the reference transformer at
 * batch 256 went to these uploads). Here the reshaped upstream gradient is added to
 * `zerosLike(x)`, which every backend fills in its own memory (`broadcastTo`, tfjs's `Tile`, is
 * ten times slower than that on wasm); `Mean` divides the small tensor before it is broadcast.
 * The values are the same as tfjs's. Importing the module registers them; every dimo
 * module does so through `tf.ts`.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";

/** `dy` reshaped to `x`'s rank (1 on the reduced axes), as tfjs's own gradients do. */
function expandToRank(dy: tf.Tensor, x: tf.Tensor, axis: number | number[]): tf.Tensor {
  const shape = x.shape.slice();
  for (const a of tf.util.parseAxisParam(axis, x.shape)) shape[a] = 1;
  return tf.reshape(dy, shape);
}

/** `t` broadcast to `x`'s shape, in float32, without data from the CPU. */
function broadcastLike(t: tf.Tensor, x: tf.Tensor): tf.Tensor {
  return tf.add(t, tf.zerosLike(tf.cast(x, "float32")));
}

tf.registerGradient({
  kernelName: tf.Sum,
  inputsToSave: ["x"],
  gradFunc: (dy, [x], attrs) => ({
    x: () => broadcastLike(expandToRank(dy as tf.Tensor, x, attrs.axis as number | number[]), x),
  }),
});

tf.registerGradient({
  kernelName: tf.Mean,
  inputsToSave: ["x"],
  gradFunc: (dy, [x], attrs) => ({
    x: () => {
      const axes = tf.util.parseAxisParam(attrs.axis as number | number[], x.shape);
      const count = axes.reduce((n, a) => n * x.shape[a], 1);
      return broadcastLike(tf.div(expandToRank(dy as tf.Tensor, x, axes), count), x);
    },
  }),
});
