/**
 * A toy class-conditional distribution over short token sequences whose every probability is
 * known in closed form, so samplers can be scored against the TRUE joint instead of a
 * feature-space proxy such as FID.
 *
 * Per class c, pick one of K templates T_{c,k} uniformly, then let each token keep its template
 * symbol with probability 1 − noise, else replace it by a uniform symbol (possibly the same):
 *
 *   p(x | c) = (1/K) Σ_k Π_i [(1 − noise)·δ(x_i = T_{c,k,i}) + noise / S]
 *
 * The S^L states are enumerated, so the spec is capped at 2^20 states.
 *
 * @module
 */
import type { Rng } from "../rng/mod.ts";
import { checkInRange, checkInteger, errorMessage } from "../validate/mod.ts";
import { drawTemplates } from "./_templates.ts";

/** The shape and seed of a template mixture; the defaults are the reference toy setting. */
export interface TemplateMixtureSpec {
  /** L, tokens per sequence. @default {6} */
  readonly seqLen: number;
  /** S, the alphabet size; tokens are `0 … S − 1`. @default {4} */
  readonly symbols: number;
  /** Number of classes (labels `0 … classes − 1`). @default {4} */
  readonly classes: number;
  /** K, templates (modes) per class. @default {4} */
  readonly templatesPerClass: number;
  /** Probability that a token is replaced by a uniform symbol, in [0, 1]. @default {0.1} */
  readonly noise: number;
  /** Smallest Hamming distance between any two templates (of any class). @default {3} */
  readonly minDistance: number;
  /** Seed of the template draw. @default {0} */
  readonly seed: number;
}

/** The reference toy setting: 6 tokens over 4 symbols, 4 classes of 4 templates, noise 0.1. */
export const DEFAULT_TEMPLATE_MIXTURE: TemplateMixtureSpec = Object.freeze({
  seqLen: 6,
  symbols: 4,
  classes: 4,
  templatesPerClass: 4,
  noise: 0.1,
  minDistance: 3,
  seed: 0,
});

/** Most states a spec may have: the joint is held as one `Float64Array` per class. */
export const MAX_JOINT_STATES = 2 ** 20;

/** Labelled token sequences: row r is `tokens[r·L … (r+1)·L)` with class `labels[r]`. */
export interface TokenSamples {
  /** Tokens, `n · seqLen` symbols, row-major. */
  readonly tokens: Int32Array;
  /** One class label per row, `n` entries. */
  readonly labels: Int32Array;
}

/** Options of {@linkcode ExactJoint.sample} and {@linkcode ExactJoint.sampleProductOfMarginals}. */
export interface JointSampleOptions {
  /** One class per row (length `n`); drawn uniformly from the `Rng` when absent. */
  readonly labels?: ArrayLike<number>;
}

/** A class-conditional distribution p(x | c) over S^L states, known exactly. */
export interface ExactJoint {
  /** The resolved spec. */
  readonly spec: TemplateMixtureSpec;
  /** The modes, `[classes][templatesPerClass][seqLen]`. */
  readonly templates: readonly (readonly (readonly number[])[])[];
  /** S^L, the number of token sequences. */
  readonly states: number;
  /** p(x | c) for the sequence with index `state` (see {@linkcode ExactJoint.encode}). */
  prob(c: number, state: number): number;
  /** A fresh copy of p(· | c) over all states, summing to 1. */
  probabilities(c: number): Float64Array;
  /** The state index of a sequence: base-S digits, position 0 most significant. */
  encode(tokens: ArrayLike<number>): number;
  /** The sequence with a given state index (inverse of `encode`). */
  decode(state: number): Int32Array;
  /** The entropy H(x | c) in nats. */
  entropy(c: number): number;
  /** Per-position symbol marginals p(x_i = s | c), `[seqLen][symbols]`. */
  marginals(c: number): number[][];
  /** Draws `n` labelled sequences from the joint. */
  sample(n: number, rng: Rng, options?: JointSampleOptions): TokenSamples;
  /** Draws `n` sequences with each position independent, from the true marginal of its class. */
  sampleProductOfMarginals(n: number, rng: Rng, options?: JointSampleOptions): TokenSamples;
}

/**
 * Merges a partial spec with {@linkcode DEFAULT_TEMPLATE_MIXTURE}, checks it and freezes it.
 *
 * @param spec Fields to override.
 * @returns The complete, frozen spec.
 * @throws {RangeError} Naming the field, if a size is not a positive integer (`symbols` ≥ 2),
 * `noise` is outside [0, 1], `minDistance` is outside [1, seqLen], `seed` is not a safe
 * integer, or `symbols ** seqLen` exceeds {@linkcode MAX_JOINT_STATES}.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { resolveTemplateMixtureSpec } from "@dimo/dimo";
 * assert.equal(resolveTemplateMixtureSpec({ noise: 0.2 }).seqLen, 6);
 * assert.throws(() => resolveTemplateMixtureSpec({ noise: 2 }), /'noise'/);
 * ```
 */
