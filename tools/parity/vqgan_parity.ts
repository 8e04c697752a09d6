/**
 * Compares dimo's {@linkcode Vqgan} with the PyTorch mirror on a case written by
 * `tools/parity/vqgan_parity.py`: the same weights must give the same tokens (up to near-ties of
 * the nearest-code search) and the same images (up to float32 rounding).
 *
 *     deno run --allow-read=DIR --allow-env=DIMO_BACKEND,DIMO_THREADS tools/parity/vqgan_parity.ts DIR
 *
 * (cpu by default; `DIMO_BACKEND=wasm` also needs `--allow-read=DIR,.` for its binary.)
 *
 * Prints the mismatched tokens and the largest image difference of each check; exits 1 when more
 * than 1% of tokens differ or an image differs by more than 1e-4.
 *
 * @module
 */
import { chooseBackendName, loadSafetensors, loadVqgan, tf, useBackend } from "@dimo/dimo";

const TOKEN_SHARE = 0.01;
const IMAGE_TOLERANCE = 1e-4;

const dir = Deno.args[0];
if (dir === undefined) {
  throw new TypeError("Cannot compare as the case's folder is missing: pass it as the first argument");
}
await useBackend(chooseBackendName() === "auto" ? "cpu" : chooseBackendName());
const vqgan = await loadVqgan(`${dir}/model.safetensors`);
const { tensors: data } = await loadSafetensors(`${dir}/data.safetensors`);
const ids = (t: tf.Tensor) => tf.cast(t, "int32") as tf.Tensor2D;
const gridOf = (images: tf.Tensor) =>
  [images.shape[1]! / vqgan.factor, images.shape[2]! / vqgan.factor] as const;

let failed = false;
function tokens(name: string, got: tf.Tensor, want: tf.Tensor): void {
  const [a, b] = [Array.from(got.dataSync()), Array.from(want.dataSync())];
  const mismatched = a.reduce((n, v, i) => n + (v === b[i] ? 0 : 1), 0);
  failed ||= mismatched > TOKEN_SHARE * a.length;
  console.log(`${name}: ${mismatched} of ${a.length} tokens differ`);
}
function images(name: string, got: tf.Tensor, want: tf.Tensor): void {
  const difference = tf.tidy(() => tf.max(tf.abs(tf.sub(got, want))).dataSync()[0]);
  failed ||= !(difference <= IMAGE_TOLERANCE);
  console.log(`${name}: largest difference ${difference.toExponential(2)}`);
}

tokens("encode square images", vqgan.encode(data.square as tf.Tensor4D), data.tokens_square);
tokens("encode a wide image", vqgan.encode(data.wide as tf.Tensor4D), data.tokens_wide);
images("decode ids (mask ids included)", vqgan.decode(ids(data.ids)), data.images);
images(
  "decode the wide image's tokens",
  vqgan.decode(ids(data.tokens_wide), { grid: gridOf(data.wide) }),
  data.images_wide,
);
console.log(failed ? "parity FAILED" : "parity ok");
if (failed) Deno.exit(1);
