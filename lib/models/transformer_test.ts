import assert from "node:assert/strict";
import * as tf from "../backend/tf.ts";
import { useBackend } from "../backend/select.ts";
import { useTestBackend, withoutLeaks } from "../backend/testing.ts";
import { createRng } from "../rng/mod.ts";
import { resolveTransformerConfig, type TransformerConfig } from "./config.ts";
import { Transformer } from "./transformer.ts";

const backend = await useTestBackend();

/** K = 7 codes (mask id 7), C = 3 classes (null id 3), L = 5, d = 8. */
function tiny(overrides: Partial<TransformerConfig> = {}): TransformerConfig {
  return resolveTransformerConfig({
    codebookSize: 7,
    numClasses: 3,
    seqLen: 5,
    width: 8,
    heads: 2,
    layers: 2,
    ...overrides,
  });
}

const tokens = (rows: number[][]) => tf.tensor2d(rows, [rows.length, rows[0].length], "int32");
const labels = (ids: number[]) => tf.tensor1d(ids, "int32");
const TOKENS = [[0, 7, 3, 7, 6], [1, 2, 7, 7, 7]];
const LABELS = [2, 3];

/** Runs the model on `TOKENS`/`LABELS` and reads the logits back. */
async function logitsOf(
  model: Transformer,
  options: Parameters<Transformer["apply"]>[2] = {},
): Promise<Float32Array> {
  const [x, y] = [tokens(TOKENS), labels(LABELS)];
  const z = model.apply(x, y, options);
  const data = await z.data() as Float32Array;
  tf.dispose([x, y, z]);
  return data;
}

const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>) =>
  Array.from(a).reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);

Deno.test("Transformer.apply() returns [B, L, V] logits for every head layout", async () => {
  const layouts = [
    { tiedHead: true, outputMaskClass: true, vocab: 8 },
    { tiedHead: true, outputMaskClass: false, vocab: 7 },
    { tiedHead: false, outputMaskClass: true, vocab: 8 },
  ];
  await withoutLeaks(() => {
    for (const { tiedHead, outputMaskClass, vocab } of layouts) {
      const model = new Transformer(tiny({ tiedHead, outputMaskClass }), { rng: createRng(0) });
      const [x, y] = [tokens(TOKENS), labels(LABELS)];
      const z = model.apply(x, y);
      assert.deepEqual(z.shape, [2, 5, vocab]);
      assert.equal(z.dtype, "float32");
      assert.equal(model.layout.vocabSize, vocab);
      tf.dispose([x, y, z]);
      model.dispose();
    }
  });
});

Deno.test("Transformer names its parameters like a PyTorch state dict", async () => {
  await withoutLeaks(() => {
    const model = new Transformer(tiny({ layers: 1 }), { rng: createRng(0) });
    const shapes = Object.fromEntries(
      Object.entries(model.namedWeights()).map(([name, v]) => [name, v.shape]),
    );
    assert.deepEqual(shapes, {
      "tok_emb.weight": [12, 8],
      "pos_emb": [6, 8],
      "blocks.0.ln1.weight": [8],
      "blocks.0.ln1.bias": [8],
      "blocks.0.attn.qkv.weight": [8, 24],
      "blocks.0.attn.qkv.bias": [24],
      "blocks.0.attn.proj.weight": [8, 8],
      "blocks.0.attn.proj.bias": [8],
      "blocks.0.ln2.weight": [8],
      "blocks.0.ln2.bias": [8],
      "blocks.0.mlp.fc1.weight": [8, 32],
      "blocks.0.mlp.fc1.bias": [32],
      "blocks.0.mlp.fc2.weight": [32, 8],
      "blocks.0.mlp.fc2.bias": [8],
      "ln_f.weight": [8],
      "ln_f.bias": [8],
      "head.bias": [5, 8],
    });
    model.dispose();
  });
});

