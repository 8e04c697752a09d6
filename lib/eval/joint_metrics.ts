/**
 * Metrics of a labelled sample set against an {@linkcode ExactJoint}: total variation of the
 * empirical distribution, negative log-likelihood under the truth, and mode coverage. Plain
 * JavaScript over counts; read sampler tensors once (`await tokens.data()`) before calling.
 *
 * @module
 */
import type { ExactJoint, TokenSamples } from "../data/mod.ts";
import type { Rng } from "../rng/mod.ts";
import { checkInteger, errorMessage } from "../validate/mod.ts";

/** Total variation to the truth, per class and averaged over classes. */
export interface TotalVariation {
  /** Mean of `tvPerClass` over the classes that have samples. */
  readonly tv: number;
  /** ½ Σ_x |p̂(x | c) − p(x | c)| per class; `NaN` for a class without samples. */
  readonly tvPerClass: readonly number[];
}

/** Negative log-likelihood of the samples under the true joint. */
export interface TrueNll {
  /** Mean −ln p(x | c) over all samples, in nats; `Infinity` if any sample is impossible. */
  readonly nll: number;
  /** Number of samples with p(x | c) = 0 (possible only at noise 0). */
  readonly impossible: number;
}

/** The fraction of the true modes (templates) that the samples hit. */
export interface ModeCoverage {
  /** Templates seen at least once among their class's samples, over all templates. */
  readonly modeCoverage: number;
  /** The same fraction per class. */
  readonly modeCoveragePerClass: readonly number[];
}

/** All metrics of a sample set, as {@linkcode evaluateSamples} returns them. */
export interface SampleMetrics extends TotalVariation, TrueNll, ModeCoverage {
  /** Σ_c (n_c / n)·H(x | c) in nats: the true entropy at the samples' labels, to compare with `nll`. */
  readonly entropy: number;
  /** Number of samples. */
  readonly n: number;
}

/** Options of {@linkcode noiseFloor}. */
export interface NoiseFloorOptions {
  /** Number of samples drawn from the truth. */
  readonly n: number;
  /** The generator of the draw. */
  readonly rng: Rng;
  /** Labels to draw at (length `n`), e.g. those of the evaluated set; uniform when absent. */
  readonly labels?: ArrayLike<number>;
}

/** Per class: how many samples, and how often each state occurs. */
interface ClassCounts {
  readonly rows: number[];
  readonly counts: Uint32Array[];
  readonly n: number;
}

/** Checks a sample set against a joint's sizes and counts its states per class. */
function countStates(action: string, joint: ExactJoint, samples: TokenSamples): ClassCounts {
  const { seqLen, classes } = joint.spec;
  const tokens = samples?.tokens, labels = samples?.labels;
  if (!(tokens instanceof Int32Array)) {
    throw new TypeError(errorMessage(action, "samples.tokens", "an Int32Array", tokens));
  }
  if (!(labels instanceof Int32Array)) {
    throw new TypeError(errorMessage(action, "samples.labels", "an Int32Array", labels));
  }
  if (labels.length === 0 || tokens.length !== labels.length * seqLen) {
    const rule = `of length n · seqLen for n = labels.length ≥ 1 and seqLen = ${seqLen}`;
    throw new TypeError(errorMessage(action, "samples.tokens.length", rule, tokens.length));
  }
  const rows = new Array<number>(classes).fill(0);
  const counts = Array.from({ length: classes }, () => new Uint32Array(joint.states));
  for (let r = 0; r < labels.length; r++) {
    const c = labels[r];
    checkInteger(action, "samples.labels", c, 0, classes - 1);
    rows[c]++;
    counts[c][joint.encode(tokens.subarray(r * seqLen, (r + 1) * seqLen))]++;
  }
  return { rows, counts, n: labels.length };
}

