/**
 * He initialisation of convolution and dense layers, shared by the CNNs.
 *
 * @module
 */
import * as tf from "../backend/tf.ts";
import type { Rng } from "../rng/mod.ts";
import type { ParameterSpec } from "./_params.ts";

/** A parameter with the fan-in of its layer. */
export type FanInSpec = ParameterSpec & { readonly fanIn: number };

/** A weight `[…, out]` (normal) and a bias `[out]` (zeros) named `${name}.weight` and `${name}.bias`. */
export function heLayer(name: string, shape: number[], fanIn: number): FanInSpec[] {
  return [
    { name: `${name}.weight`, shape, init: "normal", fanIn },
    { name: `${name}.bias`, shape: [shape[shape.length - 1]!], init: "zeros", fanIn },
  ];
}

/** He initialisation (normal, std √(2 / fan-in)) for weights, zeros for biases; a fork per name. */
export function heWeights(specs: readonly FanInSpec[], rng: Rng): Record<string, tf.Tensor> {
  return Object.fromEntries(specs.map((s) => [
    s.name,
    s.init === "zeros"
      ? tf.zeros([...s.shape])
      : tf.randomNormal([...s.shape], 0, Math.sqrt(2 / s.fanIn), "float32", rng.fork(s.name).seed()),
  ]));
}
