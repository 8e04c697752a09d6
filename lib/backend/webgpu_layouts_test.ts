import assert from "node:assert/strict";
import { cacheBindGroupLayouts } from "./webgpu_layouts.ts";

const adapter = typeof navigator.gpu === "undefined" ? null : await navigator.gpu.requestAdapter();

Deno.test({
  name: "cacheBindGroupLayouts: one layout object per pipeline and index, and it binds",
  ignore: adapter === null,
  fn: async () => {
    const device = await adapter!.requestDevice();
    const module = device.createShaderModule({
      code: `@group(0) @binding(0) var<storage, read_write> out : array<u32>;
        @compute @workgroup_size(1) fn main() { out[0] = 7u; }`,
    });
    const pipeline = device.createComputePipeline({
      layout: "auto",
      compute: { module, entryPoint: "main" },
    });
    cacheBindGroupLayouts();
    cacheBindGroupLayouts(); // idempotent
    const layout = pipeline.getBindGroupLayout(0);
    assert.equal(pipeline.getBindGroupLayout(0), layout);
    const other = device.createComputePipeline({ layout: "auto", compute: { module, entryPoint: "main" } });
    assert.notEqual(other.getBindGroupLayout(0), layout);
    // The cached object still makes working bind groups.
    const buffer = device.createBuffer({ size: 4, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC });
    const read = device.createBuffer({ size: 4, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    const encoder = device.createCommandEncoder();
    const pass = encoder.beginComputePass();
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, device.createBindGroup({ layout, entries: [{ binding: 0, resource: { buffer } }] }));
    pass.dispatchWorkgroups(1);
    pass.end();
    encoder.copyBufferToBuffer(buffer, 0, read, 0, 4);
    device.queue.submit([encoder.finish()]);
    await read.mapAsync(GPUMapMode.READ);
    assert.equal(new Uint32Array(read.getMappedRange())[0], 7);
    read.unmap();
    device.destroy();
  },
});
