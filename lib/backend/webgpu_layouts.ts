/**
 * One bind group layout object per WebGPU compute pipeline.
 *
 * tfjs-webgpu asks its pipeline for `getBindGroupLayout(0)` at every dispatch. In Deno each call
 * crosses into Rust and wraps a new layout object; a training step of the reference transformer
 * dispatches about 1,200 kernels, and its time is host time (on an H100 the kernels themselves
 * take under half of it). A pipeline made with `layout: "auto"` has fixed layouts, so the first
 * object returned for an index serves every later call: measured on an H100, the step at batch
 * 256 took 136 ms with tfjs's calls and 121 ms with the cache.
 *
 * @module
 */

const cached = new WeakMap<GPUComputePipeline, Map<number, GPUBindGroupLayout>>();
let installed = false;

/**
 * Makes `GPUComputePipeline.prototype.getBindGroupLayout` return one object per pipeline and
 * index. Idempotent; a no-op where the runtime has no WebGPU.
 *
 * @example
 * ```ts
 * import { cacheBindGroupLayouts } from "@dimo/dimo/backend";
 * cacheBindGroupLayouts();
 * ```
 */
export function cacheBindGroupLayouts(): void {
  if (installed || typeof GPUComputePipeline === "undefined") return;
  installed = true;
  const original = GPUComputePipeline.prototype.getBindGroupLayout;
  GPUComputePipeline.prototype.getBindGroupLayout = function (index: number): GPUBindGroupLayout {
    let layouts = cached.get(this);
    if (layouts === undefined) cached.set(this, layouts = new Map());
    let layout = layouts.get(index);
    if (layout === undefined) layouts.set(index, layout = original.call(this, index));
    return layout;
  };
}
