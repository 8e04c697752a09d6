import assert from "node:assert/strict";
import * as tf from "../backend/tf.ts";
import { useTestBackend, withoutLeaks } from "../backend/testing.ts";
import { saveConfigured } from "../io/configured.ts";
import { CheckpointMismatchError } from "../io/json.ts";
import { createRng } from "../rng/mod.ts";
import { attnBlock, downsample, groupNorm, nearestCode, upsample } from "./_vqgan_layers.ts";
import { Vqgan } from "./vqgan.ts";
import { loadVqgan, saveVqgan } from "./vqgan_checkpoint.ts";
import { resolveVqganConfig, type VqganConfig, vqganParameterShapes } from "./vqgan_config.ts";

await useTestBackend();

/** Two levels (16 × 16 images, 8 × 8 tokens), attention at level 1, 16 codes of width 8. */
const TINY: Partial<VqganConfig> = {
  channels: 32,
  channelMultipliers: [1, 2],
  resBlocks: 1,
  resolution: 16,
  attentionResolutions: [8],
  latentChannels: 8,
  embedDim: 8,
  codebookSize: 16,
};

const count = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/** Seeded random floats in [low, high), from plain JS so references need no tensors. */
function floats(n: number, seed: number, low = -1, high = 1): number[] {
  let s = seed;
  return Array.from({ length: n }, () => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return low + (high - low) * (s / 2 ** 31);
  });
}

const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>) =>
  Array.from(a).reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);

const images = (n: number, seed: number, size = 16) =>
  tf.randomUniform([n, size, size, 3], 0, 1, "float32", seed) as tf.Tensor4D;

Deno.test("vqganParameterShapes() lists the ImageNet tokenizer's 343 tensors and 72,141,699 parameters", () => {
  const shapes = vqganParameterShapes(resolveVqganConfig());
  const byName = new Map(shapes.map(({ name, shape }) => [name, shape]));
  assert.equal(shapes.length, 343);
  assert.equal(byName.size, 343);
  const total = (prefix: string) =>
    shapes.filter(({ name }) => name.startsWith(prefix)).reduce((n, { shape }) => n + count(shape), 0);
  assert.equal(total(""), 72_141_699);
  // The per-module counts of the architecture's enumeration.
  assert.equal(total("encoder."), 29_298_176);
  assert.equal(total("decoder."), 42_449_795);
  assert.equal(total("encoder.down.4."), 10_498_048);
  assert.equal(total("decoder.up.0."), 887_040);
  assert.equal(total("decoder.up.4."), 19_679_744);
  assert.equal(total("decoder.mid."), 10_494_976);
  assert.deepEqual(byName.get("decoder.up.1.block.0.nin_shortcut.weight"), [1, 1, 256, 128]);
  assert.deepEqual(byName.get("decoder.up.4.attn.2.proj_out.weight"), [1, 1, 512, 512]);
  assert.deepEqual(byName.get("encoder.conv_out.weight"), [3, 3, 512, 256]);
  assert.deepEqual(byName.get("quantize.embedding.weight"), [1024, 256]);
  for (const absent of ["decoder.up.0.upsample.conv.weight", "encoder.down.4.downsample.conv.weight"]) {
    assert.ok(!byName.has(absent), absent);
  }
  assert.deepEqual(shapes.slice(-5).map((s) => s.name), [
    "quantize.embedding.weight",
    "quant_conv.weight",
    "quant_conv.bias",
    "post_quant_conv.weight",
    "post_quant_conv.bias",
  ]);
});

Deno.test("vqganParameterShapes() places attention at the levels of attentionResolutions", () => {
  const names = vqganParameterShapes(resolveVqganConfig(TINY)).map((s) => s.name);
  const attention = names.filter((n) => n.endsWith("attn.0.norm.weight") || n.endsWith("attn.1.norm.weight"));
  assert.deepEqual(attention, [
    "encoder.down.1.attn.0.norm.weight",
    "decoder.up.1.attn.0.norm.weight",
    "decoder.up.1.attn.1.norm.weight",
  ]);
  assert.ok(names.includes("encoder.mid.attn_1.q.weight"));
});