export function resolveTemplateMixtureSpec(spec: Partial<TemplateMixtureSpec> = {}): TemplateMixtureSpec {
  const resolved = { ...DEFAULT_TEMPLATE_MIXTURE, ...spec };
  const { seqLen, symbols, classes, templatesPerClass, noise, minDistance, seed } = resolved;
  const action = "create a template mixture";
  checkInteger(action, "seqLen", seqLen, 1);
  checkInteger(action, "symbols", symbols, 2);
  checkInteger(action, "classes", classes, 1);
  checkInteger(action, "templatesPerClass", templatesPerClass, 1);
  checkInRange(action, "noise", noise, 0, 1);
  checkInteger(action, "minDistance", minDistance, 1, seqLen);
  checkInteger(action, "seed", seed, Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
  if (symbols ** seqLen > MAX_JOINT_STATES) {
    const rule = `at most ${MAX_JOINT_STATES} (the joint is enumerated)`;
    throw new RangeError(errorMessage(action, "symbols ** seqLen", rule, symbols ** seqLen));
  }
  return Object.freeze(resolved);
}

/**
 * Creates the template mixture of a spec, with its templates drawn from `spec.seed`.
 *
 * Templates are drawn uniformly one at a time and redrawn while closer than `minDistance`
 * (Hamming) to an earlier template of any class: at the default distance 3 and noise 0.1 the
 * modes barely overlap, so H(x | c) is just below the separated value ln K + L·h(noise) = 3.479
 * nats (the reference spec's four classes: 3.461 to 3.472).
 *
 * @param spec Fields to override in {@linkcode DEFAULT_TEMPLATE_MIXTURE}.
 * @returns The exact joint.
 * @throws {RangeError} As {@linkcode resolveTemplateMixtureSpec}, or naming `minDistance` if
 * the templates cannot be kept that far apart.
 *
 * @example Probabilities sum to one, templates are the modes
 * ```ts
 * import assert from "node:assert";
 * import { createRng, createTemplateMixture } from "@dimo/dimo";
 * const joint = createTemplateMixture();
 * const p = joint.probabilities(0);
 * assert.ok(Math.abs(p.reduce((a, b) => a + b) - 1) < 1e-12);
 * // A template holds about ¼ · (1 − 0.1 + 0.1 / 4)^6 ≈ 0.156 of its class.
 * assert.ok(Math.abs(p[joint.encode(joint.templates[0][0])] - 0.156) < 0.001);
 * const { tokens, labels } = joint.sample(3, createRng(1));
 * assert.equal(tokens.length, 3 * joint.spec.seqLen);
 * assert.equal(labels.length, 3);
 * ```
 */
export function createTemplateMixture(spec: Partial<TemplateMixtureSpec> = {}): ExactJoint {
  const resolved = resolveTemplateMixtureSpec(spec);
  return new TemplateMixture(resolved, drawTemplates(resolved));
}

class TemplateMixture implements ExactJoint {
  readonly spec: TemplateMixtureSpec;
  readonly templates: readonly (readonly (readonly number[])[])[];
  readonly states: number;
  readonly #probs: readonly Float64Array[];
  readonly #entropies: readonly number[];

  constructor(spec: TemplateMixtureSpec, templates: readonly (readonly (readonly number[])[])[]) {
    this.spec = spec;
    this.templates = templates;
    this.states = spec.symbols ** spec.seqLen;
    this.#probs = templates.map((ts) => this.#classProbabilities(ts));
    this.#entropies = this.#probs.map((p) => p.reduce((h, q) => (q > 0 ? h - q * Math.log(q) : h), 0));
  }

  /** p(x_i = s | template symbol t) for one token. */
  #tokenProb(s: number, t: number): number {
    const { noise, symbols } = this.spec;
    return (s === t ? 1 - noise : 0) + noise / symbols;
  }

  /**
   * Each template's component is a Kronecker product of L per-token vectors; building it one
   * position at a time costs O(S^L) per template instead of O(L·S^L).
   */
  #classProbabilities(templates: readonly (readonly number[])[]): Float64Array {
    const { symbols } = this.spec;
    const probs = new Float64Array(this.states);
    for (const template of templates) {
      let component = new Float64Array([1 / templates.length]);
      for (const t of template) {
        const next = new Float64Array(component.length * symbols);
        for (let j = 0; j < component.length; j++) {
          for (let s = 0; s < symbols; s++) next[j * symbols + s] = component[j] * this.#tokenProb(s, t);
        }
        component = next;
      }
      for (let x = 0; x < this.states; x++) probs[x] += component[x];
    }
    return probs;
  }

  #checkClass(action: string, c: number): void {
    checkInteger(action, "c", c, 0, this.spec.classes - 1);
  }

  prob(c: number, state: number): number {
    this.#checkClass("read a probability", c);
    checkInteger("read a probability", "state", state, 0, this.states - 1);
    return this.#probs[c][state];
  }

  probabilities(c: number): Float64Array {
    this.#checkClass("read probabilities", c);
    return this.#probs[c].slice();
  }

  encode(tokens: ArrayLike<number>): number {
    const { seqLen, symbols } = this.spec;
    if (tokens?.length !== seqLen) {
      throw new TypeError(errorMessage("encode tokens", "tokens", `of length ${seqLen}`, tokens?.length));
    }
    let state = 0;
    for (let i = 0; i < seqLen; i++) {
      const s = tokens[i];
      if (!Number.isInteger(s) || s < 0 || s >= symbols) {
        throw new RangeError(errorMessage("encode tokens", "tokens", `symbols in [0, ${symbols})`, s));
      }
      state = state * symbols + s;
    }
    return state;
  }

  decode(state: number): Int32Array {
    const { seqLen, symbols } = this.spec;
    checkInteger("decode a state", "state", state, 0, this.states - 1);
    const tokens = new Int32Array(seqLen);
    for (let i = seqLen - 1; i >= 0; i--, state = Math.floor(state / symbols)) tokens[i] = state % symbols;
    return tokens;
  }

  entropy(c: number): number {
    this.#checkClass("compute an entropy", c);
    return this.#entropies[c];
  }

  marginals(c: number): number[][] {
    this.#checkClass("compute marginals", c);
    const { seqLen, symbols, templatesPerClass } = this.spec;
    return Array.from({ length: seqLen }, (_, i) =>
      Array.from(
        { length: symbols },
        (_, s) => this.templates[c].reduce((m, t) => m + this.#tokenProb(s, t[i]), 0) / templatesPerClass,
      ));
  }

  sample(n: number, rng: Rng, options: JointSampleOptions = {}): TokenSamples {
    // One template per row, shared by all its positions.
    return this.#draw("sample the joint", n, rng, options, (templates) => {
      const template = templates[rng.int(templates.length)];
      return (i) => template[i];
    });
  }

  sampleProductOfMarginals(n: number, rng: Rng, options: JointSampleOptions = {}): TokenSamples {
    // The marginal of position i is the mixture over templates of its token law, so drawing a
    // template per POSITION samples the product of the true marginals exactly.
    return this.#draw("sample the product of marginals", n, rng, options, (templates) => {
      return (i) => templates[rng.int(templates.length)][i];
    });
  }

  /**
   * Shared draw loop: a label per row, then per position the template symbol that `row` picks,
   * replaced by a uniform symbol with probability `noise`.
   */
  #draw(
    action: string,
    n: number,
    rng: Rng,
    options: JointSampleOptions,
    row: (templates: readonly (readonly number[])[]) => (i: number) => number,
  ): TokenSamples {
    const { seqLen, symbols, noise } = this.spec;
    checkInteger(action, "n", n, 0);
    const labels = this.#labels(action, n, rng, options.labels);
    const tokens = new Int32Array(n * seqLen);
    for (let r = 0; r < n; r++) {
      const symbolAt = row(this.templates[labels[r]]);
      for (let i = 0; i < seqLen; i++) {
        const t = symbolAt(i);
        tokens[r * seqLen + i] = rng.next() < noise ? rng.int(symbols) : t;
      }
    }
    return { tokens, labels };
  }

  #labels(action: string, n: number, rng: Rng, given: ArrayLike<number> | undefined): Int32Array {
    const { classes } = this.spec;
    if (given === undefined) return Int32Array.from({ length: n }, () => rng.int(classes));
    if (given.length !== n) {
      throw new TypeError(errorMessage(action, "options.labels", `of length n = ${n}`, given.length));
    }
    const labels = Int32Array.from(given);
    labels.forEach((c, r) => {
      if (c !== given[r] || c < 0 || c >= classes) {
        throw new RangeError(errorMessage(action, "options.labels", `classes in [0, ${classes})`, given[r]));
      }
    });
    return labels;
  }
}
