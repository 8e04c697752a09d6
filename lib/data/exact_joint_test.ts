import assert from "node:assert/strict";
import { useTestBackend } from "../backend/testing.ts";
import { createRng } from "../rng/mod.ts";
import {
  createTemplateMixture,
  type ExactJoint,
  MAX_JOINT_STATES,
  resolveTemplateMixtureSpec,
} from "./mod.ts";

await useTestBackend();

const SMALL = {
  seqLen: 3,
  symbols: 3,
  classes: 2,
  templatesPerClass: 2,
  noise: 0.3,
  minDistance: 2,
  seed: 5,
};

/** p(x | c) straight from the definition, with x given as digits (position 0 most significant). */
function bruteForceProb(joint: ExactJoint, c: number, x: number[]): number {
  const { noise, symbols } = joint.spec;
  const ts = joint.templates[c];
  return ts.reduce(
    (sum, t) => sum + x.reduce((q, s, i) => q * ((1 - noise) * (s === t[i] ? 1 : 0) + noise / symbols), 1),
    0,
  ) / ts.length;
}

/** Empirical TV per class of a sample set: ½ Σ_x |p̂(x | c) − p(x | c)|. */
function empiricalTv(joint: ExactJoint, tokens: Int32Array, labels: Int32Array): number[] {
  const L = joint.spec.seqLen;
  return joint.templates.map((_, c) => {
    const counts = new Float64Array(joint.states);
    let nc = 0;
    labels.forEach((l, r) => {
      if (l === c) nc++, counts[joint.encode(tokens.subarray(r * L, (r + 1) * L))]++;
    });
    const p = joint.probabilities(c);
    return p.reduce((s, q, x) => s + Math.abs(counts[x] / nc - q), 0) / 2;
  });
}

Deno.test("createTemplateMixture() probabilities sum to 1 and match the definition", () => {
  const joint = createTemplateMixture(SMALL);
  assert.equal(joint.states, 27);
  for (let c = 0; c < 2; c++) {
    const p = joint.probabilities(c);
    assert.ok(Math.abs(p.reduce((a, b) => a + b) - 1) < 1e-12);
    let x = 0;
    for (let a = 0; a < 3; a++) {
      for (let b = 0; b < 3; b++) {
        for (let d = 0; d < 3; d++, x++) {
          const expected = bruteForceProb(joint, c, [a, b, d]);
          assert.ok(Math.abs(p[x] - expected) < 1e-15, `p(${a}${b}${d} | ${c})`);
          assert.equal(joint.prob(c, x), p[x]);
        }
      }
    }
  }
});

Deno.test("createTemplateMixture() reference entropy is about 3.47 nats per class", () => {
  const joint = createTemplateMixture();
  const { noise, symbols, seqLen, templatesPerClass } = joint.spec;
  const keep = 1 - noise + noise / symbols, other = noise / symbols;
  const tokenEntropy = -keep * Math.log(keep) - (symbols - 1) * other * Math.log(other);
  // Perfectly separated modes: ln K + L·h = 3.4790; overlap can only lower it.
  const separated = Math.log(templatesPerClass) + seqLen * tokenEntropy;
  for (let c = 0; c < 4; c++) {
    const p = joint.probabilities(c);
    const h = joint.entropy(c);
    assert.ok(Math.abs(h + p.reduce((s, q) => s + q * Math.log(q), 0)) < 1e-12);
    // Seed 0 gives 3.4665, 3.4609, 3.4653, 3.4721.
    assert.ok(h > 3.45 && h < separated, `H(x | ${c}) = ${h}`);
  }
});

Deno.test("createTemplateMixture() templates are seeded, distinct, apart and the modes", () => {
  const joint = createTemplateMixture();
  const all = joint.templates.flat();
  assert.equal(all.length, 16);
  for (let a = 0; a < all.length; a++) {
    for (let b = a + 1; b < all.length; b++) {
      const d = all[a].filter((s, i) => s !== all[b][i]).length;
      assert.ok(d >= 3, `templates ${a} and ${b} at distance ${d}`);
    }
  }
  assert.deepEqual(createTemplateMixture().templates, joint.templates);
  assert.notDeepEqual(createTemplateMixture({ seed: 1 }).templates, joint.templates);
  for (let c = 0; c < 4; c++) {
    const p = joint.probabilities(c);
    const top = Array.from(p.keys()).sort((x, y) => p[y] - p[x]).slice(0, 4).sort((x, y) => x - y);
    assert.deepEqual(top, joint.templates[c].map((t) => joint.encode(t)).sort((x, y) => x - y));
  }
});

Deno.test("createTemplateMixture() puts all mass on templates at noise 0 and none at noise 1", () => {
  const exact = createTemplateMixture({ ...SMALL, noise: 0 });
  const p = exact.probabilities(0);
  for (const t of exact.templates[0]) assert.equal(p[exact.encode(t)], 0.5);
  assert.equal(p.filter((q) => q > 0).length, 2);
  const uniform = createTemplateMixture({ ...SMALL, noise: 1 });
  assert.ok(uniform.probabilities(1).every((q) => Math.abs(q - 1 / 27) < 1e-15));
});

