/**
 * dimo's MaskGIT transformer and VQGAN against the PyTorch mirrors, on the fixtures that
 * `tools/parity/write_fixtures.py` writes (random weights in the official checkpoint formats,
 * converted by `tools/convert_checkpoint.py`):
 *
 *   deno task parity uniforms DIR     the uniforms dimo's MaskGIT sampler will draw, for the mirror
 *   deno task parity check DIR [--backend NAME]   (default: DIMO_BACKEND, else auto)
 *
 * `check` prints one row per comparison and exits non-zero if any fails: logits within 1e-3 of their
 * largest magnitude; the MaskGIT sampler (8 steps, ramped guidance, no Gumbel noise) giving the
 * official rule's tokens; decoded pixels within 1e-3 of their range; encoded tokens equal wherever
 * the nearest code wins by a relative margin above 1e-4.
 *
 * @module
 */
import {
  createRng,
  loadSafetensors,
  loadTransformer,
  loadVqgan,
  sampleMaskGit,
  tf,
  type Transformer,
  useBackend,
  type Vqgan,
} from "@dimo/dimo";
import { chooseBackendName } from "@dimo/dimo/backend";
import { saveSafetensors } from "../../lib/io/safetensors_file.ts";

/** One comparison of dimo's output with the mirror's. */
export interface ParityRow {
  readonly name: string;
  /** What was measured, in words with the number. */
  readonly measured: string;
  /** What passing requires. */
  readonly required: string;
  readonly pass: boolean;
}

/** The draws of {@linkcode sampleMaskGit} with `createRng(seed)` and no Gumbel noise: one uniform per position a step. */
function samplerUniforms(seed: number, steps: number, batch: number, seqLen: number): tf.Tensor3D {
  const rng = createRng(seed);
  return tf.tidy(() =>
    tf.stack(
      Array.from({ length: steps }, () => tf.randomUniform([batch, seqLen], 0, 1, "float32", rng.seed())),
    ) as tf.Tensor3D
  );
}

const SAMPLER_SEED = 0;

/**
 * Writes `uniforms.safetensors` into a fixture directory, for the mirror's sampler.
 *
 * @param dir A directory written by `write_fixtures.py models`.
 */
export async function writeUniforms(dir: string): Promise<void> {
  const { tensors, metadata } = await loadSafetensors(`${dir}/inputs.safetensors`);
  const transformer = await loadTransformer(`${dir}/maskgit.safetensors`);
  try {
    const [batch] = tensors["sampler.labels"].shape;
    const uniforms = samplerUniforms(SAMPLER_SEED, Number(metadata.steps), batch, transformer.config.seqLen);
    await saveSafetensors(`${dir}/uniforms.safetensors`, { uniforms });
    uniforms.dispose();
  } finally {
    transformer.dispose();
    tf.dispose(Object.values(tensors));
  }
}

/** The largest |x| of a tensor, read back asynchronously (WebGPU cannot read synchronously). */
async function maxAbs(t: tf.Tensor): Promise<number> {
  const max = tf.tidy(() => tf.max(tf.abs(t)));
  const [value] = await max.data();
  max.dispose();
  return value;
}

/** The largest |a − b|. */
async function maxDifference(a: tf.Tensor, b: tf.Tensor): Promise<number> {
  const difference = tf.sub(a, b);
  const value = await maxAbs(difference);
  difference.dispose();
  return value;
}

async function closeRow(
  name: string,
  actual: tf.Tensor,
  expected: tf.Tensor,
  scale: number,
  unit: string,
): Promise<ParityRow> {
  const error = await maxDifference(actual, expected);
  const relative = error / scale;
  return {
    name,
    measured: `max |Δ| ${error.toExponential(2)} = ${relative.toExponential(2)} of ${unit} ${
      scale.toPrecision(4)
    }`,
    required: "≤ 1e-3",
    pass: relative <= 1e-3,
  };
}

async function samplerRow(
  transformer: Transformer,
  labels: tf.Tensor1D,
  expected: tf.Tensor,
  metadata: Record<string, string>,
): Promise<ParityRow> {
  const { config, layout } = transformer;
  const tokens = sampleMaskGit(transformer.asDenoiser(), labels, createRng(SAMPLER_SEED), {
    seqLen: config.seqLen,
    maskId: layout.maskId,
    codebookSize: config.codebookSize,
    steps: Number(metadata.steps),
    guidance: { kind: "linear", scale: 1 + Number(metadata.guidance) },
    nullClass: layout.nullClass,
    gumbelTemperature: 0,
  });
  const [ours, theirs] = [Array.from(await tokens.data()), Array.from(await expected.data())];
  tokens.dispose();
  const differ = ours.filter((t, i) => t !== theirs[i]).length;
  return {
    name: `MaskGIT sampler, ${metadata.steps} steps, w = ${metadata.guidance}, no Gumbel noise`,
    measured: `${differ} of ${ours.length} tokens differ`,
    required: "0",
    pass: differ === 0,
  };
}