Deno.test("Transformer initialises with a seeded truncated normal (std 0.02), LN γ = 1, β = 0, biases 0", async () => {
  await withoutLeaks(async () => {
    const config = tiny({ codebookSize: 2000, width: 16 });
    const [a, b, c] = [createRng(5), createRng(5), createRng(6)].map((rng) =>
      new Transformer(config, { rng })
    );
    const table = await a.namedWeights()["tok_emb.weight"].data();
    const std = Math.sqrt(Array.from(table).reduce((s, v) => s + v * v, 0) / table.length);
    // A normal truncated at ±2σ has std 0.8796σ; 32k draws pin it to about ±1 %.
    assert.ok(Math.abs(std - 0.02 * 0.8796) < 0.0005, `std ${std}`);
    assert.ok(table.every((v) => Math.abs(v) <= 0.04));
    assert.deepEqual(await a.namedWeights()["pos_emb"].data(), await b.namedWeights()["pos_emb"].data());
    assert.notDeepEqual(await a.namedWeights()["pos_emb"].data(), await c.namedWeights()["pos_emb"].data());
    const ln = await a.namedWeights()["blocks.1.ln2.weight"].data();
    const bias = await a.namedWeights()["blocks.1.mlp.fc1.bias"].data();
    assert.ok(ln.every((v) => v === 1) && bias.every((v) => v === 0));
    [a, b, c].forEach((m) => m.dispose());
  });
});

Deno.test("Transformer's tied head reuses the embedding table: gradient reaches rows no input uses", async () => {
  await withoutLeaks(async () => {
    // Code 4 appears in no input, so only the head can give its table row a gradient.
    const rowGradient = async (tiedHead: boolean) => {
      const model = new Transformer(tiny({ tiedHead }), { rng: createRng(1) });
      const norm = tf.tidy(() => {
        const [x, y] = [tokens(TOKENS), labels(LABELS)];
        const table = model.namedWeights()["tok_emb.weight"];
        const { grads } = tf.variableGrads(() => tf.sum(tf.square(model.apply(x, y))), [table]);
        return tf.norm(tf.slice(grads[table.name], [4, 0], [1, 8]));
      });
      const [value] = await norm.data(); // asynchronous reads work on every backend, webgpu too
      tf.dispose([norm]);
      model.dispose();
      return value;
    };
    assert.ok(await rowGradient(true) > 1e-6);
    assert.equal(await rowGradient(false), 0);
  });
});

Deno.test("Transformer gives every parameter a gradient", async () => {
  await withoutLeaks(async () => {
    const model = new Transformer(tiny({ tiedHead: false }), { rng: createRng(2) });
    const named = model.namedWeights();
    const norms = tf.tidy(() => {
      const [x, y] = [tokens(TOKENS), labels(LABELS)];
      const { grads } = tf.variableGrads(
        () => tf.sum(tf.square(model.apply(x, y))),
        model.trainableVariables(),
      );
      // Class rows and the mask row are inputs here; other codes only reach the head when tied.
      return tf.stack(
        Object.entries(named).map(([name, variable]) => {
          assert.ok(grads[variable.name] !== undefined, `${name} has no gradient`);
          return tf.norm(grads[variable.name]);
        }),
      );
    });
    const values = await norms.data();
    Object.keys(named).forEach((name, i) => assert.ok(values[i] > 0, `${name} has a zero gradient`));
    norms.dispose();
    model.dispose();
  });
});

Deno.test("Transformer recomputeActivations gives the same logits and gradients, dropout masks included", async () => {
  await withoutLeaks(async () => {
    const model = new Transformer(tiny({ layers: 3, maskgitLayers: true }), { rng: createRng(2) });
    const [x, y] = [tokens(TOKENS), labels(LABELS)];
    const noise = tf.randomNormal([2, 5, 8], 0, 1, "float32", 5) as tf.Tensor3D;
    const gradients = (recomputeActivations: boolean) =>
      tf.tidy(() => {
        const rng = createRng(9);
        const options = { training: true, rng, embeddingNoise: { sigma: 0.1, noise }, recomputeActivations };
        const { value, grads } = tf.variableGrads(
          () => tf.sum(tf.square(model.apply(x, y, options))),
          model.trainableVariables(),
        );
        return [value, ...model.trainableVariables().map((v) => grads[v.name])];
      });
    const [kept, recomputed] = [gradients(false), gradients(true)];
    assert.equal(recomputed.length, kept.length);
    for (let i = 0; i < kept.length; i++) {
      const [a, b] = [await kept[i].data(), await recomputed[i].data()];
      assert.ok(a.some((v) => v !== 0), `tensor ${i} is all zeros`);
      assert.deepEqual(b, a, `tensor ${i} differs`);
    }
    tf.dispose([x, y, noise, ...kept, ...recomputed]);
    model.dispose();
  });
});

