/**
 * Activation recomputation ("gradient checkpointing"): a function of a tensor and named
 * parameters whose intermediates are not kept for the backward pass; the backward pass runs it
 * again under a tape of its own and differentiates that. Memory falls from every intermediate of
 * every wrapped call to their inputs plus one call's intermediates at a time, for one more forward
 * pass of the wrapped work.
 *
 * @module
 */
import * as tf from "../backend/tf.ts";
import type { RandomKey } from "../backend/random.ts";
import type { ParamLookup } from "./_blocks.ts";

/**
 * `run(x, p)` whose gradient, to `x` and to each parameter in `names`, recomputes `run` instead of
 * keeping its intermediates. `run` must give the same value on its second call (draw any random
 * masks from keys fixed on the first); it may read only the parameters in `names` through `p`.
 *
 * @param run The work: float32 `x` and the parameters in, one tensor out.
 * @param x Its input.
 * @param names The parameters `run` reads, which receive gradients.
 * @param p Looks the parameters up.
 * @returns `run(x, p)`.
 */
export function recomputed(
  run: (x: tf.Tensor, p: ParamLookup) => tf.Tensor,
  x: tf.Tensor,
  names: readonly string[],
  p: ParamLookup,
): tf.Tensor {
  const lookupOf = (values: readonly tf.Tensor[]): ParamLookup => {
    const byName = new Map(names.map((name, i) => [name, values[i]]));
    return (name) => {
      const value = byName.get(name);
      if (value === undefined) {
        throw new RangeError(`recomputed work read '${name}', which is not in its names`);
      }
      return value;
    };
  };
  const op = tf.customGrad((...args) => {
    const save = args.pop() as tf.GradSaveFunc;
    const [input, ...params] = args as tf.Tensor[];
    save([input]);
    return {
      value: run(input, lookupOf(params)),
      gradFunc: (dy, saved) => {
        // A gradient taken inside a backward pass replaces the engine's tape and clears it when
        // done; the outer pass still needs its own to free what its nodes saved.
        const state = tf.engine().state;
        const outerTape = state.activeTape;
        try {
          return tf.grads((...inputs: tf.Tensor[]) => run(inputs[0], lookupOf(inputs.slice(1))))(
            [saved[0], ...params],
            dy as tf.Tensor,
          );
        } finally {
          state.activeTape = outerTape;
        }
      },
    };
  });
  return op(x, ...names.map(p));
}

/**
 * Random keys for work that runs more than once, so that each run draws the same masks: every call
 * of the result starts a pass whose source yields, in order, the keys the first pass drew (drawing
 * from `draw` only past them).
 *
 * @param draw The keys' source; none gives none.
 * @returns A function starting a pass, or undefined without `draw`.
 */
export function replayableKeys(
  draw: (() => RandomKey) | undefined,
): (() => () => RandomKey) | undefined {
  if (draw === undefined) return undefined;
  const keys: RandomKey[] = [];
  return () => {
    let next = 0;
    return () => {
      if (next === keys.length) keys.push(draw());
      return keys[next++];
    };
  };
}