async function encodeRow(
  vqgan: Vqgan,
  images: tf.Tensor4D,
  expected: tf.Tensor,
  margins: tf.Tensor,
): Promise<ParityRow> {
  const tokens = vqgan.encode(images);
  const [ours, theirs, margin] = [await tokens.data(), await expected.data(), await margins.data()].map((d) =>
    Array.from(d)
  );
  tokens.dispose();
  let differ = 0;
  let decisive = 0;
  ours.forEach((t, i) => {
    if (t === theirs[i]) return;
    differ++;
    if (margin[i] > 1e-4) decisive++;
  });
  return {
    name: "VQGAN encode: nearest codes",
    measured: `${differ} of ${ours.length} tokens differ, ${decisive} of them with a relative margin > 1e-4`,
    required: "0 with a margin",
    pass: decisive === 0,
  };
}

/** What {@linkcode checkParity} found. */
export interface ParityReport {
  /** Where the references came from: the PyTorch version and device that wrote them. */
  readonly references: string;
  /** One row per comparison. */
  readonly rows: ParityRow[];
}

/**
 * Compares dimo with the mirror on one fixture directory.
 *
 * @param dir A directory with the converted models, the inputs, the uniforms and the references.
 * @returns The references' origin and one row per comparison.
 */
export async function checkParity(dir: string): Promise<ParityReport> {
  // Everything loaded or computed is freed however the check ends, a file that fails to load included.
  const held: { dispose(): void }[] = [];
  const hold = <T extends { dispose(): void }>(value: T): T => (held.push(value), value);
  const load = async (file: string) => {
    const loaded = await loadSafetensors(`${dir}/${file}`);
    hold({ dispose: () => tf.dispose(Object.values(loaded.tensors)) });
    return loaded;
  };
  try {
    const inputs = await load("inputs.safetensors");
    const references = await load("references.safetensors");
    const transformer = hold(await loadTransformer(`${dir}/maskgit.safetensors`));
    const vqgan = hold(await loadVqgan(`${dir}/vqgan.safetensors`));
    const [x, y] = [inputs.tensors, references.tensors];
    const uniforms = hold(samplerUniforms(
      SAMPLER_SEED,
      Number(inputs.metadata.steps),
      ...(y["sampler.tokens"].shape as [number, number]),
    ));
    const written = (await load("uniforms.safetensors")).tensors.uniforms;
    if (await maxDifference(uniforms, written) !== 0) {
      throw new Error(`Cannot check parity as '${dir}/uniforms.safetensors' is not what the sampler draws`);
    }
    const logits = hold(
      transformer.apply(x["maskgit.tokens"] as tf.Tensor2D, x["maskgit.labels"] as tf.Tensor1D),
    );
    const pixels = hold(vqgan.decode(x["vqgan.codes"] as tf.Tensor2D));
    const pixelsRange = hold(tf.tidy(() => tf.stack([tf.max(y["vqgan.pixels"]), tf.min(y["vqgan.pixels"])])));
    const [high, low] = await pixelsRange.data();
    const rows = [
      await closeRow(
        "MaskGIT logits",
        logits,
        y["maskgit.logits"],
        await maxAbs(y["maskgit.logits"]),
        "the largest magnitude",
      ),
      await samplerRow(transformer, x["sampler.labels"] as tf.Tensor1D, y["sampler.tokens"], inputs.metadata),
      await closeRow("VQGAN decode: pixels", pixels, y["vqgan.pixels"], high - low, "their range"),
      await encodeRow(vqgan, x["vqgan.images"] as tf.Tensor4D, y["vqgan.tokens"], y["vqgan.margins"]),
    ];
    const { torch, device } = references.metadata;
    return { references: `PyTorch ${torch} on ${device}`, rows };
  } finally {
    held.forEach((value) => value.dispose());
  }
}

if (import.meta.main) {
  const [command, dir, flag, backend] = Deno.args;
  const usage = "usage: check.ts uniforms DIR | check.ts check DIR [--backend NAME]";
  if (!["uniforms", "check"].includes(command) || dir === undefined) {
    console.error(usage);
    Deno.exit(2);
  }
  const info = await useBackend(flag === "--backend" ? backend : chooseBackendName());
  console.log(`backend: ${info.name}`);
  if (command === "uniforms") {
    await writeUniforms(dir);
    console.log(`${dir}/uniforms.safetensors written`);
  } else {
    const { references, rows } = await checkParity(dir);
    console.log(`references by ${references}`);
    for (const row of rows) {
      console.log(`${row.pass ? "pass" : "FAIL"}  ${row.name}: ${row.measured} (required ${row.required})`);
    }
    if (!rows.every((row) => row.pass)) Deno.exit(1);
  }
}