Deno.test("Transformer.freeze() keeps frozen variables out of trainableVariables() and out of an Adam step", async () => {
  await withoutLeaks(async () => {
    const model = new Transformer(tiny(), { rng: createRng(3) });
    model.freeze(["tok_emb", "blocks.0", "head.bias"]);
    const frozen = Object.entries(model.namedWeights()).filter(([, v]) => !v.trainable).map(([name]) => name);
    assert.equal(frozen.length, 1 + 12 + 1);
    assert.ok(frozen.every((name) => /^(tok_emb\.weight|blocks\.0\.|head\.bias)/.test(name)));
    const trainable = new Set(model.trainableVariables());
    assert.ok(frozen.every((name) => !trainable.has(model.namedWeights()[name])));

    const before = await Promise.all(Object.values(model.namedWeights()).map((v) => v.data()));
    const optimizer = tf.train.adam(1e-2);
    const [x, y] = [tokens(TOKENS), labels(LABELS)];
    optimizer.minimize(() => tf.sum(tf.square(model.apply(x, y))), true, model.trainableVariables())
      ?.dispose();
    const after = await Promise.all(Object.values(model.namedWeights()).map((v) => v.data()));
    Object.keys(model.namedWeights()).forEach((name, i) => {
      const changed = maxAbsDiff(before[i], after[i]) > 0;
      assert.equal(changed, !frozen.includes(name), `${name} changed: ${changed}`);
    });
    model.unfreeze(["blocks.0.mlp"]);
    assert.equal(
      model.trainableVariables().length,
      Object.keys(model.namedWeights()).length - frozen.length + 4,
    );
    assert.throws(() => model.freeze(["blocks.9"]), /'patterns' must be names or prefixes of parameters/);
    tf.dispose([x, y]);
    optimizer.dispose();
    model.dispose();
  });
});

Deno.test("Transformer.freeze() matches dotted prefixes, not string prefixes", async () => {
  await withoutLeaks(() => {
    const model = new Transformer(tiny({ layers: 11, width: 2, heads: 1 }), { rng: createRng(0) });
    model.freeze(["blocks.1"]);
    const named = model.namedWeights();
    assert.equal(named["blocks.1.ln1.weight"].trainable, false);
    assert.equal(named["blocks.10.ln1.weight"].trainable, true);
    model.dispose();
  });
});

Deno.test("Transformer dropout is off by default, seeded when training, and needs an Rng", async () => {
  await withoutLeaks(async () => {
    const model = new Transformer(tiny({ dropout: 0.3 }), { rng: createRng(4) });
    const evalA = await logitsOf(model), evalB = await logitsOf(model);
    assert.deepEqual(evalA, evalB);
    const trainA = await logitsOf(model, { training: true, rng: createRng(9) });
    const trainB = await logitsOf(model, { training: true, rng: createRng(9) });
    const trainC = await logitsOf(model, { training: true, rng: createRng(10) });
    assert.deepEqual(trainA, trainB);
    assert.ok(maxAbsDiff(trainA, evalA) > 1e-4);
    assert.ok(maxAbsDiff(trainA, trainC) > 1e-4);
    const [x, y] = [tokens(TOKENS), labels(LABELS)];
    assert.throws(
      () => model.apply(x, y, { training: true }),
      /'rng' must be an Rng when training with dropout/,
    );
    tf.dispose([x, y]);
    model.dispose();
    const noDropout = new Transformer(tiny({ dropout: 0 }), { rng: createRng(4) });
    assert.deepEqual(await logitsOf(noDropout, { training: true }), await logitsOf(noDropout));
    noDropout.dispose();
  });
});

