/**
 * Picks and initialises the tfjs compute backend: `webgpu`, `wasm`, `cpu`, or `tensorflow`
 * (tfjs-node-gpu, only when asked and installed), with `auto` choosing WebGPU on real GPU
 * hardware and wasm otherwise.
 *
 * @module
 */
import "@tensorflow/tfjs-backend-cpu";
import "@tensorflow/tfjs-backend-wasm";
import "@tensorflow/tfjs-backend-webgpu";
import { getThreadsCount } from "@tensorflow/tfjs-backend-wasm";
import * as tf from "./tf.ts";
import { uploadWithWriteBuffer } from "./webgpu_uploads.ts";
import { uniformsOncePerSubmit } from "./webgpu_uniforms.ts";
import { cacheBindGroups } from "./webgpu_bind_groups.ts";
import { cacheBindGroupLayouts } from "./webgpu_layouts.ts";
import { checkInRange, checkInteger, checkOneOf } from "../validate/mod.ts";
import { MAX_WASM_THREADS, startWasmThreads } from "./wasm_threads.ts";
import { installWasmBatchMatMul } from "./wasm_batch_matmul.ts";
import { installWasmIdentity } from "./wasm_identity.ts";

/** The backends dimo knows. `auto` resolves to `webgpu` or `wasm`. */
export const BACKEND_NAMES = ["auto", "webgpu", "wasm", "cpu", "tensorflow"] as const;

/** A backend name accepted by {@linkcode useBackend}. */
export type BackendName = typeof BACKEND_NAMES[number];

/** Options of {@linkcode useBackend}. */
export interface BackendOptions {
  /**
   * Threads of the `wasm` backend, 1–8 (default: `DIMO_THREADS` when set and readable, else
   * {@linkcode defaultWasmThreads}, half the machine's cores). Fixed when wasm first starts in a
   * process. Only XNNPACK's operators (matrix products, convolutions) use them.
   */
  readonly threads?: number;
  /**
   * Keep tfjs-wasm's own kernels instead of dimo's (XNNPACK for batched products, an `Identity`
   * that shares memory) (default `false`; the bench sets it to measure the difference).
   */
  readonly stockKernels?: boolean;
}

/** What {@linkcode useBackend} initialised, for logs and results. */
export interface BackendInfo {
  /** The active tfjs backend (`webgpu`, `wasm`, `cpu`, `tensorflow`). */
  readonly name: string;
  /** The device behind it, in words ("NVIDIA H100 …", "wasm SIMD, 1 thread", "JavaScript"). */
  readonly adapter: string;
}

/** Facts about the WebGPU adapter Deno offers, or why there is none. */
export interface WebGpuProbe {
  /** The adapter's description, or the reason none is usable. */
  readonly description: string;
  /** Whether the adapter is real hardware (not llvmpipe, lavapipe, SwiftShader, …). */
  readonly hardware: boolean;
  /** Whether an adapter exists at all. */
  readonly available: boolean;
}

const SOFTWARE_ADAPTER = /llvmpipe|lavapipe|softpipe|swiftshader|software|basic render/i;

/**
 * Asks Deno for its WebGPU adapter and tells whether it is real hardware.
 *
 * @returns A {@linkcode WebGpuProbe}; never throws.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { probeWebGpu } from "@dimo/dimo";
 * const probe = await probeWebGpu();
 * assert.equal(typeof probe.hardware, "boolean");
 * ```
 */
export async function probeWebGpu(): Promise<WebGpuProbe> {
  const gpu = (globalThis.navigator as Navigator | undefined)?.gpu;
  if (!gpu) return { description: "no navigator.gpu in this runtime", hardware: false, available: false };
  const adapter = await gpu.requestAdapter({ powerPreference: "high-performance" }).catch(() => null);
  if (!adapter) return { description: "no WebGPU adapter", hardware: false, available: false };
  const info = adapter.info as GPUAdapterInfo & { isFallbackAdapter?: boolean };
  const description = [info.description, info.vendor && `vendor ${info.vendor}`, info.architecture]
    .filter((s) => s).join(", ") || "unnamed adapter";
  const hardware = info.isFallbackAdapter !== true && !SOFTWARE_ADAPTER.test(description);
  return { description, hardware, available: true };
}