function tvFromCounts(joint: ExactJoint, { rows, counts }: ClassCounts): TotalVariation {
  const tvPerClass = rows.map((nc, c) => {
    if (nc === 0) return NaN;
    const p = joint.probabilities(c);
    let sum = 0;
    for (let x = 0; x < p.length; x++) sum += Math.abs(counts[c][x] / nc - p[x]);
    return sum / 2;
  });
  const present = tvPerClass.filter((tv) => !Number.isNaN(tv));
  return { tv: present.reduce((a, b) => a + b, 0) / present.length, tvPerClass };
}

function nllFromCounts(joint: ExactJoint, { counts, n }: ClassCounts): TrueNll {
  let sum = 0, impossible = 0;
  counts.forEach((count, c) => {
    const p = joint.probabilities(c);
    for (let x = 0; x < p.length; x++) {
      if (count[x] === 0) continue;
      if (p[x] === 0) impossible += count[x];
      else sum -= count[x] * Math.log(p[x]);
    }
  });
  return { nll: impossible > 0 ? Infinity : sum / n, impossible };
}

function coverageFromCounts(joint: ExactJoint, { counts }: ClassCounts): ModeCoverage {
  const hits = joint.templates.map((ts, c) => ts.filter((t) => counts[c][joint.encode(t)] > 0).length);
  const total = joint.templates.reduce((a, ts) => a + ts.length, 0);
  return {
    modeCoverage: hits.reduce((a, b) => a + b, 0) / total,
    modeCoveragePerClass: hits.map((h, c) => h / joint.templates[c].length),
  };
}

/**
 * Total variation between each class's empirical distribution p̂(x | c) and the truth.
 *
 * Even a perfect sampler scores above 0 at finite n (see {@linkcode noiseFloor}).
 *
 * @param joint The true joint.
 * @param samples Labelled sequences, tokens `n · seqLen` and labels `n`.
 * @returns The TV per class and its mean over classes with samples.
 * @throws {TypeError} If tokens or labels are not `Int32Array`s of matching lengths (n ≥ 1).
 * @throws {RangeError} If a label or token is out of range.
 *
 * @example A set of one sequence
 * ```ts
 * import assert from "node:assert";
 * import { createTemplateMixture, totalVariation } from "@dimo/dimo";
 * const joint = createTemplateMixture({ classes: 1 });
 * const x = joint.templates[0][0];
 * const { tv } = totalVariation(joint, { tokens: Int32Array.from(x), labels: new Int32Array(1) });
 * assert.ok(Math.abs(tv - (1 - joint.prob(0, joint.encode(x)))) < 1e-12);
 * ```
 */
export function totalVariation(joint: ExactJoint, samples: TokenSamples): TotalVariation {
  return tvFromCounts(joint, countStates("compute a total variation", joint, samples));
}

/**
 * Mean −ln p(x | c) of the samples under the true joint, in nats. Against the true entropy:
 * a value below it means the sampler concentrates on likely states (mode seeking); above it,
 * that it puts mass where the truth has little.
 *
 * @param joint The true joint.
 * @param samples Labelled sequences, tokens `n · seqLen` and labels `n`.
 * @returns The mean NLL, `Infinity` when some sample is impossible, and how many are.
 * @throws {TypeError} If tokens or labels are not `Int32Array`s of matching lengths (n ≥ 1).
 * @throws {RangeError} If a label or token is out of range.
 *
 * @example Without noise, off-template sequences are impossible
 * ```ts
 * import assert from "node:assert";
 * import { createTemplateMixture, trueNll } from "@dimo/dimo";
 * const joint = createTemplateMixture({ classes: 1, templatesPerClass: 2, noise: 0 });
 * const tokens = Int32Array.from([...joint.templates[0][0], ...joint.templates[0][0].map((s) => (s + 1) % 4)]);
 * const { nll, impossible } = trueNll(joint, { tokens, labels: new Int32Array(2) });
 * assert.equal(nll, Infinity);
 * assert.equal(impossible, 1);
 * ```
 */