Deno.test("Transformer embedding noise: σ = 0 changes nothing, σ > 0 changes the logits", async () => {
  await withoutLeaks(async () => {
    const model = new Transformer(tiny(), { rng: createRng(5) });
    const noise = tf.randomNormal([2, 5, 8], 0, 1, "float32", 11) as tf.Tensor3D;
    const clean = await logitsOf(model);
    assert.deepEqual(await logitsOf(model, { embeddingNoise: { sigma: 0, noise } }), clean);
    const noisy = await logitsOf(model, { embeddingNoise: { sigma: 0.1, noise } });
    assert.ok(maxAbsDiff(noisy, clean) > 1e-3);
    assert.deepEqual(await logitsOf(model, { embeddingNoise: { sigma: 0.1, noise } }), noisy);
    const [x, y] = [tokens(TOKENS), labels(LABELS)];
    assert.throws(() => model.apply(x, y, { embeddingNoise: { sigma: 1, noise } }), RangeError);
    const wrong = tf.zeros([2, 6, 8]) as tf.Tensor3D;
    assert.throws(
      () => model.apply(x, y, { embeddingNoise: { sigma: 0.1, noise: wrong } }),
      /'embeddingNoise.noise' must be of shape \[2, 5, 8\]/,
    );
    tf.dispose([x, y, noise, wrong]);
    model.dispose();
  });
});

Deno.test("Transformer embedding noise is σ·n + √(1−σ²)·e on visual tokens only, not on the class token", async () => {
  await withoutLeaks(async () => {
    // Every visual token is code 2 and n is one vector c at every position, so the noise equals
    // replacing table row 2 by σ·c + √(1−σ²)·row 2. The untied head keeps the table out of the
    // output; a perturbed class token would change the logits through attention.
    const sigma = 0.6;
    const config = tiny({ tiedHead: false });
    const model = new Transformer(config, { rng: createRng(6) });
    const c = tf.randomNormal([8], 0, 1, "float32", 3);
    const noise = tf.tidy(() => tf.tile(tf.reshape(c, [1, 1, 8]), [2, 5, 1])) as tf.Tensor3D;
    const [x, y] = [tokens([[2, 2, 2, 2, 2], [2, 2, 2, 2, 2]]), labels([0, 1])];
    const noisy = model.apply(x, y, { embeddingNoise: { sigma, noise } });

    const table = model.namedWeights()["tok_emb.weight"];
    const edited = tf.tidy(() => {
      const row = tf.add(
        tf.mul(c, sigma),
        tf.mul(tf.slice(table, [2, 0], [1, 8]), Math.sqrt(1 - sigma ** 2)),
      );
      return tf.concat([
        tf.slice(table, [0, 0], [2, 8]),
        tf.reshape(row, [1, 8]),
        tf.slice(table, [3, 0], [9, 8]),
      ]);
    });
    const twin = new Transformer(config, { weights: { ...model.namedWeights(), "tok_emb.weight": edited } });
    const expected = twin.apply(x, y);
    assert.ok(maxAbsDiff(await noisy.data(), await expected.data()) < 1e-5);
    tf.dispose([c, noise, x, y, noisy, edited, expected]);
    twin.dispose();
    model.dispose();
  });
});

Deno.test("Transformer attention is bidirectional: the last token changes the first position's logits", async () => {
  await withoutLeaks(async () => {
    const model = new Transformer(tiny(), { rng: createRng(7) });
    const run = async (rows: number[][]) => {
      const [x, y] = [tokens(rows), labels([0])];
      const z = model.apply(x, y);
      const data = Array.from(await z.data());
      tf.dispose([x, y, z]);
      return data;
    };
    const base = await run([[1, 2, 3, 4, 5]]);
    const lastChanged = await run([[1, 2, 3, 4, 6]]);
    const firstChanged = await run([[0, 2, 3, 4, 5]]);
    const position = (z: number[], i: number) => z.slice(i * 8, (i + 1) * 8);
    assert.ok(maxAbsDiff(position(base, 0), position(lastChanged, 0)) > 1e-6);
    assert.ok(maxAbsDiff(position(base, 4), position(firstChanged, 4)) > 1e-6);
    model.dispose();
  });
});

