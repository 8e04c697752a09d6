// A tiny teacher and weight snapshots, for the distillation tests only (not exported by mod.ts).
import { createRng } from "../rng/mod.ts";
import { resolveTransformerConfig } from "../models/config.ts";
import { Transformer } from "../models/transformer.ts";
import { type DistillConfig, type PartialDistillConfig, resolveDistillConfig } from "./config.ts";

/** K = 4 codes (+ mask, V = 5), C = 2 classes, L = 4, width 16, 2 heads, 1 layer, dropout 0.1. */
export function tinyTeacher(seed = 0): Transformer {
  const config = resolveTransformerConfig({
    codebookSize: 4,
    numClasses: 2,
    seqLen: 4,
    width: 16,
    heads: 2,
    layers: 1,
  });
  return new Transformer(config, { rng: createRng(seed) });
}

/** Batch 8 and Adam fast enough that one update moves every trainable weight; otherwise the defaults. */
export function tinyConfig(overrides: PartialDistillConfig = {}): DistillConfig {
  const fast = { lr: 1e-3, warmupSteps: 0 };
  return resolveDistillConfig({
    batch: 8,
    ...overrides,
    studentAdam: { ...fast, ...overrides.studentAdam },
    auxAdam: { ...fast, ...overrides.auxAdam },
  });
}

/** Every weight of a model as plain numbers, by name. */
export function snapshot(model: Transformer): Record<string, number[]> {
  return Object.fromEntries(
    Object.entries(model.namedWeights()).map(([name, v]) => [name, Array.from(v.dataSync())]),
  );
}

/** The names of the weights that differ between two snapshots. */
export function changed(before: Record<string, number[]>, after: Record<string, number[]>): string[] {
  return Object.keys(before).filter((name) => before[name].some((x, i) => x !== after[name][i]));
}
