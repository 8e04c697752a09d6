/**
 * Compute backends and the tensor ops that work around their quirks.
 *
 * @example Pick the backend a user asked for
 * ```ts
 * import assert from "node:assert";
 * import { useBackend } from "@dimo/dimo";
 * const info = await useBackend("cpu");
 * assert.equal(info.name, "cpu");
 * ```
 *
 * @module
 */
export * from "./select.ts";
export * from "./ops.ts";
export * from "./random.ts";
export * from "./fused.ts";
export * from "./in_flight.ts";
export * from "./sum_of_squares.ts";
export * from "./leading_sum.ts";
export * from "./webgpu_layouts.ts";
export * from "./webgpu_matmul.ts";
export * from "./check.ts";
export * as tf from "./tf.ts";