export function trueNll(joint: ExactJoint, samples: TokenSamples): TrueNll {
  return nllFromCounts(joint, countStates("compute a likelihood", joint, samples));
}

/**
 * The fraction of true modes — the templates of each class — that appear at least once among
 * that class's samples.
 *
 * @param joint The true joint.
 * @param samples Labelled sequences, tokens `n · seqLen` and labels `n`.
 * @returns The overall fraction and the fraction per class.
 * @throws {TypeError} If tokens or labels are not `Int32Array`s of matching lengths (n ≥ 1).
 * @throws {RangeError} If a label or token is out of range.
 *
 * @example One template out of four
 * ```ts
 * import assert from "node:assert";
 * import { createTemplateMixture, modeCoverage } from "@dimo/dimo";
 * const joint = createTemplateMixture({ classes: 1 });
 * const tokens = Int32Array.from(joint.templates[0][2]);
 * assert.equal(modeCoverage(joint, { tokens, labels: new Int32Array(1) }).modeCoverage, 0.25);
 * ```
 */
export function modeCoverage(joint: ExactJoint, samples: TokenSamples): ModeCoverage {
  return coverageFromCounts(joint, countStates("compute a mode coverage", joint, samples));
}

/**
 * Every metric of a sample set against the true joint, from one pass over the samples.
 *
 * @param joint The true joint.
 * @param samples Labelled sequences, tokens `n · seqLen` and labels `n`.
 * @returns TV (mean and per class), NLL and the entropy to compare it with, mode coverage, n.
 * @throws {TypeError} If tokens or labels are not `Int32Array`s of matching lengths (n ≥ 1).
 * @throws {RangeError} If a label or token is out of range.
 *
 * @example Truth samples score near the truth
 * ```ts
 * import assert from "node:assert";
 * import { createRng, createTemplateMixture, evaluateSamples } from "@dimo/dimo";
 * const joint = createTemplateMixture();
 * const metrics = evaluateSamples(joint, joint.sample(20_000, createRng(0)));
 * assert.ok(Math.abs(metrics.nll - metrics.entropy) < 0.05);
 * assert.equal(metrics.modeCoverage, 1);
 * ```
 */
export function evaluateSamples(joint: ExactJoint, samples: TokenSamples): SampleMetrics {
  const counts = countStates("evaluate samples", joint, samples);
  const entropy = counts.rows.reduce((h, nc, c) => h + (nc / counts.n) * joint.entropy(c), 0);
  return {
    ...tvFromCounts(joint, counts),
    ...nllFromCounts(joint, counts),
    ...coverageFromCounts(joint, counts),
    entropy,
    n: counts.n,
  };
}

/**
 * What a perfect sampler scores with n samples: the metrics of n draws from the truth itself.
 * The empirical TV of a perfect sampler is above 0 at finite n — about
 * ½ Σ_x √(2 p(x|c)(1 − p(x|c)) / (π n_c)) once every state is seen often, so shrinking as
 * 1/√n — and a sampler's TV means little below this floor.
 *
 * @param joint The true joint.
 * @param options Sample count, generator, and optionally the labels of the set being compared.
 * @returns The metrics of a fresh truth sample of size n.
 * @throws {RangeError} If `n` is not a positive integer or a label is out of range.
 * @throws {TypeError} If `labels` is given with a length other than `n`.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { createRng, createTemplateMixture, noiseFloor } from "@dimo/dimo";
 * const floor = noiseFloor(createTemplateMixture(), { n: 10_000, rng: createRng(0) });
 * assert.ok(floor.tv > 0 && floor.tv < 0.3);
 * ```
 */
export function noiseFloor(joint: ExactJoint, options: NoiseFloorOptions): SampleMetrics {
  const { n, rng, labels } = options;
  checkInteger("compute a noise floor", "n", n, 1);
  return evaluateSamples(joint, joint.sample(n, rng, labels === undefined ? {} : { labels }));
}