Deno.test("resolveVqganConfig() defaults to vqgan_imagenet_f16_1024 and names a bad field", () => {
  assert.deepEqual(resolveVqganConfig(), {
    channels: 128,
    channelMultipliers: [1, 1, 2, 2, 4],
    resBlocks: 2,
    attentionResolutions: [16],
    resolution: 256,
    inChannels: 3,
    outChannels: 3,
    latentChannels: 256,
    embedDim: 256,
    codebookSize: 1024,
  });
  const bad: [Partial<VqganConfig>, RegExp][] = [
    [{ channels: 48 }, /'channels' must be a multiple of 32 \(GroupNorm groups\): current value is 48/],
    [{ channelMultipliers: [] }, /'channelMultipliers' must be a non-empty array of integers/],
    [{ channelMultipliers: [1, 0] }, /'channelMultipliers\[1\]' must be an integer >= 1/],
    [{ resolution: 200 }, /'resolution' must be a multiple of 16/],
    [
      { attentionResolutions: [12] },
      /'attentionResolutions\[0\]' must be the size of a level \(256, 128, 64, 32, 16\)/,
    ],
    [{ codebookSize: 0 }, /'codebookSize' must be an integer >= 1/],
    [{ zChannels: 4 } as Partial<VqganConfig>, /'field' must be one of/],
  ];
  for (const [partial, message] of bad) assert.throws(() => resolveVqganConfig(partial), message);
});

Deno.test("groupNorm() normalises 32 contiguous channel groups with eps 1e-6 and biased variance", async () => {
  const [positions, channels] = [2, 64];
  const x = floats(positions * channels, 1);
  // Group 0 (channels 0, 1) varies by 1e-3 only, so its result depends on eps: 1e-5 would shrink it by 3×.
  [0, 1].forEach((c) => [0, 1].forEach((pos) => x[pos * channels + c] = pos + c === 1 ? 5e-4 : -5e-4));
  const [gamma, beta] = [floats(channels, 2), floats(channels, 3)];
  const want = new Array(x.length);
  for (let g = 0; g < 32; g++) {
    const members = [0, 1].flatMap((pos) => [2 * g, 2 * g + 1].map((c) => pos * channels + c));
    const mean = members.reduce((s, i) => s + x[i], 0) / 4;
    const variance = members.reduce((s, i) => s + (x[i] - mean) ** 2, 0) / 4;
    for (const i of members) {
      const c = i % channels;
      want[i] = (x[i] - mean) / Math.sqrt(variance + 1e-6) * gamma[c] + beta[c];
    }
  }
  await withoutLeaks(async () => {
    const [input, g, b] = [
      tf.tensor4d(x, [1, positions, 1, channels]),
      tf.tensor1d(gamma),
      tf.tensor1d(beta),
    ];
    const y = groupNorm(input, g, b);
    assert.ok(maxAbsDiff(await y.data(), want) < 1e-4, `${maxAbsDiff(await y.data(), want)}`);
    tf.dispose([input, g, b, y]);
  });
});

