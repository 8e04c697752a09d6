/**
 * The degradations of a render that a preference model must rank below it, shared by its
 * training batches and its validation.
 *
 * @module
 */
import {
  blurScene,
  heldOutCombinations,
  noiseScene,
  renderScene,
  type Scene,
  type SceneSplit,
  WRONG_KINDS,
  wrongScene,
} from "../data/mod.ts";
import type { Rng } from "../rng/mod.ts";

/** A render's encode-decode round trip through an image tokenizer (see `sceneRoundTrip`). */
export type RoundTrip = (images: Uint8Array[]) => Promise<Uint8Array[]>;

/** How a render is degraded: blurred, noisy, through a tokenizer, or one attribute wrong. */
export type SceneDegradation = "blur" | "noise" | "round_trip" | "wrong";

/** The degradations available: `round_trip` only with a round trip. */
export function degradationKinds(roundTrip: RoundTrip | undefined): SceneDegradation[] {
  return roundTrip ? ["blur", "noise", "round_trip", "wrong"] : ["blur", "noise", "wrong"];
}

/**
 * A wrong copy of a scene: one of its task's wrong kinds; in the training split redrawn until
 * it shows no held-out combination (a reversed or recoloured scene may).
 */
function wrongCopy(scene: Scene, split: SceneSplit, rng: Rng): Scene {
  const kinds = WRONG_KINDS[scene.prompt.task];
  for (let attempt = 0; attempt < 20; attempt++) {
    const wrong = wrongScene(scene, kinds[rng.int(kinds.length)]!, rng);
    if (split === "heldout" || heldOutCombinations(wrong.objects).length === 0) return wrong;
  }
  return { ...scene, objects: [] };
}

/**
 * Degraded copies of scenes: `kinds[i]` degrades scene i.
 *
 * @param scenes The scenes.
 * @param renders Their renders.
 * @param kinds One degradation per scene.
 * @param options The generator, the split (for wrong copies) and the round trip.
 * @returns One degraded render per scene.
 */
export async function degradeRenders(
  scenes: readonly Scene[],
  renders: readonly Uint8Array[],
  kinds: readonly SceneDegradation[],
  options: { rng: Rng; split: SceneSplit; roundTrip: RoundTrip | undefined },
): Promise<Uint8Array[]> {
  const { rng, split, roundTrip } = options;
  const out = scenes.map((scene, i) => {
    switch (kinds[i]!) {
      case "blur":
        return blurScene(renders[i]!);
      case "noise":
        return noiseScene(renders[i]!, rng);
      case "wrong":
        return renderScene(wrongCopy(scene, split, rng));
      case "round_trip":
        return renders[i]!;
    }
  });
  const trip = kinds.flatMap((k, i) => k === "round_trip" ? [i] : []);
  if (trip.length > 0 && roundTrip) {
    const decoded = await roundTrip(trip.map((i) => renders[i]!));
    trip.forEach((i, j) => out[i] = decoded[j]!);
  }
  return out;
}
