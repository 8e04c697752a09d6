/**
 * The command line end to end, in-process, on what fails at start: each of these once failed
 * only after a teacher had trained, or not at all.
 */
import assert from "node:assert/strict";
import { main } from "./cli.ts";
import { inTempDir } from "./_testing.ts";

/** What `main(args)` prints with `console.log`. */
async function printed(args: string[]): Promise<string> {
  const lines: string[] = [];
  const log = console.log;
  console.log = (...parts: unknown[]) => lines.push(parts.join(" "));
  try {
    await main(args);
  } finally {
    console.log = log;
  }
  return lines.join("\n");
}

Deno.test("main() --help lists every flag, --checkpoints and --eval-samples included", async () => {
  const help = await printed(["--help"]);
  for (const flag of ["profile", "backend", "threads", "seed", "out", "sweep", "teacher", "checkpoints"]) {
    assert.match(help, new RegExp(`--${flag} `));
  }
  assert.match(help, /--eval-samples N/);
  assert.match(help, /exact-joint: .*\(sweeps: /);
});

Deno.test("main() refuses at start an --out that is a file or outside the project", async () => {
  await inTempDir("cli_", async (dir) => {
    await Deno.writeTextFile(`${dir}/taken`, "");
    const start = performance.now();
    await assert.rejects(
      main(["exact-joint", "--out", `${dir}/taken`]),
      /'--out' must be a directory or a path to create one, not a file: current value is ".*taken"/,
    );
    await assert.rejects(main(["--out", "/tmp/dimo-run"]), (error: unknown) => {
      assert.ok(error instanceof Error);
      assert.match(
        error.message,
        /'--out' must be a directory inside the project, .*: current value is "\/tmp\/dimo-run"/,
      );
      assert.doesNotMatch(error.message, /allow-write/);
      return true;
    });
    assert.ok(performance.now() - start < 5000, "before any training");
  });
});

Deno.test("main() refuses a loose integer and an extra argument, quoting them", async () => {
  await assert.rejects(
    main(["--seed", "abc"]),
    /'--seed' must be a decimal integer .*: current value is "abc"/,
  );
  await assert.rejects(main(["--seed= "]), /current value is " "/);
  await assert.rejects(main(["mnist", "fashion"]), /current value is \["mnist","fashion"\]/);
  await assert.rejects(main(["--threads", "2.0"]), /'--threads' .*current value is "2.0"/);
});

Deno.test("main() refuses a --teacher or --checkpoints that is not there, before touching --out", async () => {
  await inTempDir("cli_", async (dir) => {
    await assert.rejects(
      main(["--teacher", `${dir}/missing.safetensors`, "--out", `${dir}/out`]),
      /'--teacher' must be a readable file/,
    );
    await assert.rejects(
      main(["mnist", "--checkpoints", `${dir}/missing`, "--out", `${dir}/out`]),
      /'--checkpoints' must be a directory/,
    );
    assert.deepEqual([...Deno.readDirSync(dir)], []);
  });
});
