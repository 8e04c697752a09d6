/**
 * The student's initial distribution: `x_init` (random tokens, a fraction `rInit` masked) and
 * the Gaussian embedding noise σ.
 *
 * @example All masked, as a teacher's sampler starts
 * ```ts
 * import assert from "node:assert";
 * import { createRng, sampleXInit, useBackend } from "@dimo/dimo";
 * await useBackend("cpu");
 * const x = sampleXInit({ kind: "fixed", value: 1 }, { batch: 2, seqLen: 3, codebookSize: 4, maskId: 4, rng: createRng(1) });
 * assert.deepEqual(Array.from(await x.data()), [4, 4, 4, 4, 4, 4]);
 * ```
 *
 * @module
 */
export * from "./x_init.ts";
