/**
 * Decoded safetensors values as tfjs tensors: each dtype mapped to float32, int32 or bool.
 *
 * @module
 */
import * as tf from "../backend/tf.ts";
import { errorMessage } from "../validate/mod.ts";
import type { DecodedSafetensors, SafetensorsTensor } from "./safetensors.ts";
import type { LoadedSafetensors } from "./safetensors_tf.ts";

/**
 * Makes tensors of decoded values, converting and checking them all before the first tensor
 * exists, so a failure leaks nothing.
 *
 * @param decoded The decoded file.
 * @param path The file they came from, for messages.
 */
export function makeTensors({ tensors, metadata }: DecodedSafetensors, path?: string): LoadedSafetensors {
  const source = path === undefined ? "" : ` from "${path}"`;
  const converted = Object.entries(tensors).map(([name, tensor]) =>
    [name, toTfValues(name, tensor, source)] as const
  );
  return {
    tensors: Object.fromEntries(
      converted.map(([name, { values, dtype }]) => [name, tf.tensor(values, tensors[name].shape, dtype)]),
    ),
    metadata,
  };
}

type TfValues =
  | { dtype: "float32"; values: Float32Array }
  | { dtype: "int32"; values: Int32Array }
  | { dtype: "bool"; values: Uint8Array };

function toTfValues(name: string, tensor: SafetensorsTensor, source: string): TfValues {
  switch (tensor.dtype) {
    case "F32":
    case "F16":
    case "BF16":
      return { dtype: "float32", values: tensor.data };
    case "F64":
      return { dtype: "float32", values: toFloat32(name, tensor.data, source) };
    case "BOOL":
      return { dtype: "bool", values: tensor.data };
    case "I32":
      return { dtype: "int32", values: tensor.data };
    case "U8":
    case "I8":
    case "I16":
    case "U16":
      return { dtype: "int32", values: Int32Array.from(tensor.data) };
    case "U32":
    case "I64":
    case "U64":
      return { dtype: "int32", values: toInt32(name, tensor.data, source) };
    default:
      return tensor satisfies never;
  }
}

const INT32_MIN = -(2 ** 31), INT32_MAX = 2 ** 31 - 1;

function toInt32(
  name: string,
  data: Uint32Array | BigInt64Array | BigUint64Array,
  source: string,
): Int32Array {
  const out = new Int32Array(data.length);
  for (let i = 0; i < data.length; i++) {
    const value = Number(data[i]);
    if (value < INT32_MIN || value > INT32_MAX) {
      const rule = `int32 values in [${INT32_MIN}, ${INT32_MAX}]`;
      throw new RangeError(
        errorMessage(`load tensor '${name}'${source} as int32`, `${name}[${i}]`, rule, data[i]),
      );
    }
    out[i] = value;
  }
  return out;
}

function toFloat32(name: string, data: Float64Array, source: string): Float32Array {
  const out = Float32Array.from(data);
  const overflow = out.findIndex((value, i) => !Number.isFinite(value) && Number.isFinite(data[i]));
  if (overflow >= 0) {
    const rule = "finite in float32 (magnitude below 3.4028235e38)";
    throw new RangeError(
      errorMessage(`load tensor '${name}'${source} as float32`, `${name}[${overflow}]`, rule, data[overflow]),
    );
  }
  return out;
}
