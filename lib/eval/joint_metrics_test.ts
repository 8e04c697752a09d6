import assert from "node:assert/strict";
import { useTestBackend } from "../backend/testing.ts";
import { createTemplateMixture, type ExactJoint, type TokenSamples } from "../data/mod.ts";
import { createRng } from "../rng/mod.ts";
import { evaluateSamples, modeCoverage, noiseFloor, totalVariation, trueNll } from "./mod.ts";

await useTestBackend();

const joint = createTemplateMixture();
const N = 200_000;

/** Rows given as token lists, with their labels. */
function rows(list: (readonly number[])[], labels: number[]): TokenSamples {
  return { tokens: Int32Array.from(list.flat()), labels: Int32Array.from(labels) };
}

/** Exact TV between the product of the true marginals and the truth, per class. */
function exactProductTv(j: ExactJoint, c: number): number {
  const m = j.marginals(c);
  return j.probabilities(c).reduce((s, p, x) => {
    const q = j.decode(x).reduce((prod, sym, i) => prod * m[i][sym], 1);
    return s + Math.abs(q - p);
  }, 0) / 2;
}

Deno.test("totalVariation() equals the closed form for one- and two-point empirical sets", () => {
  const [t0, t1] = joint.templates[1];
  const p0 = joint.prob(1, joint.encode(t0)), p1 = joint.prob(1, joint.encode(t1));
  const one = totalVariation(joint, rows([t0], [1]));
  assert.ok(Math.abs(one.tv - (1 - p0)) < 1e-12);
  assert.ok(one.tvPerClass.every((tv, c) => (c === 1 ? tv === one.tv : Number.isNaN(tv))));
  const two = totalVariation(joint, rows([t0, t1, t0, t1], [1, 1, 1, 1]));
  const expected = (Math.abs(0.5 - p0) + Math.abs(0.5 - p1) + (1 - p0 - p1)) / 2;
  assert.ok(Math.abs(two.tv - expected) < 1e-12);
});

Deno.test("evaluateSamples() of truth samples sits at the noise floor, NLL at the entropy", () => {
  const truth = evaluateSamples(joint, joint.sample(N, createRng(1)));
  const floor = noiseFloor(joint, { n: N, rng: createRng(2) });
  // Normal approximation of a perfect sampler's TV with 50k per class: ½ Σ_x √(2p(1−p)/(π n_c)).
  const predicted = joint.templates.map((_, c) =>
    joint.probabilities(c).reduce((s, p) => s + Math.sqrt(2 * p * (1 - p) / (Math.PI * N / 4)), 0) / 2
  );
  const meanPredicted = predicted.reduce((a, b) => a + b) / 4; // 0.0276
  for (const m of [truth, floor]) {
    assert.ok(Math.abs(m.tv - meanPredicted) < 0.003, `TV ${m.tv} vs ${meanPredicted}`);
    // −ln p has a standard deviation near 1.2 nats: the mean of 200k is within ~0.003.
    assert.ok(Math.abs(m.nll - m.entropy) < 0.015, `NLL ${m.nll} vs H ${m.entropy}`);
    assert.equal(m.modeCoverage, 1);
    assert.equal(m.impossible, 0);
    assert.equal(m.n, N);
  }
  assert.ok(Math.abs(truth.tv - floor.tv) < 0.003);
});

Deno.test("evaluateSamples() of the product of marginals is far from the truth (TV ≈ 0.8)", () => {
  const product = evaluateSamples(joint, joint.sampleProductOfMarginals(N, createRng(3)));
  const exact = joint.templates.map((_, c) => exactProductTv(joint, c)); // 0.808, 0.800, 0.799, 0.853
  const meanExact = exact.reduce((a, b) => a + b) / 4; // 0.815
  assert.ok(meanExact > 0.75 && meanExact < 0.85);
  // At 50k per class the empirical TV exceeds the exact one by at most the noise floor.
  assert.ok(product.tv >= meanExact - 0.005 && product.tv < meanExact + 0.03, `TV ${product.tv}`);
  // It spreads mass off the modes: NLL far above the entropy, yet every mode is still hit.
  assert.ok(product.nll > product.entropy + 3);
  assert.equal(product.modeCoverage, 1);
});

