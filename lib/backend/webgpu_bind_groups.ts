/**
 * One bind group per layout and set of bound buffer ranges.
 *
 * tfjs-webgpu makes a new bind group for every dispatch. Under Deno on an NVIDIA GPU that call
 * was the largest host cost of a Di[M]O iteration once uploads and uniform writes were gone
 * (docs/performance.md). But an iteration repeats the one before: the same kernels, on buffers
 * that tfjs's pool hands out again in the same order, with uniforms at the same offsets. A bind
 * group only names buffer ranges, so the one made for a layout and the same ranges serves every
 * later dispatch that asks for them. Buffers of the pool are never destroyed while the device
 * lives, so a cached group stays valid; the cache forgets everything once it holds
 * {@linkcode BIND_GROUP_CACHE_SIZE} groups.
 *
 * @module
 */

/** The most bind groups kept; past it the cache starts again from empty. */
export const BIND_GROUP_CACHE_SIZE = 65536;

const ids = new WeakMap<object, number>();
let nextId = 0;
const idOf = (o: object): number => {
  let id = ids.get(o);
  if (id === undefined) ids.set(o, id = nextId++);
  return id;
};

/** The cache key of a descriptor whose resources are all buffer ranges, or undefined. */
function keyOf(descriptor: GPUBindGroupDescriptor): string | undefined {
  let key = String(idOf(descriptor.layout));
  for (const entry of descriptor.entries) {
    const resource = entry.resource as GPUBufferBinding;
    if (!(resource?.buffer instanceof GPUBuffer)) return undefined;
    key += `|${entry.binding}:${idOf(resource.buffer)}:${resource.offset ?? 0}:${resource.size ?? -1}`;
  }
  return key;
}

/** Hits and groups made, by device. */
const counts = new WeakMap<GPUDevice, { hits: number; made: number }>();

/**
 * Makes `device.createBindGroup` return the group it made before for the same layout and buffer
 * ranges (other descriptors, with textures or samplers, are made as before). Idempotent.
 *
 * @param device The device whose bind groups to cache.
 * @returns The device's running counts of cache hits and of groups made (the same object on every
 *   call), for measuring.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { cacheBindGroups } from "@dimo/dimo/backend";
 * assert.equal(typeof cacheBindGroups, "function"); // needs a GPUDevice: see the tests
 * ```
 */
export function cacheBindGroups(device: GPUDevice): { hits: number; made: number } {
  const known = counts.get(device);
  if (known !== undefined) return known;
  const stats = { hits: 0, made: 0 };
  counts.set(device, stats);
  const create = device.createBindGroup.bind(device);
  let groups = new Map<string, GPUBindGroup>();
  device.createBindGroup = (descriptor: GPUBindGroupDescriptor): GPUBindGroup => {
    const key = keyOf(descriptor);
    if (key === undefined) return create(descriptor);
    const cached = groups.get(key);
    if (cached !== undefined) {
      stats.hits++;
      return cached;
    }
    if (groups.size >= BIND_GROUP_CACHE_SIZE) groups = new Map();
    const group = create(descriptor);
    groups.set(key, group);
    stats.made++;
    return group;
  };
  return stats;
}
