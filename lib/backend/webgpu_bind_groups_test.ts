import assert from "node:assert/strict";
import * as tf from "./tf.ts";
import { cacheBindGroups } from "./webgpu_bind_groups.ts";
import { useTestBackend } from "./testing.ts";

await useTestBackend();
const onWebGPU = tf.getBackend() === "webgpu";

Deno.test({
  name: "cacheBindGroups gives the same group for the same layout and buffer ranges, a new one otherwise",
  ignore: !onWebGPU,
  fn: () => {
    const device = (tf.backend() as unknown as { device: GPUDevice }).device;
    const stats = cacheBindGroups(device);
    assert.equal(cacheBindGroups(device), stats);
    const module = device.createShaderModule({
      code: `@group(0) @binding(0) var<storage, read_write> a : array<f32>;
             @compute @workgroup_size(1) fn main() { a[0] = 1.0; }`,
    });
    const pipeline = device.createComputePipeline({
      layout: "auto",
      compute: { module, entryPoint: "main" },
    });
    const layout = pipeline.getBindGroupLayout(0);
    const usage = GPUBufferUsage.STORAGE;
    const [x, y] = [device.createBuffer({ size: 512, usage }), device.createBuffer({ size: 512, usage })];
    const group = (buffer: GPUBuffer, offset?: number) =>
      device.createBindGroup({ layout, entries: [{ binding: 0, resource: { buffer, offset, size: 256 } }] });
    const [hits, made] = [stats.hits, stats.made];
    const first = group(x);
    assert.equal(group(x), first);
    assert.equal(group(x, 0), first);
    assert.notEqual(group(y), first);
    assert.notEqual(group(x, 256), first);
    assert.deepEqual([stats.hits - hits, stats.made - made], [2, 3]);
    x.destroy();
    y.destroy();
  },
});
