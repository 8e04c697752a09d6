/**
 * `@dimo/dimo/backend`: compute backends, the tensor ops that work around their quirks, and
 * dimo's own kernels (the tiled WebGPU `matMul`, fused elementwise ops, attention's heads, in-place
 * updates, sums of squares, leading-axis sums, the wasm `BatchMatMul` and `Identity` replacements)
 * and WebGPU host-cost reductions (uploads and uniforms by `writeBuffer`, cached layouts and bind groups).
 *
 * The models, samplers and the distillation step call these already; a user of the method needs
 * only {@linkcode useBackend} and `tf`, which `@dimo/dimo` re-exports. Import this entry point to
 * time, test or reuse a kernel, or to write one (`FlatProgram`: the frame of the elementwise ones).
 *
 * @example Pick a backend, then multiply with the wasm-safe `matMul`
 * ```ts
 * import assert from "node:assert";
 * import { matMul, tf, useBackend } from "@dimo/dimo/backend";
 * const info = await useBackend("cpu");
 * assert.equal(info.name, "cpu");
 * const product = matMul(tf.ones([2, 3]), tf.ones([3, 4]));
 * assert.deepEqual(product.shape, [2, 4]);
 * product.dispose();
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
export * from "./heads.ts";
export * from "./webgpu_layouts.ts";
export * from "./webgpu_uploads.ts";
export * from "./webgpu_uniforms.ts";
export * from "./webgpu_bind_groups.ts";
export * from "./webgpu_in_place.ts";
export * from "./webgpu_matmul.ts";
export * from "./webgpu_flat.ts";
export * from "./check.ts";
export * from "./has_kernel.ts";
export { installWasmBatchMatMul } from "./wasm_batch_matmul.ts";
export { installWasmIdentity } from "./wasm_identity.ts";
export * from "./buffer_limits.ts";
export * from "./wasm_heap.ts";
export * as tf from "./tf.ts";
