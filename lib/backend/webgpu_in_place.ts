/**
 * Kernels that update tensors in place on the WebGPU backend: several outputs in one dispatch.
 *
 * A tfjs program writes one new tensor, so an optimiser's update of a weight and its two moments is
 * three kernels, each with its own bind group, uniforms and new buffer; on a GPU driven from
 * Deno every dispatch costs host time whatever its size. An in-place kernel binds the tensors it
 * updates as writable storage and the rest as read-only, and runs in the backend's own command
 * stream, so it sees every earlier queued kernel's writes and every later one sees its own.
 *
 * In place is only safe for a tensor whose data nothing else holds: a clone or reshape of it
 * (tfjs shares data between them) would change too. So a kernel runs only when every written
 * tensor is the sole holder of its data, and otherwise reports that it did not run, for the caller
 * to take its out-of-place path. The host's cached copy of a written tensor (kept after a
 * read-back) is dropped, so the next read comes from the device.
 *
 * @module
 */
import * as tf from "./tf.ts";

/** A kernel's parts: its WGSL body and the names it binds. */
export interface InPlaceSpec {
  /** The kernel's name, for its pipeline. */
  readonly name: string;
  /** The tensors it updates: `array<f32>` storage, read and written. */
  readonly written: readonly string[];
  /** The tensors it reads: `array<f32>` storage, read only. */
  readonly read: readonly string[];
  /** Its f32 scalars, `u.<name>` in the WGSL. */
  readonly scalars: readonly string[];
  /**
   * WGSL run for element `i` (u32) of the first written tensor, for every `i` below its size
   * (`u.size`).
   */
  readonly wgsl: string;
}

/**
 * Runs the kernel on its tensors in place; returns false, having done nothing, where it cannot: on
 * another backend, or where a written tensor shares its data. The tensors must be float32.
 */
export type InPlaceKernel = (
  written: readonly tf.Tensor[],
  read: readonly tf.Tensor[],
  scalars: readonly number[],
) => boolean;

interface TensorData {
  values: unknown;
  refCount: number;
}

/** The parts of tfjs-webgpu's backend an in-place dispatch uses (tfjs 4.22). */
interface WebGPUInternals {
  device: GPUDevice;
  tensorMap: { get(dataId: object): TensorData | undefined };
  commandEncoder: GPUCommandEncoder | null;
  computePassEncoder: GPUComputePassEncoder | null;
  dispatchCountInPass: number;
  commandQueueOwnedIds: WeakSet<object>;
  uploadToGPU(dataId: object): void;
  tensorToBinding(tensor: tf.TensorInfo): GPUBindingResource;
  makeUniforms(uniforms: { type: string; data: number[] }[]): GPUBindingResource;
  ensureCommandEncoderReady(): void;
  endComputePassEncoder(): void;
  submitQueue(): void;
}

const WORKGROUP = 256;
/** Workgroups along x before the grid wraps into y (WebGPU allows 65,535 an axis). */
const GRID_WIDTH = 32768;

function shaderOf(spec: InPlaceSpec): string {
  const bindings = [
    ...spec.written.map((name, i) =>
      `@group(0) @binding(${i}) var<storage, read_write> ${name} : array<f32>;`
    ),
    ...spec.read.map((name, i) =>
      `@group(0) @binding(${spec.written.length + i}) var<storage, read> ${name} : array<f32>;`
    ),
  ];
  const fields = [...spec.scalars.map((s) => `${s} : f32,`), "size : u32,"];
  return `
struct Scalars { ${fields.join(" ")} };
${bindings.join("\n")}
@group(0) @binding(${bindings.length}) var<uniform> u : Scalars;

@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(global_invocation_id) id : vec3<u32>) {
  let i = id.x + id.y * ${GRID_WIDTH * WORKGROUP}u;
  if (i >= u.size) { return; }
  ${spec.wgsl}
}`;
}

