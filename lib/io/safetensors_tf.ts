/**
 * safetensors bytes to and from tfjs tensors.
 *
 * @module
 */
import type * as tf from "../backend/tf.ts";
import { errorMessage } from "../validate/mod.ts";
import { makeTensors } from "./_tf_values.ts";
import type { SafetensorsTensor } from "./safetensors.ts";
import { decodeSafetensors } from "./safetensors_decode.ts";
import { encodeSafetensors } from "./safetensors_encode.ts";

/** Tensors read from a safetensors file, with its metadata. */
export interface LoadedSafetensors {
  /** The tensors by name; the caller owns and disposes them. */
  tensors: Record<string, tf.Tensor>;
  /** The `__metadata__` strings (`{}` when the file has none). */
  metadata: Record<string, string>;
}

const TF_DTYPES: readonly string[] = ["float32", "int32", "bool"];

/**
 * Writes tfjs tensors as safetensors bytes: float32 as F32, int32 as I32, bool as BOOL.
 *
 * @param tensors The tensors by name (float32, int32 or bool; not disposed).
 * @param metadata Strings stored under `__metadata__` (omitted when not given).
 * @returns The file's bytes.
 * @throws {TypeError} If a tensor has another dtype (checked before any data is read) or a metadata
 * value is not a string.
 *
 * @example Save a float32 and an int32 tensor
 * ```ts
 * import assert from "node:assert";
 * import { decodeSafetensors, tensorsToSafetensors, tf, useBackend } from "@dimo/dimo";
 * await useBackend("cpu");
 * const w = tf.tensor2d([[1, 2], [3, 4]]);
 * const step = tf.scalar(3, "int32");
 * const bytes = await tensorsToSafetensors({ w, step });
 * w.dispose();
 * step.dispose();
 * const { tensors } = decodeSafetensors(bytes);
 * assert.deepEqual(tensors.w.shape, [2, 2]);
 * assert.equal(tensors.step.dtype, "I32");
 * ```
 */
export async function tensorsToSafetensors(
  tensors: Record<string, tf.Tensor>,
  metadata?: Record<string, string>,
): Promise<Uint8Array> {
  const entries = Object.entries(tensors);
  for (const [name, tensor] of entries) {
    if (!TF_DTYPES.includes(tensor.dtype)) {
      throw new TypeError(
        errorMessage("encode safetensors", `${name}.dtype`, "float32, int32 or bool", tensor.dtype),
      );
    }
  }
  const values = await Promise.all(entries.map(([, tensor]) => tensor.data()));
  const records = entries.map(([name, tensor], i): [string, SafetensorsTensor] => {
    const shape = tensor.shape.slice();
    const data = values[i];
    // The cpu backend may hold an int32 array under a float32 dtype, so each array is re-typed.
    if (tensor.dtype === "float32") {
      return [name, { dtype: "F32", shape, data: Float32Array.from(data as Float32Array) }];
    }
    if (tensor.dtype === "int32") {
      return [name, { dtype: "I32", shape, data: Int32Array.from(data as Int32Array) }];
    }
    return [name, { dtype: "BOOL", shape, data: Uint8Array.from(data as Uint8Array) }];
  });
  return encodeSafetensors(Object.fromEntries(records), metadata);
}

/**
 * Reads safetensors bytes into tfjs tensors: floating dtypes become float32 (F64 rounded), BOOL
 * becomes bool and integer dtypes become int32. Every value is converted and checked before the
 * first tensor is made, so a failure leaks nothing.
 *
 * @param bytes The whole file.
 * @returns New tensors by name (the caller disposes them) and the `__metadata__` strings.
 * @throws {SafetensorsError} If the file is malformed (see {@linkcode decodeSafetensors}).
 * @throws {RangeError} If an integer does not fit int32 (I64, U32, U64) or a finite F64 overflows
 * float32.
 *
 * @example Load a BOOL tensor as bool
 * ```ts
 * import assert from "node:assert";
 * import { encodeSafetensors, safetensorsToTensors, useBackend } from "@dimo/dimo";
 * await useBackend("cpu");
 * const bytes = encodeSafetensors({ masked: { dtype: "BOOL", shape: [3], data: new Uint8Array([1, 0, 1]) } });
 * const { tensors } = safetensorsToTensors(bytes);
 * assert.equal(tensors.masked.dtype, "bool");
 * assert.deepEqual(Array.from(tensors.masked.dataSync()), [1, 0, 1]);
 * tensors.masked.dispose();
 * ```
 */
export function safetensorsToTensors(bytes: Uint8Array): LoadedSafetensors {
  return makeTensors(decodeSafetensors(bytes));
}
