/**
 * Starts tfjs-backend-wasm's multi-threaded SIMD build under Deno, which tfjs 4.22 never picks
 * there on its own. {@linkcode useBackend} calls it for `wasm` with more than one thread.
 *
 * Three things stand in the way, and this module works around each for the length of the
 * backend's start-up only (nothing in `node_modules` is patched):
 *
 * 1. `WASM_HAS_MULTITHREAD_SUPPORT` answers `false` whenever tfjs sees Node (`IS_NODE`), which
 *    Deno emulates, although Deno has every feature the threaded build needs: we set the flag.
 * 2. The Emscripten glue also sees Node (`process.versions.node`) and then starts its pthread
 *    workers with `require("worker_threads").Worker` on a `blob:` URL, which Deno's Node
 *    worker refuses (`ERR_WORKER_PATH`). We hide `process.versions.node` so that the glue takes
 *    its web path, and hand it a `Worker` class that runs each pthread in a Node-style worker
 *    (so that it can be `unref`ed and the process can exit) with a small bootstrap giving
 *    Emscripten's worker script the web globals it expects: `self`, `postMessage`,
 *    `onmessage` and a synchronous `importScripts` for the main script it receives as a Blob.
 * 3. `backend.cc` caps the pool at `navigator.hardwareConcurrency / 2` (it assumes two
 *    hyper-threads a core), which leaves one thread on a 2-core machine: we report twice the
 *    wanted count while the module starts.
 *
 * Only XNNPACK operators use the pool: 2-D `matMul` (batch 1, no transposes), convolutions and a
 * few others. Batched `matMul` (rank > 2 with batch > 1, or any transpose flag) stays a
 * single-threaded scalar loop in tfjs-wasm.
 *
 * @module
 */
import { Worker as NodeWorker } from "node:worker_threads";
import { getThreadsCount, setThreadsCount, setWasmPaths } from "@tensorflow/tfjs-backend-wasm";
import * as tf from "./tf.ts";
import { checkInRange, checkInteger } from "../validate/mod.ts";

/** The most threads the wasm backend's pool takes (Emscripten's pool size in the tfjs build). */
export const MAX_WASM_THREADS = 8;

/** The message that tells a bootstrap worker where Emscripten's worker script is. */
const SCRIPT_KEY = "dimoPthreadScript";

/**
 * Runs first in every pthread worker: web globals over the Node worker, then Emscripten's
 * worker script, then every message in order, after reading any Blob that `importScripts` will
 * need synchronously.
 */
const BOOTSTRAP = `
import { parentPort } from "node:worker_threads";
// Without Node in sight, the Emscripten glue takes its web-worker path.
Object.defineProperty(globalThis, "process", { value: undefined, configurable: true, writable: true });
globalThis.self = globalThis;
// A plain property, so that messages reach Emscripten's handler only through parentPort below.
Object.defineProperty(globalThis, "onmessage", { value: null, configurable: true, writable: true });
globalThis.postMessage = (message, transfer) => parentPort.postMessage(message, transfer);
const blobSources = new WeakMap();
const urlSources = new Map();
const createObjectURL = URL.createObjectURL;
URL.createObjectURL = (blob) => {
  const url = createObjectURL(blob);
  if (blobSources.has(blob)) urlSources.set(url, blobSources.get(blob));
  return url;
};
globalThis.importScripts = (...urls) => {
  for (const url of urls) {
    if (!urlSources.has(url)) throw new Error("importScripts: " + url + " was not read ahead");
    (0, eval)(urlSources.get(url));
  }
};
let queue = Promise.resolve();
parentPort.on("message", (data) => {
  queue = queue.then(async () => {
    if (data?.${SCRIPT_KEY}) {
      (0, eval)(await (await fetch(data.${SCRIPT_KEY})).text());
      return;
    }
    if (data?.cmd === "load" && data.urlOrBlob instanceof Blob) {
      blobSources.set(data.urlOrBlob, await data.urlOrBlob.text());
    }
    globalThis.onmessage({ data });
  });
});
`;

const BOOTSTRAP_URL = new URL(`data:text/javascript,${encodeURIComponent(BOOTSTRAP)}`);

/** The web `Worker` surface Emscripten's glue uses, over a Node worker that can be unref'ed. */
class PthreadWorker {
  /** Set by Emscripten. */
  onmessage: ((event: { data: unknown }) => void) | null = null;
  /** Set by Emscripten. */
  onerror: ((error: unknown) => void) | null = null;
  readonly #worker: NodeWorker;