Deno.test("Transformer.apply() checks shapes, dtypes and ids before any tensor work", async () => {
  await withoutLeaks(() => {
    const model = new Transformer(tiny(), { rng: createRng(8) });
    const good = tokens(TOKENS), goodLabels = labels(LABELS);
    const cases: [tf.Tensor, tf.Tensor, RegExp][] = [
      [
        tokens([[0, 1, 2, 3, 8], [0, 0, 0, 0, 0]]),
        goodLabels,
        /'tokens' must be ids in \[0, 7\]: current value is 8/,
      ],
      [
        tokens([[0, 1, 2, 3, -1], [0, 0, 0, 0, 0]]),
        goodLabels,
        /'tokens' must be ids in \[0, 7\]: current value is -1/,
      ],
      [good, labels([0, 4]), /'labels' must be ids in \[0, 3\]: current value is 4/],
      [tf.zeros([2, 5]), goodLabels, /'tokens' must be of dtype int32/],
      [tokens([[0, 1, 2, 3]]), labels([0]), /'tokens' must be of shape \[\*, 5\]/],
      [good, labels([0]), /'labels' must be of shape \[2\]/],
    ];
    // Id ranges are read back synchronously, which WebGPU under Deno cannot do: there only shapes
    // and dtypes are checked (see checkIds).
    for (const [x, y, message] of backend.name === "webgpu" ? cases.slice(3) : cases) {
      const before = tf.memory().numTensors;
      assert.throws(() => model.apply(x as tf.Tensor2D, y as tf.Tensor1D), message);
      assert.equal(tf.memory().numTensors, before);
    }
    const unchecked = model.apply(cases[0][0] as tf.Tensor2D, goodLabels, { validateIds: false });
    tf.dispose([unchecked, ...cases.flatMap(([x, y]) => [x, y])]);
    model.dispose();
  });
});

Deno.test("Transformer.asDenoiser() gives apply()'s logits", async () => {
  await withoutLeaks(async () => {
    const model = new Transformer(tiny(), { rng: createRng(9) });
    const [x, y] = [tokens(TOKENS), labels(LABELS)];
    const z = model.asDenoiser()(x, y);
    assert.deepEqual(await z.data(), await logitsOf(model));
    tf.dispose([x, y, z]);
    model.dispose();
  });
});

Deno.test("Transformer.clone() is independent and keeps the frozen parameters", async () => {
  await withoutLeaks(async () => {
    const teacher = new Transformer(tiny(), { rng: createRng(10) });
    teacher.freeze(["tok_emb"]);
    const student = teacher.clone();
    assert.deepEqual(await logitsOf(student), await logitsOf(teacher));
    assert.equal(student.namedWeights()["tok_emb.weight"].trainable, false);
    assert.equal(student.trainableVariables().length, teacher.trainableVariables().length);
    const before = await logitsOf(teacher);
    const optimizer = tf.train.adam(1e-2);
    const [x, y] = [tokens(TOKENS), labels(LABELS)];
    optimizer.minimize(() => tf.sum(student.apply(x, y)), true, student.trainableVariables())?.dispose();
    assert.deepEqual(await logitsOf(teacher), before);
    assert.ok(maxAbsDiff(await logitsOf(student), before) > 1e-4);
    student.dispose();
    assert.deepEqual(await logitsOf(teacher), before);
    tf.dispose([x, y]);
    optimizer.dispose();
    teacher.dispose();
  });
});

Deno.test("Transformer.loadWeights() checks every name and shape and assigns nothing on failure", async () => {
  await withoutLeaks(async () => {
    const a = new Transformer(tiny(), { rng: createRng(11) });
    const b = new Transformer(tiny(), { rng: createRng(12) });
    const original = await logitsOf(b);
    const weights = a.namedWeights() as Record<string, tf.Tensor>;
    const wrongShape = tf.zeros([7, 8]);
    assert.throws(
      () => b.loadWeights({ ...weights, "pos_emb": wrongShape }),
      new TypeError("Cannot load weights as 'pos_emb' must be of shape [6, 8]: current value is [7,8]"),
    );
    const { "ln_f.bias": _, ...missing } = weights;
    assert.throws(() => b.loadWeights(missing), /'ln_f.bias' must be present/);
    assert.throws(() => b.loadWeights({ ...weights, "extra": wrongShape }), /'extra' must be a parameter/);
    assert.throws(() => new Transformer(tiny(), { weights: missing }), TypeError);
    assert.deepEqual(await logitsOf(b), original);
    b.loadWeights(weights);
    assert.deepEqual(await logitsOf(b), await logitsOf(a));
    wrongShape.dispose();
    a.dispose();
    b.dispose();
  });
});