Deno.test("modeCoverage() and trueNll() flag a sampler that only outputs one template", () => {
  const labels = Array.from({ length: 400 }, (_, r) => r % 4);
  const collapsed = rows(labels.map((c) => joint.templates[c][0]), labels);
  const coverage = modeCoverage(joint, collapsed);
  assert.equal(coverage.modeCoverage, 0.25);
  assert.deepEqual(coverage.modeCoveragePerClass, [0.25, 0.25, 0.25, 0.25]);
  const { nll } = trueNll(joint, collapsed);
  const expected =
    -joint.templates.reduce((s, ts, c) => s + Math.log(joint.prob(c, joint.encode(ts[0]))), 0) / 4;
  assert.ok(Math.abs(nll - expected) < 1e-12);
  assert.ok(nll < evaluateSamples(joint, collapsed).entropy - 1); // mode seeking: NLL ≈ 1.86 < H ≈ 3.47
});

Deno.test("trueNll() reports impossible samples as Infinity at noise 0", () => {
  const exact = createTemplateMixture({ noise: 0, classes: 1 });
  const t = exact.templates[0][0];
  const off = t.map((s, i) => (i === 0 ? (s + 1) % 4 : s)); // distance 1 from t, at least 2 from the others
  const result = trueNll(exact, rows([t, off, off], [0, 0, 0]));
  assert.equal(result.nll, Infinity);
  assert.equal(result.impossible, 2);
  assert.ok(Math.abs(trueNll(exact, rows([t], [0])).nll - Math.log(4)) < 1e-15);
});

Deno.test("evaluateSamples() weighs the entropy by the samples' labels", () => {
  const samples = joint.sample(10, createRng(4), { labels: new Array(10).fill(2) });
  const m = evaluateSamples(joint, samples);
  assert.equal(m.entropy, joint.entropy(2));
  assert.ok(m.tvPerClass.filter(Number.isNaN).length === 3 && m.tv === m.tvPerClass[2]);
  assert.ok(m.modeCoveragePerClass.every((v, c) => c === 2 || v === 0));
});

Deno.test("noiseFloor() draws at the given labels and checks n", () => {
  const floor = noiseFloor(joint, { n: 4, rng: createRng(5), labels: [3, 3, 3, 3] });
  assert.equal(floor.entropy, joint.entropy(3));
  assert.throws(() => noiseFloor(joint, { n: 0, rng: createRng(5) }), /RangeError: .*'n'/);
  assert.throws(() => noiseFloor(joint, { n: 3, rng: createRng(5), labels: [0] }), TypeError);
});

Deno.test("joint metrics reject malformed sample sets", () => {
  const ok = joint.sample(3, createRng(6));
  for (const f of [totalVariation, trueNll, modeCoverage, evaluateSamples]) {
    assert.throws(() => f(joint, { tokens: ok.tokens.subarray(1), labels: ok.labels }), TypeError);
    assert.throws(() => f(joint, { tokens: ok.tokens, labels: ok.labels.subarray(1) }), TypeError);
    assert.throws(() => f(joint, { tokens: new Int32Array(0), labels: new Int32Array(0) }), TypeError);
    const floats = { tokens: Float32Array.from(ok.tokens), labels: ok.labels } as unknown as TokenSamples;
    assert.throws(() => f(joint, floats), /'samples.tokens'/);
    assert.throws(() => f(joint, rows([[0, 0, 0, 0, 0, 0]], [4])), /RangeError: .*'samples.labels'/);
    assert.throws(() => f(joint, rows([[0, 0, 0, 0, 0, 9]], [0])), RangeError);
  }
});
