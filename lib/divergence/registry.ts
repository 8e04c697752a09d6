/**
 * One factory from a {@linkcode DivergenceSpec} to its {@linkcode Divergence}.
 *
 * @module
 */
import { checkOneOf } from "../validate/mod.ts";
import { createFkl } from "./fkl.ts";
import { createJeffreys } from "./jeffreys.ts";
import { createJs } from "./js.ts";
import { createRkl } from "./rkl.ts";
import { createTv } from "./tv.ts";
import { type Divergence, DIVERGENCE_KINDS, type DivergenceSpec } from "./types.ts";

/**
 * Creates the divergence a spec names, checking its parameters.
 *
 * @param spec A {@linkcode DivergenceSpec}, e.g. `{ kind: "jeffreys", beta: 0 }`.
 * @returns The {@linkcode Divergence}; its `spec` has defaults filled in.
 * @throws {RangeError} If the kind is unknown (the message lists the valid kinds), `beta` is not
 * finite, or `skew` is outside (0, 1).
 *
 * @example Jeffreys at β = 0 is the forward KL
 * ```ts
 * import assert from "node:assert";
 * import { createDivergence, tf, useBackend } from "@dimo/dimo";
 * await useBackend("cpu");
 * const zPsi = tf.tensor2d([[0, 1, 2]]);
 * const zPhi = tf.tensor2d([[2, 1, 0]]);
 * const jeffreys = createDivergence({ kind: "jeffreys", beta: 0 });
 * const fkl = createDivergence({ kind: "fkl" });
 * assert.deepEqual(await jeffreys.value(zPsi, zPhi).data(), await fkl.value(zPsi, zPhi).data());
 * assert.throws(() => createDivergence({ kind: "js", skew: 1 }), RangeError);
 * ```
 */
export function createDivergence(spec: DivergenceSpec): Divergence {
  checkOneOf("create a divergence", "kind", spec.kind, DIVERGENCE_KINDS);
  switch (spec.kind) {
    case "fkl":
      return createFkl();
    case "rkl":
      return createRkl();
    case "jeffreys":
      return createJeffreys(spec.beta);
    case "js":
      return createJs(spec.skew);
    case "tv":
      return createTv();
    default: {
      const unknown: never = spec;
      throw new RangeError(`Cannot create a divergence of unknown spec ${JSON.stringify(unknown)}`);
    }
  }
}
