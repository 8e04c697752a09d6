/**
 * Convolution and pooling with gradients that work, and run fast, on every backend.
 *
 * - tfjs-backend-wasm has no `Conv2DBackpropFilter` kernel, so `tf.conv2d` cannot be trained
 *   there, and tfjs-backend-cpu's takes minutes for one batch of MNIST. {@linkcode conv2dSame}
 *   keeps `tf.conv2d` for the value and writes both gradients as forward convolutions.
 * - wasm's `MaxPoolGrad` is about 3× slower than the whole forward pool: {@linkcode maxPool2}
 *   routes the gradient with a nearest-neighbour upsampling instead.
 *
 * @module
 */
import * as tf from "../backend/tf.ts";

/**
 * The filter gradient of a stride-1 "same" convolution as one "valid" convolution: images become
 * the batch axis's channels and the output gradient becomes the filter, so
 * dW[a, b, i, o] = Σ_{n, y, x} xPad[n, y + a, x + b, i] · dy[n, y, x, o].
 */
function filterGradient(x: tf.Tensor4D, dy: tf.Tensor4D, kernel: [number, number]): tf.Tensor4D {
  const [padH, padW] = kernel.map((k) => (k - 1) / 2);
  const padded = tf.pad(x, [[0, 0], [padH, padH], [padW, padW], [0, 0]]);
  const input = tf.transpose(padded, [3, 1, 2, 0]) as tf.Tensor4D; // [Cin, H + 2p, W + 2p, N]
  const filter = tf.transpose(dy, [1, 2, 0, 3]) as tf.Tensor4D; // [H, W, N, Cout]
  const dw = tf.conv2d(input, filter, 1, "valid"); // [Cin, kh, kw, Cout]
  return tf.transpose(dw, [1, 2, 0, 3]);
}

/**
 * The input gradient of a stride-1 "same" convolution with an odd kernel: the same convolution
 * of `dy` with the filter rotated by 180° and its channel axes swapped.
 */
function inputGradient(dy: tf.Tensor4D, w: tf.Tensor4D): tf.Tensor4D {
  const flipped = tf.transpose(tf.reverse(w, [0, 1]), [0, 1, 3, 2]) as tf.Tensor4D;
  return tf.conv2d(dy, flipped, 1, "same");
}

const conv2dSameGrad = tf.customGrad((x, w, save) => {
  const [input, filter] = [x as tf.Tensor4D, w as tf.Tensor4D];
  (save as tf.GradSaveFunc)([input, filter]);
  return {
    value: tf.conv2d(input, filter, 1, "same"),
    gradFunc: (dy, saved) => {
      const [sx, sw] = saved as [tf.Tensor4D, tf.Tensor4D];
      const g = dy as tf.Tensor4D;
      return [inputGradient(g, sw), filterGradient(sx, g, [sw.shape[0], sw.shape[1]])];
    },
  };
}) as (x: tf.Tensor4D, w: tf.Tensor4D) => tf.Tensor4D;

/**
 * A stride-1 convolution with "same" zero padding, NHWC, differentiable on every backend.
 *
 * @param x float32 `[N, H, W, Cin]`.
 * @param w float32 `[kh, kw, Cin, Cout]`, kh and kw odd.
 * @returns float32 `[N, H, W, Cout]`.
 */
export function conv2dSame(x: tf.Tensor4D, w: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => conv2dSameGrad(x, w));
}

/** Nearest-neighbour 2× upsampling: each value fills its 2 × 2 window. */
function upsample2(t: tf.Tensor4D): tf.Tensor4D {
  const [, h, w] = t.shape;
  return tf.image.resizeNearestNeighbor(t, [2 * h, 2 * w]);
}

const maxPool2Grad = tf.customGrad((x, save) => {
  const input = x as tf.Tensor4D;
  const value = tf.maxPool(input, 2, 2, "valid");
  (save as tf.GradSaveFunc)([input, value]);
  return {
    value,
    gradFunc: (dy, saved) => {
      const [sx, sy] = saved as [tf.Tensor4D, tf.Tensor4D];
      // Every input equal to its window's maximum receives the window's gradient.
      const isMax = tf.cast(tf.equal(sx, upsample2(sy)), "float32");
      return tf.mul(isMax, upsample2(dy as tf.Tensor4D));
    },
  };
}) as (x: tf.Tensor4D) => tf.Tensor4D;

/**
 * 2 × 2 max pooling with stride 2, NHWC, with a fast gradient on every backend. Where a window
 * has tied maxima, each of them receives the window's gradient (tfjs's kernel picks one); after a
 * ReLU the common tie, all zeros, gets no gradient either way.
 *
 * @param x float32 `[N, H, W, C]`, H and W even.
 * @returns float32 `[N, H / 2, W / 2, C]`.
 */
export function maxPool2(x: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => maxPool2Grad(x));
}