  constructor(url: string | URL) {
    this.#worker = new NodeWorker(BOOTSTRAP_URL);
    this.#worker.on("message", (data: unknown) => this.onmessage?.({ data }));
    this.#worker.on("error", (error: unknown) => this.onerror?.(error));
    this.#worker.postMessage({ [SCRIPT_KEY]: String(url) });
    started.push(this);
  }

  postMessage(message: unknown, transfer?: Transferable[]): void {
    // deno-lint-ignore no-explicit-any
    this.#worker.postMessage(message, transfer as any);
  }

  terminate(): void {
    this.#worker.terminate();
  }

  /** Lets the process exit while the worker waits for work. */
  unref(): void {
    this.#worker.unref();
  }
}

/** Workers created during the current start-up. */
const started: PthreadWorker[] = [];

/**
 * The folder holding the `.wasm` binaries, as a `file:` URL ending in `/`: beside the package
 * entry that this module's import resolved to. That resolution is the importing project's (its
 * import map and `node_modules`), whereas a `require` from this file's folder would search only
 * `node_modules` folders above dimo's own files, which a project importing dimo by path may lack.
 */
function wasmFolder(): string {
  const entry = import.meta.resolve("@tensorflow/tfjs-backend-wasm");
  if (!entry.startsWith("file:")) {
    throw new Error(
      `Cannot start wasm threads as '@tensorflow/tfjs-backend-wasm' must resolve to a local file: ` +
        `current value is ${entry}`,
    );
  }
  return new URL(".", entry).href;
}

/** A property that start-up replaces: the object, the key and the stand-in value. */
type Override = readonly [object, string, unknown];

/** Runs `body` with each override in place, then puts the original properties back. */
async function withOverrides<T>(overrides: readonly Override[], body: () => Promise<T>): Promise<T> {
  const originals = overrides.map(([object, key]) => Object.getOwnPropertyDescriptor(object, key));
  for (const [object, key, value] of overrides) {
    Object.defineProperty(object, key, { value, configurable: true, writable: true });
  }
  try {
    return await body();
  } finally {
    overrides.forEach(([object, key], i) => {
      const original = originals[i];
      if (original) Object.defineProperty(object, key, original);
      else delete (object as Record<string, unknown>)[key];
    });
  }
}

/**
 * Starts the wasm backend with `threads` threads (the calling thread counts as one) and makes it
 * the active backend. It must run before anything else starts the wasm backend.
 *
 * @param threads Pool size, an integer in 1–{@linkcode MAX_WASM_THREADS}.
 * @returns The number of threads the backend's pool really has.
 * @throws {RangeError} If `threads` is not an integer in range.
 * @throws {Error} If the wasm backend was already started, or the threaded build failed to start.
 */
export async function startWasmThreads(threads: number): Promise<number> {
  checkInteger("start wasm threads", "threads", threads);
  checkInRange("start wasm threads", "threads", threads, 1, MAX_WASM_THREADS);
  if (tf.findBackend("wasm") !== null) {
    throw new Error(
      `Cannot start wasm with ${threads} threads as the wasm backend already runs with ${getThreadsCount()}: ` +
        "the thread count is fixed when wasm first starts",
    );
  }
  tf.env().get("IS_NODE"); // evaluate (and cache) it before Node is hidden below
  tf.env().set("WASM_HAS_MULTITHREAD_SUPPORT", true);
  setThreadsCount(threads);
  setWasmPaths(wasmFolder(), true);
  const { versions } = (globalThis as unknown as { process: { versions: object } }).process;
  started.length = 0;
  const ok = await withOverrides([
    [versions, "node", undefined], // the glue takes its web path
    [globalThis, "Worker", PthreadWorker], // and starts its pthreads with this class
    [navigator, "hardwareConcurrency", 2 * threads], // backend.cc's cap is half this
  ], () => tf.setBackend("wasm"));
  if (!ok) {
    tf.env().set("WASM_HAS_MULTITHREAD_SUPPORT", false);
    throw new Error("Cannot start wasm threads as tfjs failed to start the threaded build (see its warning)");
  }
  releaseIdleWorkers();
  return getThreadsCount();
}

/**
 * Emscripten starts 8 workers whatever the pool size: end those no thread took, and unref the
 * rest so that they do not keep the process alive.
 */
function releaseIdleWorkers(): void {
  const { unusedWorkers } =
    (tf.backend() as unknown as { wasm: { PThread: { unusedWorkers: PthreadWorker[] } } })
      .wasm.PThread;
  for (const worker of started) {
    if (unusedWorkers.includes(worker)) worker.terminate();
    else worker.unref();
  }
  unusedWorkers.length = 0;
  started.length = 0;
}
