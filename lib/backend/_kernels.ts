/**
 * Replacing a backend's stock kernel by dimo's, once a process.
 *
 * @module
 */
import * as tf from "./tf.ts";

/** The outcome of each replacement asked for, by `backend/kernel`. */
const replaced = new Map<string, boolean>();

/**
 * Replaces a backend's stock kernel by one built from it, once a process: later calls return the
 * first answer. The backend must be registered (started).
 *
 * @param kernelName The kernel, e.g. `"Identity"`.
 * @param backendName The backend, e.g. `"wasm"`.
 * @param build Makes the new kernel function from the stock kernel and the backend instance, or
 *   returns `undefined` when the backend lacks what it needs (the stock kernel then stays).
 * @returns Whether the new kernel is in place.
 */
export function replaceKernel(
  kernelName: string,
  backendName: string,
  build: (stock: tf.KernelConfig, backend: unknown) => tf.KernelFunc | undefined,
): boolean {
  const key = `${backendName}/${kernelName}`;
  const known = replaced.get(key);
  if (known !== undefined) return known;
  const stock = tf.getKernel(kernelName, backendName);
  const kernelFunc = stock && build(stock, tf.findBackend(backendName));
  if (stock !== undefined && kernelFunc !== undefined) {
    tf.unregisterKernel(kernelName, backendName);
    tf.registerKernel({ ...stock, kernelFunc });
  }
  replaced.set(key, kernelFunc !== undefined);
  return kernelFunc !== undefined;
}