Deno.test("downsample() pads one zero row below and one column right, then convolves with stride 2", async () => {
  const x = Array.from({ length: 16 }, (_, i) => i + 1); // a 4 × 4 image, 1..16 row by row
  const w = [1, 2, 3, 4, 5, 6, 7, 8, 9]; // w[a][b] = 3a + b + 1
  const at = (r: number, c: number) => (r < 4 && c < 4 ? x[4 * r + c] : 0);
  const want = [0, 1].flatMap((i) =>
    [0, 1].map((j) => {
      let sum = 0.5;
      for (let a = 0; a < 3; a++) for (let b = 0; b < 3; b++) sum += w[3 * a + b] * at(2 * i + a, 2 * j + b);
      return sum;
    })
  );
  // By hand, out[0][0] = 0.5 + 1·1 + 2·2 + 3·3 + 4·5 + 5·6 + 6·7 + 7·9 + 8·10 + 9·11 = 348.5.
  assert.equal(want[0], 348.5);
  await withoutLeaks(async () => {
    const weights: Record<string, tf.Tensor> = {
      "d.weight": tf.tensor4d(w, [3, 3, 1, 1]),
      "d.bias": tf.tensor1d([0.5]),
    };
    const input = tf.tensor4d(x, [1, 4, 4, 1]);
    const y = downsample(input, "d", (name) => weights[name]);
    assert.deepEqual(y.shape, [1, 2, 2, 1]);
    assert.deepEqual(Array.from(await y.data()), want);
    tf.dispose([input, y, ...Object.values(weights)]);
  });
});

Deno.test("upsample() repeats each value over a 2 × 2 block before its convolution", async () => {
  const [h, w, c] = [2, 3, 2];
  const x = Array.from({ length: h * w * c }, (_, i) => i + 1);
  const want = Array.from({ length: 4 * h * w * c }, (_, i) => {
    const [row, column, channel] = [Math.floor(i / (2 * w * c)), Math.floor(i / c) % (2 * w), i % c];
    return x[(Math.floor(row / 2) * w + Math.floor(column / 2)) * c + channel];
  });
  assert.deepEqual(want.slice(0, 8), [1, 2, 1, 2, 3, 4, 3, 4]);
  await withoutLeaks(async () => {
    // A 3 × 3 convolution that passes every channel through unchanged.
    const identity = Array.from(
      { length: 9 * c * c },
      (_, i) => (i >= 4 * c * c && i < 5 * c * c && (i - 4 * c * c) % (c + 1) === 0 ? 1 : 0),
    );
    const weights: Record<string, tf.Tensor> = {
      "u.weight": tf.tensor4d(identity, [3, 3, c, c]),
      "u.bias": tf.tensor1d([0, 0]),
    };
    const input = tf.tensor4d(x, [1, h, w, c]);
    const y = upsample(input, "u", (name) => weights[name]);
    assert.deepEqual(y.shape, [1, 2 * h, 2 * w, c]);
    assert.deepEqual(Array.from(await y.data()), want);
    tf.dispose([input, y, ...Object.values(weights)]);
  });
});

Deno.test("attnBlock() equals single-head softmax(q·kᵀ/√C)·v attention over positions, plus x", async () => {
  const [n, c] = [3, 32]; // 32 channels: each GroupNorm group is one channel over the positions
  const x = floats(n * c, 4);
  const values: Record<string, number[]> = {
    "a.norm.weight": floats(c, 5, 0.5, 1.5),
    "a.norm.bias": floats(c, 6),
  };
  ["q", "k", "v", "proj_out"].forEach((part, i) => {
    values[`a.${part}.weight`] = floats(c * c, 10 + i, -0.3, 0.3);
    values[`a.${part}.bias`] = floats(c, 20 + i, -0.1, 0.1);
  });
  // Plain-JS reference, rows = positions.
  const h = x.map((_, i) => {
    const ch = i % c;
    const column = Array.from({ length: n }, (_, r) => x[r * c + ch]);
    const mean = column.reduce((s, v) => s + v, 0) / n;
    const variance = column.reduce((s, v) => s + (v - mean) ** 2, 0) / n;
    return (x[i] - mean) / Math.sqrt(variance + 1e-6) * values["a.norm.weight"][ch] +
      values["a.norm.bias"][ch];
  });
  const dense = (rows: number[], part: string) =>
    rows.map((_, i) => {
      const [r, o] = [Math.floor(i / c), i % c];
      let sum = values[`a.${part}.bias`][o];
      for (let k = 0; k < c; k++) sum += rows[r * c + k] * values[`a.${part}.weight`][k * c + o];
      return sum;
    });
  const [q, k, v] = ["q", "k", "v"].map((part) => dense(h, part));
  const mixed = new Array(n * c).fill(0);
  for (let i = 0; i < n; i++) {
    const scores = Array.from({ length: n }, (_, j) => {
      let dot = 0;
      for (let d = 0; d < c; d++) dot += q[i * c + d] * k[j * c + d];
      return dot / Math.sqrt(c);
    });
    const top = Math.max(...scores);
    const e = scores.map((s) => Math.exp(s - top));
    const total = e.reduce((s, t) => s + t, 0);
    for (let j = 0; j < n; j++) for (let d = 0; d < c; d++) mixed[i * c + d] += (e[j] / total) * v[j * c + d];
  }
  const want = dense(mixed, "proj_out").map((y, i) => x[i] + y);
  await withoutLeaks(async () => {
    const weights = Object.fromEntries(
      Object.entries(values).map((
        [name, data],
      ) => [name, tf.tensor(data, data.length === c ? [c] : [1, 1, c, c])]),
    );
    const input = tf.tensor4d(x, [1, 1, n, c]);
    const y = attnBlock(input, "a", (name) => weights[name]);
    assert.ok(maxAbsDiff(await y.data(), want) < 1e-4, `${maxAbsDiff(await y.data(), want)}`);
    tf.dispose([input, y, ...Object.values(weights)]);
  });
});

