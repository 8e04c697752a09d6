/**
 * Di[M]O distillation: training the one-step student (the paper's generator θ) from the teacher φ
 * with the aux model ψ (docs/method.md §11).
 *
 * Names in code, the paper's symbols, and the step of one iteration where each appears:
 *
 * | code | paper | step |
 * |---|---|---|
 * | `teacher`, `student`, `aux` | φ, θ (generator), ψ | — |
 * | `xInit` | x_init | 1: partially masked random tokens, the student's input |
 * | `zTheta` | z_θ(x_init) | 2: student logits, float32 `[B, L, V]` |
 * | `xTheta` | x_θ ~ softmax(z_θ) | 3: the student's sample |
 * | `xt`, `masked` | x̃_t, M | 4: x_θ re-masked with ratio r_t = γ(u) |
 * | `zPhi`, `zPsi` | z_φ(x̃_t), z_ψ(x̃_t) | 5: teacher (guided) and aux logits |
 * | `g` | ∇_{z_ψ} D(p_φ ‖ p_ψ) | 6: divergence gradient, zeroed outside M ({@linkcode maskGradient}) |
 * | `surrogateLoss` | L(θ) = Σ sg(g)·z_θ / B | 7: the student's loss ({@linkcode surrogateLoss}) |
 * | `auxLoss` | CE(z_ψ(x̃_t'), x_θ') on M' | 8: the aux model's loss on a fresh batch |
 * | `studentEma` | EMA of θ | 9: the weights that are evaluated ({@linkcode DistillState.studentEmaModel}) |
 *
 * {@linkcode resolveDistillConfig} fixes a run's settings (the official MaskGIT ones by default),
 * {@linkcode createDistillState} copies the teacher into student and aux, and
 * {@linkcode distillStep} runs one iteration and returns a {@linkcode StepReport};
 * {@linkcode distillStudent} is the whole loop (progress, curve, checkpoints and exact resume)
 * and returns the EMA student.
 *
 * @example Distil a tiny teacher for a few iterations and take the EMA student
 * ```ts
 * import assert from "node:assert";
 * import { createDistillState, createRng, distillStep, resolveDistillConfig, resolveTransformerConfig, Transformer, useBackend } from "@dimo/dimo";
 * await useBackend("cpu");
 * const teacher = new Transformer(
 *   resolveTransformerConfig({ codebookSize: 4, numClasses: 2, seqLen: 4, width: 8, heads: 2, layers: 1 }),
 *   { rng: createRng(0) },
 * );
 * const state = createDistillState(teacher, resolveDistillConfig({ batch: 4 }), 3407);
 * const reports = [];
 * for (let i = 0; i < 3; i++) reports.push(await distillStep(state));
 * assert.ok(reports.every((r) => r.studentUpdated && r.nonFinite === 0));
 * const student = state.studentEmaModel(); // the model to evaluate, without dropout
 * student.dispose();
 * state.dispose();
 * teacher.dispose();
 * ```
 *
 * @example Inject a divergence gradient into the student's logits
 * ```ts
 * import assert from "node:assert";
 * import { createDivergence, surrogateLoss, tf, useBackend } from "@dimo/dimo";
 * await useBackend("cpu");
 * const zPsi = tf.tensor3d([[[0, 0], [1, 0]]]);
 * const zPhi = tf.tensor3d([[[2, 0], [1, 0]]]);
 * const g = createDivergence({ kind: "fkl" }).gradLogits(zPsi, zPhi);
 * const masked = tf.tensor2d([[true, true]], [1, 2], "bool");
 * const zTheta = tf.zeros([1, 2, 2]);
 * const grad = tf.grad((z: tf.Tensor) => surrogateLoss(z, g, { masked }))(zTheta);
 * assert.deepEqual(await grad.data(), await g.data());
 * ```
 *
 * @module
 */
export * from "./surrogate.ts";
export * from "./config.ts";
export * from "./state.ts";
export * from "./step.ts";
export * from "./checkpoint.ts";
export * from "./generate.ts";
export * from "./loop.ts";