async function initTensorflow(): Promise<BackendInfo> {
  // A variable specifier keeps the package out of the module graph: it is loaded only here.
  const specifier = "@tensorflow/tfjs-node-gpu";
  try {
    await import(specifier);
  } catch (cause) {
    throw new Error(
      `Cannot use backend 'tensorflow': ${specifier} is not installed or its native library is missing. ` +
        `It needs network access to download libtensorflow at install time: map "${specifier}" to ` +
        `"npm:${specifier}@4.22.0" in deno.json imports and run \`deno install --allow-scripts\`, ` +
        `or choose --backend webgpu|wasm|cpu`,
      { cause },
    );
  }
  await setOrThrow("tensorflow");
  return { name: "tensorflow", adapter: "libtensorflow (tfjs-node-gpu)" };
}

async function setOrThrow(name: string): Promise<void> {
  const ok = await tf.setBackend(name).catch(() => false);
  if (!ok || tf.getBackend() !== name) {
    throw new Error(`Cannot use backend '${name}': tfjs failed to initialise it`);
  }
  await tf.ready();
}

/**
 * Initialises a backend and makes it the active one.
 *
 * `auto` takes `webgpu` only when Deno's adapter is real hardware, never a software fallback
 * (llvmpipe, lavapipe), and `wasm` otherwise. An explicit `webgpu` on a software adapter is
 * honoured but says so in `adapter`. `wasm` starts tfjs's multi-threaded SIMD build when more than
 * one thread is wanted (by default, on a machine with four cores or more).
 *
 * @param name A {@linkcode BackendName}.
 * @param options See {@linkcode BackendOptions}.
 * @returns The {@linkcode BackendInfo} to log with results.
 * @throws {RangeError} If the name is unknown or `threads` is not an integer in 1–8.
 * @throws {Error} If the backend cannot start (no WebGPU adapter, tfjs-node-gpu not installed), or
 *   wasm already runs with another thread count than `threads`.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { tf, useBackend } from "@dimo/dimo";
 * const info = await useBackend("cpu");
 * assert.equal(info.name, "cpu");
 * assert.equal(tf.getBackend(), "cpu");
 * ```
 */
export async function useBackend(name: string = "auto", options: BackendOptions = {}): Promise<BackendInfo> {
  checkOneOf("choose a backend", "backend", name, BACKEND_NAMES);
  switch (name) {
    case "auto": {
      const probe = await probeWebGpu();
      return useBackend(probe.hardware ? "webgpu" : "wasm", options);
    }
    case "webgpu": {
      const probe = await probeWebGpu();
      if (!probe.available) throw new Error(`Cannot use backend 'webgpu': ${probe.description}`);
      cacheBindGroupLayouts();
      await setOrThrow("webgpu");
      uploadWithWriteBuffer();
      uniformsOncePerSubmit();
      cacheBindGroups((tf.backend() as unknown as { device: GPUDevice }).device);
      const adapter = probe.hardware ? probe.description : `${probe.description} (software adapter)`;
      return { name, adapter };
    }
    case "wasm":
      return await initWasm(options);
    case "cpu":
      await setOrThrow("cpu");
      // The cpu backend advertises tfjs-node on first use when it sees Node; dimo chose cpu on purpose.
      Object.assign(tf.backend(), { firstUse: false });
      return { name, adapter: "JavaScript (tfjs-backend-cpu)" };
    case "tensorflow":
      return await initTensorflow();
    default: {
      const never: never = name;
      throw new RangeError(`Unknown backend ${never}`);
    }
  }
}

async function initWasm({ threads, stockKernels = false }: BackendOptions): Promise<BackendInfo> {
  if (threads !== undefined) {
    checkInteger("use the wasm backend", "threads", threads);
    checkInRange("use the wasm backend", "threads", threads, 1, MAX_WASM_THREADS);
  }
  const wanted = threads ?? chooseThreads() ?? defaultWasmThreads();
  if (tf.findBackend("wasm") === null && wanted > 1) {
    await startWasmThreads(wanted);
  } else {
    await setOrThrow("wasm");
  }
  const running = getThreadsCount();
  if (threads !== undefined && running !== threads) {
    throw new Error(
      `Cannot use wasm with ${threads} threads: it already runs with ${running} in this process ` +
        "(the thread count is fixed when wasm first starts)",
    );
  }
  const simd = tf.env().getBool("WASM_HAS_SIMD_SUPPORT") ? "SIMD" : "no SIMD";
  const dimoKernels = !stockKernels && installWasmBatchMatMul() && installWasmIdentity();
  const kernels = dimoKernels ? "" : ", tfjs's own kernels";
  return { name: "wasm", adapter: `wasm ${simd}, ${running} thread${running === 1 ? "" : "s"}${kernels}` };
}

