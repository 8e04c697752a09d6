/** Drawing the templates of a template mixture: seeded, and kept apart in Hamming distance. */
import { createRng } from "../rng/mod.ts";
import { errorMessage } from "../validate/mod.ts";

/** Sizes and seed {@linkcode drawTemplates} needs (a subset of a resolved spec). */
interface TemplateSizes {
  readonly seqLen: number;
  readonly symbols: number;
  readonly classes: number;
  readonly templatesPerClass: number;
  readonly minDistance: number;
  readonly seed: number;
}

/** Redraws allowed per template before the spec is declared too crowded. */
const MAX_DRAWS_PER_TEMPLATE = 10_000;

function hamming(a: readonly number[], b: readonly number[]): number {
  let d = 0;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) d++;
  return d;
}

/**
 * Draws `classes × templatesPerClass` templates, each `seqLen` uniform symbols, redrawing any
 * template within Hamming distance `minDistance - 1` of an earlier one of ANY class: the modes
 * of one class stay apart (so the per-class entropy is close to its separated value) and the
 * classes stay apart (so the label carries information).
 *
 * @returns Deep-frozen templates, `[classes][templatesPerClass][seqLen]`.
 * @throws {RangeError} If no fitting template is found in {@linkcode MAX_DRAWS_PER_TEMPLATE} draws.
 */
export function drawTemplates(
  sizes: TemplateSizes,
): readonly (readonly (readonly number[])[])[] {
  const { seqLen, symbols, classes, templatesPerClass, minDistance, seed } = sizes;
  const rng = createRng(seed).fork("templates");
  const drawn: number[][] = [];
  while (drawn.length < classes * templatesPerClass) {
    let fits = false;
    for (let attempt = 0; attempt < MAX_DRAWS_PER_TEMPLATE && !fits; attempt++) {
      const candidate = Array.from({ length: seqLen }, () => rng.int(symbols));
      fits = drawn.every((t) => hamming(t, candidate) >= minDistance);
      if (fits) drawn.push(candidate);
    }
    if (!fits) {
      const rule = `small enough for ${classes * templatesPerClass} templates of ${seqLen} tokens ` +
        `over ${symbols} symbols (none fitted in ${MAX_DRAWS_PER_TEMPLATE} draws)`;
      throw new RangeError(errorMessage("create a template mixture", "minDistance", rule, minDistance));
    }
  }
  return Object.freeze(
    Array.from({ length: classes }, (_, c) =>
      Object.freeze(
        drawn.slice(c * templatesPerClass, (c + 1) * templatesPerClass).map((t) => Object.freeze(t)),
      )),
  );
}
