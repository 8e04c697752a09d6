// The fingerprint of a teacher's weights that a distillation checkpoint records, so a run is
// never resumed against another teacher of the same shape.
import type { Transformer } from "../models/transformer.ts";

/**
 * SHA-256, in hex, over every weight of `model` in name order: its name, dtype, shape and bytes.
 * Reads the weights back (asynchronously).
 */
export async function teacherSha256(model: Transformer): Promise<string> {
  const named = model.namedWeights();
  const encoder = new TextEncoder();
  const parts: Uint8Array[] = [];
  for (const name of Object.keys(named).sort()) {
    const weight = named[name];
    const data = await weight.data();
    parts.push(encoder.encode(`${name}|${weight.dtype}|${weight.shape.join(",")}|`));
    parts.push(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  }
  const bytes = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  parts.reduce((offset, p) => (bytes.set(p, offset), offset + p.length), 0);
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}
