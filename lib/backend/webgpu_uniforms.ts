/**
 * Every dispatch's uniforms written to the device once a submit, not once a dispatch.
 *
 * tfjs-webgpu gives each dispatch its own uniform buffer and fills it with `queue.writeBuffer`
 * (shapes, strides, sizes and the kernel's scalars: a few dozen bytes). Under Deno a
 * `writeBuffer` costs tens of microseconds of host time whatever its size (it stages the bytes
 * in a buffer of their own), which made it one of the largest host costs of a dispatch. Here the
 * uniforms of all the dispatches before a submit go into one host array, each at an offset the
 * device accepts for a uniform binding, and one `writeBuffer` hands them over just before the
 * submit. The queue runs that write after the commands submitted earlier and before the ones it
 * precedes, so each dispatch reads the same bytes as before.
 *
 * @module
 */
import * as tf from "./tf.ts";

/** One uniform field as tfjs-webgpu describes it. */
export interface UniformField {
  /** `"int32"`, `"uint32"` or `"float32"`. */
  type: string;
  /** Its elements: a scalar or a vector of up to 6. */
  data: number[];
}

interface Arena {
  readonly buffer: GPUBuffer;
  readonly bytes: Uint8Array<ArrayBuffer>;
  used: number;
}

interface UniformBackend {
  device: GPUDevice;
  queue: GPUQueue;
  bufferManager: { acquireBuffer(size: number, usage: number): GPUBuffer };
  uniformPendingDisposal: GPUBuffer[];
  makeUniforms(fields: UniformField[]): GPUBufferBinding;
  submitQueue(): void;
}

/** The bytes of one arena: the uniforms of 64 dispatches at the usual 256-byte alignment. */
const ARENA_BYTES = 16384;

/**
 * The bytes of a program's uniform struct: WGSL's layout of its fields in order, scalars at 4
 * bytes, `vec2` at 8, `vec3`/`vec4` at 16, and tfjs's 5- and 6-vectors (and the field after
 * one) at 16; the struct padded to its largest alignment. Empty data counts as one element, as
 * tfjs-webgpu writes it.
 *
 * @param fields The fields, in the struct's order.
 * @returns The struct's bytes.
 *
 * @example An i32 then a vec2<f32>: the vector starts at byte 8
 * ```ts
 * import assert from "node:assert";
 * import { uniformBytes } from "@dimo/dimo/backend";
 * const bytes = uniformBytes([{ type: "int32", data: [7] }, { type: "float32", data: [1, 2] }]);
 * assert.equal(bytes.byteLength, 16);
 * assert.deepEqual([...new Float32Array(bytes.buffer, 8, 2)], [1, 2]);
 * ```
 */
export function uniformBytes(fields: readonly UniformField[]): Uint8Array<ArrayBuffer> {
  const offsets: number[] = [];
  let end = 0, largest = 1, previous = 0;
  for (const { data } of fields) {
    const length = Math.max(1, data.length);
    if (length > 6) throw new Error(`Cannot lay out a uniform of ${length} elements: at most 6`);
    let align = length === 1 ? 4 : length === 2 ? 8 : 16;
    if (previous === 5 || previous === 6) align = 16;
    largest = Math.max(largest, align);
    end = Math.ceil(end / align) * align;
    offsets.push(end);
    end += length * 4;
    previous = length;
  }
  const buffer = new ArrayBuffer(Math.ceil(end / largest) * largest);
  fields.forEach(({ type, data }, i) => {
    const values = data.length === 0 ? [1] : data;
    const View = type === "int32" ? Int32Array : type === "uint32" ? Uint32Array : Float32Array;
    new View(buffer, offsets[i], values.length).set(values);
  });
  return new Uint8Array(buffer);
}

const patched = new WeakSet<object>();

/**
 * Makes the active WebGPU backend write the uniforms of all dispatches before a submit with one
 * `queue.writeBuffer` (see the module). Idempotent; a no-op on other backends.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { tf, useBackend } from "@dimo/dimo";
 * import { uniformsOncePerSubmit } from "@dimo/dimo/backend";
 * await useBackend("cpu");
 * uniformsOncePerSubmit(); // nothing to change on the cpu backend
 * assert.deepEqual([...await tf.add(tf.tensor1d([1, 2]), 1).data()], [2, 3]);
 * ```
 */
export function uniformsOncePerSubmit(): void {
  if (tf.getBackend() !== "webgpu") return;
  const proto = Object.getPrototypeOf(tf.backend()) as UniformBackend;
  if (patched.has(proto) || typeof proto.makeUniforms !== "function") return;
  patched.add(proto);
  const arenas = new WeakMap<object, Arena[]>();
  const submit = proto.submitQueue;
  proto.makeUniforms = function (this: UniformBackend, fields: UniformField[]): GPUBufferBinding {
    const bytes = uniformBytes(fields);
    const align = this.device.limits.minUniformBufferOffsetAlignment;
    const open = arenas.get(this) ?? [];
    arenas.set(this, open);
    let arena = open[open.length - 1];
    let offset = arena === undefined ? 0 : Math.ceil(arena.used / align) * align;
    if (arena === undefined || offset + bytes.byteLength > ARENA_BYTES) {
      const usage = GPUBufferUsage.COPY_DST | GPUBufferUsage.UNIFORM;
      arena = {
        buffer: this.bufferManager.acquireBuffer(ARENA_BYTES, usage),
        bytes: new Uint8Array(ARENA_BYTES),
        used: 0,
      };
      open.push(arena);
      offset = 0;
    }
    arena.bytes.set(bytes, offset);
    arena.used = offset + bytes.byteLength;
    return { buffer: arena.buffer, offset, size: bytes.byteLength };
  };
  proto.submitQueue = function (this: UniformBackend): void {
    for (const arena of arenas.get(this) ?? []) {
      this.queue.writeBuffer(arena.buffer, 0, arena.bytes, 0, arena.used);
      // tfjs returns these to its pool once the submit is made.
      this.uniformPendingDisposal.push(arena.buffer);
    }
    arenas.delete(this);
    submit.call(this);
  };
}