Deno.test("nearestCode() picks the code at the smallest squared distance, the first on ties", async () => {
  await withoutLeaks(async () => {
    const codebook = tf.tensor2d([[0, 0], [1, 0], [0, 1], [1, 0], [3, 3]]);
    const z = tf.tensor2d([[0.9, 0.1], [0.2, 0.8], [0.1, 0.1], [1, 0], [2.1, 2.2], [0.5, 0.5]]);
    const ids = nearestCode(z, codebook);
    // [0.5, 0.5] is equally far from codes 0, 1, 2 and 3: the first wins.
    assert.deepEqual(Array.from(await ids.data()), [1, 2, 0, 1, 4, 0]);
    tf.dispose([codebook, z, ids]);
  });
});

Deno.test("Vqgan.encode() and decode() give tokens and images of the documented shapes, without leaks", async () => {
  const vqgan = new Vqgan(resolveVqganConfig(TINY), { rng: createRng(0) });
  await withoutLeaks(async () => {
    const x = images(2, 1);
    const tokens = vqgan.encode(x);
    assert.deepEqual([tokens.shape, tokens.dtype], [[2, 64], "int32"]);
    const ids = await tokens.data();
    assert.ok(ids.every((id) => id >= 0 && id < 16));
    const decoded = vqgan.decode(tokens);
    assert.deepEqual([decoded.shape, decoded.dtype], [[2, 16, 16, 3], "float32"]);
    assert.ok((await decoded.data()).every((v) => v >= 0 && v <= 1));
    // Any multiple of f runs: a 16 × 32 image has an 8 × 16 grid.
    const wide = tf.randomUniform([1, 16, 32, 3], 0, 1, "float32", 2) as tf.Tensor4D;
    const wideTokens = vqgan.encode(wide);
    assert.deepEqual(wideTokens.shape, [1, 128]);
    const wideImage = vqgan.decode(wideTokens, { grid: [8, 16] });
    assert.deepEqual(wideImage.shape, [1, 16, 32, 3]);
    tf.dispose([x, tokens, decoded, wide, wideTokens, wideImage]);
  });
  vqgan.dispose();
});

