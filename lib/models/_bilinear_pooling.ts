/**
 * Bilinear pooling of a {@linkcode DualEncoder}: each tower's embedding is a sum of outer products
 * (colour and place) ⊗ (parts), over image cells on one side and prompt words on the other, so the
 * score of an image for a prompt is Σ over cells and words of (colour and place match) × (parts
 * match). A colour is bound to the shape drawn where it lies, and a colour–shape pair never seen
 * together is scored from its colour and its shape, each seen with others.
 *
 * @module
 */
import * as tf from "../backend/tf.ts";
import { encodeText } from "./_text_encoder.ts";
import type { ParamLookup } from "./_blocks.ts";
import type { FanInSpec } from "./_he_init.ts";
import { heLayer } from "./_he_init.ts";
import { linear } from "./layers.ts";
import type { TextEncoderConfig } from "./config.ts";

/** Rows of the left factor beyond the colour features: x, y and a constant. */
const PLACE_ROWS = 3;

/** What the bilinear head needs of the encoder's configuration. */
export interface BilinearShape {
  /** Channels of the image tower's last convolution. */
  readonly convChannels: number;
  /** Colour features per pixel. */
  readonly colorWidth: number;
  /** Parts features per cell and word. */
  readonly partsWidth: number;
  /** The text tower. */
  readonly text: TextEncoderConfig;
}

/** The width of the embedding: (colour features + x, y, 1) × parts features. */
export function bilinearWidth(colorWidth: number, partsWidth: number): number {
  return (colorWidth + PLACE_ROWS) * partsWidth;
}

/** The head's parameters: per-pixel colour and per-cell parts layers, and the text tower's two projections. */
export function bilinearSpecs(shape: BilinearShape): FanInSpec[] {
  const { convChannels, colorWidth, partsWidth, text } = shape;
  return [
    ...heLayer("image.color", [3, colorWidth], 3),
    ...heLayer("image.parts", [convChannels, partsWidth], convChannels),
    {
      name: "text_proj.color",
      shape: [text.width, colorWidth + PLACE_ROWS],
      init: "normal",
      fanIn: text.width,
    },
    { name: "text_proj.parts", shape: [text.width, partsWidth], init: "normal", fanIn: text.width },
  ];
}

/** Each cell's centre in [-1, 1]² and a 1, row-major: `[g², 3]`. */
function places(g: number): tf.Tensor2D {
  const centre = (i: number) => (2 * i + 1) / g - 1;
  return tf.tensor2d(Array.from({ length: g * g }, (_, i) => [centre(i % g), centre(Math.floor(i / g)), 1]));
}

/**
 * The image embedding before normalisation: Σ over the g × g cells of [mean colour features of
 * the cell's pixels, x, y, 1] ⊗ parts features of the cell.
 *
 * @param images RGB images `[B, S, S, 3]`; colour is read from them pixel by pixel.
 * @param features The convolutions' map `[B, g, g, C]`, g dividing S.
 * @param p Looks a parameter up.
 * @returns `[B, bilinearWidth]`.
 */
export function bilinearImage(images: tf.Tensor4D, features: tf.Tensor4D, p: ParamLookup): tf.Tensor2D {
  const [b, g, , c] = features.shape;
  const s = images.shape[1];
  const colorWidth = p("image.color.bias").shape[0]!;
  const parts = tf.relu(
    linear(tf.reshape(features, [b * g * g, c]), p("image.parts.weight"), p("image.parts.bias")),
  );
  const perPixel = tf.relu(
    linear(tf.reshape(images, [b * s * s, 3]), p("image.color.weight"), p("image.color.bias")),
  );
  const color = tf.mean(tf.reshape(perPixel, [b, g, s / g, g, s / g, colorWidth]), [2, 4]);
  const left = tf.concat([
    tf.reshape(color, [b, g * g, colorWidth]),
    tf.tile(tf.expandDims(places(g), 0), [b, 1, 1]),
  ], 2);
  const outer = tf.matMul(left as tf.Tensor3D, tf.reshape(parts, [b, g * g, -1]) as tf.Tensor3D, true, false);
  return tf.reshape(outer, [b, -1]);
}

/**
 * The prompt embedding before normalisation: Σ over the non-padding words of `text_proj.color`
 * state ⊗ `text_proj.parts` state, the text tower's states in context.
 *
 * @param ids Prompt ids `[B, P]`.
 * @param p Looks a parameter up.
 * @param text The text tower.
 * @returns `[B, bilinearWidth]`.
 */
export function bilinearText(ids: tf.Tensor2D, p: ParamLookup, text: TextEncoderConfig): tf.Tensor2D {
  const { states } = encodeText(ids, "text", p, text);
  const [b, n, w] = states.shape;
  const flat = tf.reshape(states, [b * n, w]);
  const kept = tf.expandDims(tf.cast(tf.notEqual(ids, 0), "float32"), 2);
  const left = tf.mul(tf.reshape(tf.matMul(flat, p("text_proj.color")), [b, n, -1]), kept);
  const parts = tf.reshape(tf.matMul(flat, p("text_proj.parts")), [b, n, -1]);
  return tf.reshape(tf.matMul(left as tf.Tensor3D, parts as tf.Tensor3D, true, false), [b, -1]);
}
