/**
 * Named model parameters: creation with a seeded initialiser, freezing, loading and copying.
 *
 * @module
 */
import * as tf from "../backend/tf.ts";
import type { Rng } from "../rng/mod.ts";
import { errorMessage } from "../validate/mod.ts";

/** How a parameter starts: truncated normal with std 0.02 (weights, embeddings), ones, zeros. */
export type Init = "normal" | "ones" | "zeros";

/** A parameter's name (`blocks.0.attn.qkv.weight`), shape and initialiser. */
export interface ParameterSpec {
  readonly name: string;
  readonly shape: readonly number[];
  readonly init: Init;
}

/** A LayerNorm's `name.weight` (γ, ones) and `name.bias` (β, zeros), each `[width]`. */
export function normSpecs(name: string, width: number): ParameterSpec[] {
  return [
    { name: `${name}.weight`, shape: [width], init: "ones" },
    { name: `${name}.bias`, shape: [width], init: "zeros" },
  ];
}

/** A dense layer's `name.weight` `[inputs, outputs]` and `name.bias` `[outputs]` (zeros). */
export function denseSpecs(name: string, inputs: number, outputs: number): ParameterSpec[] {
  return [
    { name: `${name}.weight`, shape: [inputs, outputs], init: "normal" },
    { name: `${name}.bias`, shape: [outputs], init: "zeros" },
  ];
}

/** MaskGIT's `trunc_normal_(std=0.02)` scale for weights and embeddings. */
const INIT_STD = 0.02;

function initialValue(spec: ParameterSpec, rng: Rng): tf.Tensor {
  const shape = [...spec.shape];
  switch (spec.init) {
    case "normal":
      // A fork per name: adding a parameter does not change how the others start.
      return tf.truncatedNormal(shape, 0, INIT_STD, "float32", rng.fork(spec.name).seed());
    case "ones":
      return tf.ones(shape);
    case "zeros":
      return tf.zeros(shape);
    default: {
      const never: never = spec.init;
      throw new RangeError(`Unknown initialiser ${never}`);
    }
  }
}

/** Whether `pattern` names `name` itself or a group above it (`blocks.0` covers `blocks.0.mlp.fc1.bias`). */
function covers(pattern: string, name: string): boolean {
  return name === pattern || name.startsWith(pattern.endsWith(".") ? pattern : `${pattern}.`);
}

const sameShape = (a: readonly number[], b: readonly number[]) =>
  a.length === b.length && a.every((d, i) => d === b[i]);

/** The `tf.Variable`s of one model, by name; the store owns them. */
export class ParameterStore {
  readonly #variables: Map<string, tf.Variable>;

  private constructor(variables: Map<string, tf.Variable>) {
    this.#variables = variables;
  }

  /** Creates every parameter of `specs` with its initialiser, seeded by `rng`. */
  static initialise(specs: readonly ParameterSpec[], rng: Rng): ParameterStore {
    const variables = new Map<string, tf.Variable>();
    for (const spec of specs) {
      const value = initialValue(spec, rng);
      variables.set(spec.name, tf.variable(value, true));
      value.dispose();
    }
    return new ParameterStore(variables);
  }

  /** Creates the parameters of `specs` from `weights` (checked as {@linkcode ParameterStore.load} does). */
  static fromWeights(
    specs: readonly ParameterSpec[],
    weights: Readonly<Record<string, tf.Tensor>>,
  ): ParameterStore {
    checkWeights(new Map(specs.map((s) => [s.name, s.shape])), weights);
    // tf.variable shares the buffer; an assignment later replaces it, so the copy is independent.
    return new ParameterStore(new Map(specs.map((s) => [s.name, tf.variable(weights[s.name], true)])));
  }

  /** The variable called `name`. */
  get(name: string): tf.Variable {
    const variable = this.#variables.get(name);
    if (variable === undefined) throw new Error(`Unknown parameter ${name}`);
    return variable;
  }

  /** Every variable, by name, in creation order. */
  named(): Record<string, tf.Variable> {
    return Object.fromEntries(this.#variables);
  }

  /** The variables an optimiser may update. */
  trainable(): tf.Variable[] {
    return [...this.#variables.values()].filter((v) => v.trainable);
  }

  /**
   * Sets `trainable` on every variable a pattern covers.
   * @throws {RangeError} If a pattern covers no parameter (a typo would otherwise freeze nothing).
   */
  setTrainable(patterns: readonly string[], trainable: boolean): void {
    const names = [...this.#variables.keys()];
    for (const pattern of patterns) {
      if (!names.some((name) => covers(pattern, name))) {
        const action = trainable ? "unfreeze parameters" : "freeze parameters";
        throw new RangeError(errorMessage(action, "patterns", "names or prefixes of parameters", pattern));
      }
    }
    for (const [name, variable] of this.#variables) {
      if (patterns.some((pattern) => covers(pattern, name))) variable.trainable = trainable;
    }
  }

  /**
   * Replaces every value with the tensor of the same name.
   * @throws {TypeError} Naming the first missing, unexpected or mis-shaped weight; nothing is assigned then.
   */
  load(weights: Readonly<Record<string, tf.Tensor>>): void {
    checkWeights(new Map([...this.#variables].map(([name, v]) => [name, v.shape])), weights);
    for (const [name, variable] of this.#variables) variable.assign(weights[name]);
  }

  /** Disposes every variable. */
  dispose(): void {
    for (const variable of this.#variables.values()) variable.dispose();
    this.#variables.clear();
  }
}

function checkWeights(
  expected: Map<string, readonly number[]>,
  weights: Readonly<Record<string, tf.Tensor>>,
): void {
  const action = "load weights";
  for (const [name, shape] of expected) {
    const tensor = weights[name];
    if (tensor === undefined) throw new TypeError(errorMessage(action, name, "present", undefined));
    if (!sameShape(tensor.shape, shape)) {
      throw new TypeError(errorMessage(action, name, `of shape [${shape.join(", ")}]`, tensor.shape));
    }
    if (tensor.dtype !== "float32") {
      throw new TypeError(errorMessage(action, name, "of dtype float32", tensor.dtype));
    }
  }
  for (const name of Object.keys(weights)) {
    if (!expected.has(name)) {
      throw new TypeError(errorMessage(action, name, "a parameter of this model", weights[name].shape));
    }
  }
}