Deno.test("Vqgan gives the same tokens and images whatever the batch size", async () => {
  const vqgan = new Vqgan(resolveVqganConfig(TINY), { rng: createRng(1) });
  await withoutLeaks(async () => {
    const x = images(3, 3);
    const [one, all] = [vqgan.encode(x, { batch: 1 }), vqgan.encode(x, { batch: 3 })];
    assert.deepEqual(Array.from(await one.data()), Array.from(await all.data()));
    const [a, b] = [vqgan.decode(one, { batch: 2 }), vqgan.decode(one, { batch: 3 })];
    assert.ok(maxAbsDiff(await a.data(), await b.data()) < 1e-6);
    tf.dispose([x, one, all, a, b]);
  });
  vqgan.dispose();
});

Deno.test("Vqgan.encode() returns the id of the code nearest quant_conv's output", async () => {
  const source = new Vqgan(resolveVqganConfig(TINY), { rng: createRng(2) });
  const codebook = await source.namedWeights()["quantize.embedding.weight"].array() as number[][];
  for (const code of [11, 3]) {
    // quant_conv ignores the encoder and outputs code `code`, slightly moved: every latent is nearest it.
    const weights: Record<string, tf.Tensor> = {
      ...source.namedWeights(),
      "quant_conv.weight": tf.zeros([1, 1, 8, 8]),
      "quant_conv.bias": tf.tensor1d(codebook[code].map((v) => v + 1e-4)),
    };
    const vqgan = new Vqgan(source.config, { weights });
    tf.dispose([weights["quant_conv.weight"], weights["quant_conv.bias"]]);
    await withoutLeaks(async () => {
      const x = images(2, 4);
      const tokens = vqgan.encode(x);
      assert.deepEqual(Array.from(await tokens.data()), new Array(128).fill(code));
      tf.dispose([x, tokens]);
    });
    vqgan.dispose();
  }
  source.dispose();
});

Deno.test("Vqgan.decode() decodes the mask id as the last code and refuses negative ids", async () => {
  const vqgan = new Vqgan(resolveVqganConfig(TINY), { rng: createRng(3) });
  await withoutLeaks(async () => {
    const ids = Array.from({ length: 64 }, (_, i) => i % 16);
    const masked = ids.map((id) => (id === 15 ? 16 : id === 14 ? 99 : id));
    const clamped = ids.map((id) => (id === 14 ? 15 : id));
    const [m, c, plain] = [masked, clamped, ids].map((row) => tf.tensor2d([row], [1, 64], "int32"));
    const [fromMasked, fromClamped, fromPlain] = [m, c, plain].map((t) => vqgan.decode(t));
    assert.deepEqual(Array.from(await fromMasked.data()), Array.from(await fromClamped.data()));
    assert.ok(maxAbsDiff(await fromMasked.data(), await fromPlain.data()) > 0);
    const negative = tf.tensor2d([ids.map((id) => id - 1)], [1, 64], "int32");
    assert.throws(() => vqgan.decode(negative), /'tokens' must be ids ≥ 0: current value is -1/);
    tf.dispose([m, c, plain, fromMasked, fromClamped, fromPlain, negative]);
  });
  vqgan.dispose();
});

