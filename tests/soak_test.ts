/**
 * `deno task soak` on a tiny teacher file: the three checks pass and print; a bad length stops it
 * before any iteration, naming the flag and the value.
 */
import assert from "node:assert/strict";
import {
  createRng,
  resolveDistillConfig,
  resolveTransformerConfig,
  saveTransformer,
  tf,
  Transformer,
} from "@dimo/dimo";
import { soak } from "../tools/soak.ts";
import { useTestBackend } from "../lib/backend/testing.ts";
import { inTempDir, projectCommand } from "../experiments/_testing.ts";

await useTestBackend();

/** `tools/soak.ts` with `args` on wasm, one thread. */
async function soakCommand(
  args: readonly string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  const { code, stdout, stderr } = await projectCommand("tools/soak.ts", args).output();
  const text = new TextDecoder();
  return { code, stdout: text.decode(stdout), stderr: text.decode(stderr) };
}

const TINY = resolveTransformerConfig({
  codebookSize: 8,
  numClasses: 2,
  seqLen: 4,
  width: 16,
  heads: 2,
  layers: 1,
});

Deno.test("the soak passes its three checks on a tiny teacher and says so", async () => {
  await inTempDir("soak-", async (dir) => {
    const teacher = new Transformer(TINY, { rng: createRng(3) });
    await saveTransformer(`${dir}/teacher.safetensors`, teacher);
    teacher.dispose();
    const { code, stdout, stderr } = await soakCommand([
      "--teacher",
      `${dir}/teacher.safetensors`,
      "--iterations",
      "12",
      "--stop-at",
      "5",
      "--batch",
      "2",
      "--out",
      dir,
    ]);
    assert.equal(code, 0, stderr);
    const rows = stdout.split("\n").filter((line) => /^(pass|FAIL) /.test(line));
    assert.equal(rows.length, 3, stdout);
    assert.ok(rows.every((row) => row.startsWith("pass")), stdout);
    assert.match(
      stdout,
      /resume \(4 iterations, stopped after 3\): curves equal; student weights max \|Δ\| 0/,
    );
    assert.match(stdout, /tensors \(12 iterations, resumed from 5\): 123 after 5 iterations, 123 after 12/);
    assert.match(stderr, /Di\[M\]O, resumed: 12\/12, .*tensors .*ETA 0 s/, "progress with the tensor count");
    assert.deepEqual(
      [...Deno.readDirSync(dir)].map((e) => e.name),
      ["teacher.safetensors"],
      "state files removed",
    );
  });
});

Deno.test("the soak refuses a stop outside the run, or nothing left to resume, before it starts", async () => {
  const short = await soakCommand(["--exactness-iterations", "2", "--out", ".tmp/soak-bad"]);
  assert.notEqual(short.code, 0);
  assert.match(short.stderr, /'--exactness-iterations' must be a decimal integer in \[4, /);
  const { code, stderr } = await soakCommand([
    "--iterations",
    "10",
    "--stop-at",
    "10",
    "--out",
    ".tmp/soak-bad",
  ]);
  assert.notEqual(code, 0);
  assert.match(
    stderr,
    /Cannot soak the distillation as '--stop-at' must be an integer in \[1, 9\]: current value is 10/,
  );
});

Deno.test("the soak's tensor check fails when tensors leak during the run", async () => {
  await inTempDir("soak-leak-", async (dir) => {
    const teacher = new Transformer(TINY, { rng: createRng(3) });
    const leaked: tf.Tensor[] = [];
    const rows = await soak({
      teacher,
      config: resolveDistillConfig({ batch: 2 }),
      iterations: 6,
      stopAt: 3,
      exactnessIterations: 4,
      dir,
      progress: () => leaked.push(tf.scalar(1)), // one tensor kept at every progress report
    });
    tf.dispose(leaked);
    teacher.dispose();
    const tensors = rows.find((row) => row.name.startsWith("tensors"))!;
    assert.equal(tensors.pass, false, tensors.measured);
    assert.ok(rows.filter((row) => row !== tensors).every((row) => row.pass));
  });
});