Deno.test("Transformer training steps leak no tensors", async () => {
  await withoutLeaks(() => {
    const model = new Transformer(tiny(), { rng: createRng(13) });
    const optimizer = tf.train.adam(1e-3);
    const [x, y] = [tokens(TOKENS), labels(LABELS)];
    const rng = createRng(14);
    const noise = tf.randomNormal([2, 5, 8], 0, 1, "float32", 5) as tf.Tensor3D;
    const loss = (): tf.Scalar => {
      const z = model.apply(x, y, { training: true, rng, embeddingNoise: { sigma: 0.1, noise } });
      return tf.mean(tf.square(z));
    };
    const step = () => optimizer.minimize(loss, true, model.trainableVariables())?.dispose();
    step(); // creates Adam's moments
    const count = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) step();
    assert.equal(tf.memory().numTensors, count);
    tf.dispose([x, y, noise]);
    optimizer.dispose();
    model.dispose();
  });
});

Deno.test({
  name: "Transformer logits agree between the cpu and wasm backends",
  // Moving a model's weights off WebGPU reads them synchronously, which Deno's WebGPU cannot do.
  ignore: backend.name === "webgpu",
  fn: async () => {
    const other = backend.name === "cpu" ? "wasm" : "cpu";
    await withoutLeaks(async () => {
      const model = new Transformer(tiny(), { rng: createRng(15) });
      const here = await logitsOf(model);
      await useBackend(other);
      try {
        const there = await logitsOf(model);
        assert.ok(maxAbsDiff(here, there) < 1e-5, `max diff ${maxAbsDiff(here, there)}`);
      } finally {
        await useBackend(backend.name);
      }
      model.dispose();
    });
  },
});

Deno.test("Transformer with maskgitLayers has MaskGIT's first_layer and last_layer in place of ln_f", async () => {
  await withoutLeaks(async () => {
    const model = new Transformer(tiny({ maskgitLayers: true }), { rng: createRng(0) });
    const names = Object.keys(model.namedWeights());
    for (
      const name of [
        "first.norm1",
        "first.fc1",
        "first.norm2",
        "first.fc2",
        "last.norm1",
        "last.fc",
        "last.norm2",
      ]
    ) {
      assert.ok(names.includes(`${name}.weight`) && names.includes(`${name}.bias`), name);
    }
    assert.ok(!names.includes("ln_f.weight"));
    assert.deepEqual(model.namedWeights()["first.fc1.weight"].shape, [8, 8]);
    // Both layers act on the stream: zeroing first.fc1 makes every row after first_layer the same
    // constant, so the logits no longer depend on the tokens or the label.
    const before = await logitsOf(model);
    const zero = (...names: string[]) =>
      tf.tidy(() =>
        names.forEach((name) => model.namedWeights()[name].assign(tf.zerosLike(model.namedWeights()[name])))
      );
    zero("first.fc1.weight", "first.fc1.bias");
    const after = await logitsOf(model);
    assert.notDeepEqual(Array.from(before), Array.from(after));
    const perPosition = (data: Float32Array, batch: number) =>
      Array.from(data.slice(batch * 5 * 8, (batch + 1) * 5 * 8));
    assert.deepEqual(perPosition(after, 0), perPosition(after, 1));
    // last_layer ends in a LayerNorm whose β alone survives a zero last.fc: logits = β·tok_embᵀ + bias.
    zero("last.fc.weight", "last.fc.bias");
    const flat = await logitsOf(model);
    const bias = await model.namedWeights()["head.bias"].data();
    const table = model.namedWeights()["tok_emb.weight"];
    const beta = model.namedWeights()["last.norm2.bias"];
    const expected = tf.tidy(() =>
      tf.add(tf.matMul(tf.reshape(beta, [1, 8]), table.slice([0, 0], [8, 8]), false, true), 0)
    );
    const row = await expected.data();
    expected.dispose();
    for (let position = 0; position < 5; position++) {
      for (let v = 0; v < 8; v++) {
        assert.ok(Math.abs(flat[position * 8 + v] - (row[v] + bias[position * 8 + v])) < 1e-5);
      }
    }
    model.dispose();
  });
});