Deno.test("Vqgan.encode() and decode() refuse bad shapes, dtypes, ranges and batch sizes", async () => {
  const vqgan = new Vqgan(resolveVqganConfig(TINY), { rng: createRng(4) });
  const cases: [() => unknown, ErrorConstructor, RegExp][] = [
    [
      () => vqgan.encode(tf.zeros([1, 15, 16, 3])),
      TypeError,
      /'images' must be of height and width positive multiples of 2/,
    ],
    [
      () => vqgan.encode(tf.zeros([1, 16, 16, 4])),
      TypeError,
      /'images' must be of shape \[\*, \*, \*, 3\]: current value is \[1,16,16,4\]/,
    ],
    [() => vqgan.encode(tf.zeros([1, 16, 16, 3], "int32")), TypeError, /'images' must be of dtype float32/],
    [() => vqgan.encode(tf.fill([1, 16, 16, 3], 255)), RangeError, /'images' must be pixels in \[0, 1\]/],
    [() => vqgan.encode(tf.zeros([0, 16, 16, 3])), RangeError, /'images' must be at least one image/],
    [
      () => vqgan.encode(tf.zeros([1, 16, 16, 3]), { batch: 0 }),
      RangeError,
      /'batch' must be an integer >= 1/,
    ],
    [() => vqgan.decode(tf.zeros([1, 64])), TypeError, /'tokens' must be of dtype int32/],
    [
      () => vqgan.decode(tf.zeros([1, 63], "int32")),
      TypeError,
      /'tokens' must be a square grid of tokens per row/,
    ],
    [
      () => vqgan.decode(tf.zeros([1, 64], "int32"), { grid: [8, 4] }),
      TypeError,
      /'tokens' must be of shape \[\*, 32\] for grid \[8,4\]/,
    ],
    [
      () => vqgan.decode(tf.zeros([2, 8, 8], "int32") as unknown as tf.Tensor2D),
      TypeError,
      /'tokens' must be of shape \[\*, \*\]/,
    ],
  ];
  await withoutLeaks(() =>
    tf.tidy(() => {
      for (const [call, type, message] of cases) {
        assert.throws(call, (e: Error) => e instanceof type && message.test(e.message));
      }
    })
  );
  vqgan.dispose();
});

Deno.test("saveVqgan() and loadVqgan() round-trip a model and name a missing, mis-shaped or extra tensor", async () => {
  await Deno.mkdir(".tmp", { recursive: true });
  const dir = await Deno.makeTempDir({ dir: ".tmp" });
  try {
    await withoutLeaks(async () => {
      const config = resolveVqganConfig(TINY);
      const model = new Vqgan(config, { rng: createRng(5) });
      await saveVqgan(`${dir}/vqgan.safetensors`, model);
      const loaded = await loadVqgan(`${dir}/vqgan.safetensors`, { expected: config });
      const tokens = tf.tensor2d([Array.from({ length: 64 }, (_, i) => (7 * i) % 16)], [1, 64], "int32");
      const [a, b] = [model.decode(tokens), loaded.decode(tokens)];
      assert.deepEqual(Array.from(await a.data()), Array.from(await b.data()));
      await assert.rejects(
        loadVqgan(`${dir}/vqgan.safetensors`, {
          expected: resolveVqganConfig({ ...TINY, codebookSize: 32 }),
        }),
        CheckpointMismatchError,
      );

      const { "decoder.up.1.attn.0.q.weight": _, ...missing } = model.namedWeights();
      await saveConfigured(`${dir}/missing.safetensors`, missing, { key: "dimo.vqgan", config });
      await assert.rejects(
        loadVqgan(`${dir}/missing.safetensors`),
        /'decoder.up.1.attn.0.q.weight' must be present/,
      );

      // PyTorch's [out, in, kh, kw] layout, not transposed: the usual conversion mistake.
      const pytorchLayout = tf.zeros([32, 3, 3, 3]);
      const misshapen = { ...model.namedWeights(), "encoder.conv_in.weight": pytorchLayout };
      await saveConfigured(`${dir}/misshapen.safetensors`, misshapen, { key: "dimo.vqgan", config });
      await assert.rejects(
        loadVqgan(`${dir}/misshapen.safetensors`),
        /'encoder.conv_in.weight' must be of shape \[3, 3, 3, 32\]: current value is \[32,3,3,3\]/,
      );
      // A checkpoint converted with its training-only tensors (LPIPS, discriminator) still in it.
      const lossWeight = tf.zeros([2]);
      const extra = { ...model.namedWeights(), "loss.discriminator.main.0.weight": lossWeight };
      await saveConfigured(`${dir}/extra.safetensors`, extra, { key: "dimo.vqgan", config });
      await assert.rejects(
        loadVqgan(`${dir}/extra.safetensors`),
        /'loss.discriminator.main.0.weight' must be a parameter of this model/,
      );
      tf.dispose([tokens, a, b, pytorchLayout, lossWeight]);
      model.dispose();
      loaded.dispose();
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