Deno.test("encode() and decode() are inverse, with position 0 most significant", () => {
  const joint = createTemplateMixture();
  for (let x = 0; x < joint.states; x++) assert.equal(joint.encode(joint.decode(x)), x);
  assert.equal(joint.encode([0, 0, 0, 0, 0, 1]), 1);
  assert.equal(joint.encode([1, 0, 0, 0, 0, 0]), 4 ** 5);
  assert.deepEqual(Array.from(joint.decode(4 ** 6 - 1)), [3, 3, 3, 3, 3, 3]);
  assert.throws(() => joint.encode([0, 1]), TypeError);
  assert.throws(() => joint.encode([0, 0, 0, 0, 0, 4]), /'tokens'/);
  assert.throws(() => joint.decode(4 ** 6), RangeError);
});

Deno.test("marginals() equal the joint summed over the other positions", () => {
  const joint = createTemplateMixture(SMALL);
  for (let c = 0; c < 2; c++) {
    const m = joint.marginals(c);
    const summed = m.map((row) => row.map(() => 0));
    joint.probabilities(c).forEach((q, x) => joint.decode(x).forEach((s, i) => summed[i][s] += q));
    m.forEach((row, i) => row.forEach((v, s) => assert.ok(Math.abs(v - summed[i][s]) < 1e-15)));
  }
});

Deno.test("sample() frequencies converge to prob() (TV of 200k samples below 0.035)", () => {
  const joint = createTemplateMixture();
  const { tokens, labels } = joint.sample(200_000, createRng(1));
  // Labels uniform: 50,000 per class, standard deviation about 194.
  for (let c = 0; c < 4; c++) assert.ok(Math.abs(labels.filter((l) => l === c).length - 50_000) < 1_000);
  // A perfect sampler's expected TV at 50k per class is about 0.0275 (normal approximation).
  for (const tv of empiricalTv(joint, tokens, labels)) assert.ok(tv < 0.035, `TV ${tv}`);
});

Deno.test("sampleProductOfMarginals() matches the true per-position marginals", () => {
  const joint = createTemplateMixture();
  const n = 100_000;
  const labels = Int32Array.from({ length: n }, (_, r) => r % 2); // classes 0 and 1 only
  const { tokens } = joint.sampleProductOfMarginals(n, createRng(2), { labels });
  for (let c = 0; c < 2; c++) {
    joint.marginals(c).forEach((row, i) => {
      row.forEach((m, s) => {
        let hits = 0;
        for (let r = c; r < n; r += 2) if (tokens[r * 6 + i] === s) hits++;
        const sd = Math.sqrt(m * (1 - m) / (n / 2));
        assert.ok(Math.abs(hits / (n / 2) - m) < 5 * sd, `class ${c} position ${i} symbol ${s}`);
      });
    });
  }
});

Deno.test("sample() uses given labels and checks them", () => {
  const joint = createTemplateMixture();
  const { labels, tokens } = joint.sample(3, createRng(0), { labels: [2, 0, 2] });
  assert.deepEqual(Array.from(labels), [2, 0, 2]);
  assert.equal(tokens.length, 18);
  assert.throws(() => joint.sample(3, createRng(0), { labels: [0, 1] }), TypeError);
  assert.throws(() => joint.sampleProductOfMarginals(1, createRng(0), { labels: [4] }), /'options.labels'/);
  assert.throws(() => joint.sample(1, createRng(0), { labels: [0.5] }), RangeError);
  assert.throws(() => joint.sample(-1, createRng(0)), /'n'/);
});

Deno.test("createTemplateMixture() rejects bad specs with a RangeError naming the field", () => {
  const bad: [Record<string, number>, string][] = [
    [{ seqLen: 0 }, "seqLen"],
    [{ symbols: 1 }, "symbols"],
    [{ classes: 1.5 }, "classes"],
    [{ templatesPerClass: 0 }, "templatesPerClass"],
    [{ noise: -0.1 }, "noise"],
    [{ noise: NaN }, "noise"],
    [{ minDistance: 7 }, "minDistance"],
    [{ seed: 0.5 }, "seed"],
    [{ seqLen: 11 }, "symbols \\*\\* seqLen"],
    // Four templates pairwise at distance 2 do not fit in {0, 1}^2.
    [{ seqLen: 2, symbols: 2, classes: 2, templatesPerClass: 2, minDistance: 2 }, "minDistance"],
  ];
  for (const [spec, field] of bad) {
    assert.throws(() => createTemplateMixture(spec), new RegExp(`RangeError: Cannot .* as '${field}'`));
  }
  assert.equal(resolveTemplateMixtureSpec({ seqLen: 10 }).seqLen, 10); // 4^10 = 2^20 is allowed
  assert.equal(MAX_JOINT_STATES, 2 ** 20);
});