/**
 * Defines an in-place kernel for the WebGPU backend.
 *
 * @param spec The kernel.
 * @returns The kernel, which returns false (and does nothing) off WebGPU or when a written
 *   tensor's data is shared.
 *
 * @example Off WebGPU the kernel does not run, and says so
 * ```ts
 * import assert from "node:assert";
 * import { tf, useBackend } from "@dimo/dimo";
 * import { inPlaceKernel } from "@dimo/dimo/backend";
 * await useBackend("cpu");
 * const addTo = inPlaceKernel({ name: "ExampleAddTo", written: ["y"], read: ["x"], scalars: [], wgsl: "y[i] = y[i] + x[i];" });
 * const [y, x] = [tf.ones([3]), tf.ones([3])];
 * assert.equal(addTo([y], [x], []), false);
 * assert.deepEqual([...await y.data()], [1, 1, 1]);
 * ```
 */
export function inPlaceKernel(spec: InPlaceSpec): InPlaceKernel {
  const pipelines = new WeakMap<GPUDevice, GPUComputePipeline>();
  return (written, read, scalars) => {
    if (written.length !== spec.written.length || read.length !== spec.read.length) {
      throw new Error(
        `${spec.name} updates ${spec.written.length} tensors and reads ${spec.read.length}; ` +
          `got ${written.length} and ${read.length}`,
      );
    }
    if (scalars.length !== spec.scalars.length) {
      throw new Error(
        `${spec.name} takes ${spec.scalars.length} scalars (${
          spec.scalars.join(", ")
        }); got ${scalars.length}`,
      );
    }
    if (tf.getBackend() !== "webgpu") return false;
    const backend = tf.backend() as unknown as WebGPUInternals;
    const size = written[0].size;
    const all = [...written, ...read];
    const wrong = all.find((t) => t.dtype !== "float32");
    if (wrong !== undefined) throw new Error(`${spec.name} takes float32 tensors; got ${wrong.dtype}`);
    if (written.some((t) => t.size !== size)) {
      throw new Error(`${spec.name}: the written tensors must have the same size, ${size}`);
    }
    const data = written.map((t) => backend.tensorMap.get(t.dataId));
    if (data.some((d) => d === undefined || d.refCount !== 1)) return false;
    if (new Set(written.map((t) => t.dataId)).size !== written.length) return false;
    if (size === 0) return true;
    let pipeline = pipelines.get(backend.device);
    if (pipeline === undefined) {
      const module = backend.device.createShaderModule({ code: shaderOf(spec), label: spec.name });
      pipeline = backend.device.createComputePipeline({
        layout: "auto",
        compute: { module, entryPoint: "main" },
        label: spec.name,
      });
      pipelines.set(backend.device, pipeline);
    }
    all.forEach((t) => backend.uploadToGPU(t.dataId));
    const uniforms = [
      ...scalars.map((s) => ({ type: "float32", data: [s] })),
      { type: "uint32", data: [size] },
    ];
    const entries = [...all.map((t) => backend.tensorToBinding(t)), backend.makeUniforms(uniforms)]
      .map((resource, binding) => ({ binding, resource }));
    const bindGroup = backend.device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries });
    backend.ensureCommandEncoderReady();
    backend.computePassEncoder ??= backend.commandEncoder!.beginComputePass({});
    const pass = backend.computePassEncoder;
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, bindGroup);
    const groups = Math.ceil(size / WORKGROUP);
    pass.dispatchWorkgroups(Math.min(groups, GRID_WIDTH), Math.ceil(groups / GRID_WIDTH));
    all.forEach((t) => backend.commandQueueOwnedIds.add(t.dataId));
    for (const d of data) d!.values = null;
    backend.dispatchCountInPass++;
    if (backend.dispatchCountInPass >= (tf.env().get("WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE") as number)) {
      backend.endComputePassEncoder();
      backend.submitQueue();
    }
    return true;
  };
}
