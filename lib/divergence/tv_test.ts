import assert from "node:assert/strict";
import * as tf from "../backend/tf.ts";
import { useTestBackend, withoutLeaks } from "../backend/testing.ts";
import { divergenceConformance, extremeLogits, take } from "./_conformance.ts";
import { tvReference } from "./_reference.ts";
import { createTv } from "./tv.ts";

await useTestBackend();

divergenceConformance("tv", createTv(), tvReference, { nonNegative: true, smooth: false });

Deno.test("tv value() is at most 1 and reaches it for disjoint supports", async () => {
  await withoutLeaks(async () => {
    const { zPsi, zPhi } = extremeLogits();
    const [a, b] = [tf.tensor2d(zPsi), tf.tensor2d(zPhi)];
    const value = await take(createTv().value(a, b));
    tf.dispose([a, b]);
    assert.ok(value.every((v) => v <= 1 + 1e-6), `value ${value}`);
    assert.ok(Math.abs(value[0] - 1) <= 1e-6, "opposed one-hot rows are 1 apart");
  });
});

Deno.test("tv gradLogits() and tf.grad of value() take the sign of a 9.5e-8 gap exactly", async () => {
  await withoutLeaks(async () => {
    // p_ψ − p_φ ≈ −9.5e-8 on classes 1–3, under 2⁻²³, where tfjs-wasm's `Sign` returns 0.
    const [a, b] = [tf.tensor2d([[1.52e-6, 0, 0, 0]]), tf.tensor2d([[0, 0, 0, 0]])];
    // The probabilities this backend computes, as the divergence does; the gradient is exact for them.
    const pPsi = await take(tf.tidy(() => tf.exp(tf.logSoftmax(a))));
    const pPhi = await take(tf.tidy(() => tf.exp(tf.logSoftmax(b))));
    const gap = pPsi.map((p, v) => p - pPhi[v]);
    assert.ok(gap.slice(1).every((g) => g < 0 && g > -(2 ** -23)), `not a near tie: gaps ${gap}`);
    const s = gap.map((g) => Math.sign(g) / 2);
    const mean = pPsi.reduce((sum, p, v) => sum + p * s[v], 0);
    const want = pPsi.map((p, v) => p * (s[v] - mean));
    const tv = createTv();
    const analytic = await take(tv.gradLogits(a, b));
    const autodiff = await take(tf.grad((z: tf.Tensor) => tf.sum(tv.value(z, b)))(a));
    tf.dispose([a, b]);
    for (const [name, got] of [["gradLogits", analytic], ["tf.grad of value", autodiff]] as const) {
      const error = Math.max(...got.map((g, v) => Math.abs(g - want[v])));
      assert.ok(error <= 1e-7, `${name} ${got} against ${want}: error ${error}`);
    }
  });
});
