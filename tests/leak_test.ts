/**
 * Tensor counts stay flat over repeated training steps and sampling calls across modules: what
 * a long experiment does thousands of times.
 */
import assert from "node:assert/strict";
import {
  Adam,
  createDivergence,
  createRng,
  maskExactCount,
  mdmTrainStep,
  resolveMdmTrainConfig,
  resolveTransformerConfig,
  sampleAncestral,
  sampleEmbeddingNoise,
  sampleMaskGit,
  sampleOneStep,
  sampleXInit,
  surrogateLoss,
  tf,
  Transformer,
} from "@dimo/dimo";
import { useTestBackend } from "../lib/backend/testing.ts";

await useTestBackend();

const config = resolveTransformerConfig({
  codebookSize: 6,
  numClasses: 3,
  seqLen: 5,
  width: 16,
  heads: 2,
  layers: 1,
});
const sizes = { seqLen: 5, maskId: 6, codebookSize: 6 };

Deno.test("training and sampling steps leave the tensor count unchanged", async () => {
  const model = new Transformer(config, { rng: createRng(0) });
  const adam = new Adam(model.trainableVariables(), { lr: 1e-3, warmupSteps: 2, clipNorm: 1 });
  const rng = createRng(1);
  const train = resolveMdmTrainConfig({});
  const fkl = createDivergence({ kind: "fkl" });
  const once = async () => {
    const batch = tf.tidy(() => ({
      tokens: tf.randomUniform([4, 5], 0, 6, "int32", rng.seed()) as tf.Tensor2D,
      condition: tf.tensor1d([0, 1, 2, 0], "int32"),
    }));
    await mdmTrainStep(model, batch, { config: train, optimizer: adam, rng });
    const denoiser = model.asDenoiser();
    const xInit = sampleXInit({ kind: "fixed", value: 0.6 }, { batch: 4, ...sizes, rng });
    const noise = sampleEmbeddingNoise([4, 5, 16], rng);
    const student = model.asDenoiser({ embeddingNoise: { sigma: 0.1, noise } });
    const outputs = [
      sampleMaskGit(denoiser, batch.condition, rng, { ...sizes, steps: 3 }),
      sampleAncestral(denoiser, batch.condition, rng, { ...sizes, steps: 2 }),
      sampleOneStep(student, xInit, batch.condition, rng, { codebookSize: 6 }),
    ];
    // One surrogate step of the student against itself as teacher and aux.
    const { xt, masked } = maskExactCount(outputs[2], [0.5, 0.5, 0.5, 0.5], { maskId: 6, rng });
    const g = tf.tidy(() => fkl.gradLogits(denoiser(xt, batch.condition), denoiser(xt, batch.condition)));
    await adam.step(() => surrogateLoss(student(xInit, batch.condition), g, { masked }));
    tf.dispose([batch.tokens, batch.condition, xInit, noise, xt, masked, g, ...outputs]);
  };
  await once();
  const before = tf.memory().numTensors;
  for (let i = 0; i < 5; i++) await once();
  assert.equal(tf.memory().numTensors, before);
  adam.dispose();
  model.dispose();
});