/**
 * The wasm thread count used when neither `threads` nor `DIMO_THREADS` sets one: half the logical
 * cores, at least 1 and at most {@linkcode MAX_WASM_THREADS}.
 *
 * Why half: XNNPACK splits each product over the pool and waits for its slowest thread, so a pool
 * thread that the system does not schedule stalls every product. When other processes keep the
 * cores busy, a pool of one thread a core slows a training step several-fold instead of sharing
 * the cores fairly; half the cores leaves room for as much other work, and is also the cap tfjs-wasm
 * sets itself (it counts two hyper-threads a core). On an idle machine this gives up part of the
 * pool's speed-up, which `threads` or `DIMO_THREADS` wins back. A reading of the load at start was
 * not used: it needs a system permission and does not foresee the load during a long run.
 *
 * @param cores Logical cores (default: `navigator.hardwareConcurrency`), an integer ≥ 1.
 * @returns The default pool size.
 * @throws {RangeError} If `cores` is not an integer ≥ 1.
 *
 * @example Two cores get one thread, sixteen get eight
 * ```ts
 * import assert from "node:assert";
 * import { defaultWasmThreads } from "@dimo/dimo";
 * assert.equal(defaultWasmThreads(2), 1);
 * assert.equal(defaultWasmThreads(16), 8);
 * ```
 */
export function defaultWasmThreads(cores: number = navigator.hardwareConcurrency): number {
  checkInteger("choose the default wasm threads", "cores", cores);
  checkInRange("choose the default wasm threads", "cores", cores, 1, Number.MAX_SAFE_INTEGER);
  return Math.max(1, Math.min(MAX_WASM_THREADS, Math.floor(cores / 2)));
}

/** An environment variable, or `undefined` when it is unset or the program may not read it. */
function readEnv(name: string): string | undefined {
  try {
    return Deno.env.get(name);
  } catch {
    return undefined; // no env permission: the caller's default applies
  }
}

/**
 * The backend a program should use: the `--backend` value when given, else `DIMO_BACKEND`,
 * else `auto`.
 *
 * @param flag The value of a `--backend` flag, if any.
 * @returns The chosen name, checked.
 * @throws {RangeError} If the chosen name is unknown.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { chooseBackendName } from "@dimo/dimo";
 * assert.equal(chooseBackendName("wasm"), "wasm");
 * ```
 */
export function chooseBackendName(flag?: string): BackendName {
  const name = flag ?? readEnv("DIMO_BACKEND") ?? "auto";
  checkOneOf("choose a backend", flag !== undefined ? "--backend" : "DIMO_BACKEND", name, BACKEND_NAMES);
  return name;
}

/**
 * The wasm thread count a program should use: the `--threads` value when given, else
 * `DIMO_THREADS`, else `undefined` ({@linkcode defaultWasmThreads} then applies).
 *
 * @param flag The value of a `--threads` flag, if any.
 * @returns The chosen count, checked, or `undefined`.
 * @throws {RangeError} If the chosen value is not an integer in 1–8.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { chooseThreads } from "@dimo/dimo";
 * assert.equal(chooseThreads("2"), 2);
 * ```
 */
export function chooseThreads(flag?: string): number | undefined {
  const text = flag ?? readEnv("DIMO_THREADS");
  if (text === undefined || text === "") return undefined;
  const source = flag !== undefined ? "--threads" : "DIMO_THREADS";
  const threads = Number(text);
  if (!Number.isInteger(threads) || threads < 1 || threads > MAX_WASM_THREADS) {
    throw new RangeError(
      `Cannot choose the wasm threads: ${source} must be an integer in 1–${MAX_WASM_THREADS}, got '${text}'`,
    );
  }
  return threads;
}
