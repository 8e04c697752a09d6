import assert from "node:assert/strict";
import { cleanCheckpoints, isInside, prepareOut } from "./files.ts";
import { inTempDir } from "./_testing.ts";

const ORPHAN = "teacher.safetensors.0b7e4b8e-2d3c-4f5a-9b6c-7d8e9f0a1b2c.tmp";

Deno.test("isInside() judges paths against the project directory", () => {
  assert.ok(isInside("runs/x", Deno.cwd()));
  assert.ok(!isInside("../x", Deno.cwd()));
  assert.ok(isInside("/p/runs", "/p"));
  assert.ok(isInside("/p", "/p"));
  assert.ok(isInside("/p/..data", "/p"));
  assert.ok(!isInside("/p/../q", "/p"));
  assert.ok(!isInside("/pq", "/p"));
  assert.ok(!isInside("/tmp/x", "/p"));
});

Deno.test("prepareOut() creates a new directory, nested, and removes orphaned temporary files", async () => {
  await inTempDir("files_", async (dir) => {
    assert.deepEqual(await prepareOut(`${dir}/new/out`), []);
    assert.ok((await Deno.stat(`${dir}/new/out`)).isDirectory);
    await Deno.writeTextFile(`${dir}/new/out/${ORPHAN}`, "half a teacher");
    await Deno.writeTextFile(`${dir}/new/out/results.json`, "{}");
    assert.deepEqual(await prepareOut(`${dir}/new/out`), [ORPHAN]);
    assert.deepEqual([...Deno.readDirSync(`${dir}/new/out`)].map((e) => e.name), ["results.json"]);
  });
});

Deno.test("prepareOut() refuses a file, a path outside the project and an empty path", async () => {
  await inTempDir("files_", async (dir) => {
    await Deno.writeTextFile(`${dir}/results`, "");
    await assert.rejects(
      prepareOut(`${dir}/results`),
      new RegExp(
        `^Error: Cannot run an experiment as '--out' must be a directory or a path to create one, not a file: ` +
          `current value is "${dir}/results"$`,
      ),
    );
    for (const out of ["/tmp/dimo-out", "../dimo-out", ""]) {
      await assert.rejects(prepareOut(out), (error: unknown) => {
        assert.ok(error instanceof Error);
        assert.equal(
          error.message,
          `Cannot run an experiment as '--out' must be a directory inside the project, ${Deno.cwd()} ` +
            `(the only place the task may write): current value is "${out}"`,
        );
        return true;
      });
    }
    await assert.rejects(
      prepareOut("/tmp/dimo-out", "/tmp"),
      /'--out' must be a directory this process may read and write: current value is "\/tmp\/dimo-out"$/,
      "inside that project, but not readable under the test's permissions",
    );
  });
});

Deno.test("cleanCheckpoints() cleans a writable directory of the project and leaves others alone", async () => {
  await inTempDir("files_", async (dir) => {
    await Deno.writeTextFile(`${dir}/${ORPHAN}`, "");
    assert.deepEqual(await cleanCheckpoints(dir, "/elsewhere"), []);
    assert.deepEqual(
      await cleanCheckpoints("checkpoints/mnist"),
      [],
      "not writable under the test's permissions",
    );
    assert.deepEqual(await cleanCheckpoints(dir), [ORPHAN]);
    assert.deepEqual([...Deno.readDirSync(dir)], []);
  });
});
