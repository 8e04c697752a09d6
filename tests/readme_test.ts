/**
 * The README's library example, run as a user would: from a project of its own that maps
 * `@dimo/dimo` to this checkout, with exactly the permissions the README states.
 */
import assert from "node:assert/strict";

const REPO = new URL("../", import.meta.url);

/** The example's code and its command line, as the README gives them. */
async function readmeExample(): Promise<{ code: string; command: string[] }> {
  const readme = await Deno.readTextFile(new URL("README.md", REPO));
  const section = readme.slice(readme.indexOf("A distillation from a saved teacher"));
  const command = section.match(/`deno (run [^`]+ distill\.ts)`/)?.[1];
  const code = section.match(/```ts ignore\n([\s\S]*?)```/)?.[1];
  assert.ok(command !== undefined && code !== undefined, "the README's distillation example is where it was");
  return { code, command: command.split(" ") };
}

Deno.test("the README's distillation example runs from a project of its own with the permissions it states", async () => {
  const { code, command } = await readmeExample();
  // The same program, shortened: 3 iterations of batch 4 instead of 1,500 of batch 32.
  const short = code.replace("iterations: 1500", "iterations: 3").replace("batch: 32", "batch: 4");
  assert.equal((short.match(/iterations: 3|batch: 4/g) ?? []).length, 2, "the example's settings moved");
  const root = await Deno.makeTempDir({ prefix: "dimo_readme_" });
  try {
    const imports = { "@dimo/dimo": new URL("mod.ts", REPO).href };
    await Deno.writeTextFile(`${root}/deno.json`, JSON.stringify({ nodeModulesDir: "auto", imports }));
    await Deno.copyFile(
      new URL("checkpoints/mnist/teacher.safetensors", REPO),
      `${root}/teacher.safetensors`,
    );
    // The test may not read the project's files, so the program reports what it wrote.
    const report = 'console.log(JSON.stringify(["student", "distill-state"].map((f) => ' +
      "Deno.statSync(`out/${f}.safetensors`).size)));\n";
    await Deno.writeTextFile(`${root}/distill.ts`, short + report);
    // As a user's first run would, resolve the packages (the registry's metadata is fetched only if the
    // cache lacks it, as on a fresh machine); then "deno" by name, which is what --allow-run=deno grants,
    // runs the example with --cached-only, off the network.
    const deno = (args: string[]) =>
      new Deno.Command("deno", {
        args,
        cwd: root,
        env: { NO_COLOR: "1" },
        stdout: "piped",
        stderr: "piped",
        signal: AbortSignal.timeout(180_000),
      }).output();
    const install = await deno(["install", "--quiet", "--entrypoint", "distill.ts"]);
    assert.equal(install.code, 0, new TextDecoder().decode(install.stderr));
    const [run, ...rest] = command;
    const { code: status, stdout, stderr } = await deno([run, "--quiet", "--cached-only", ...rest]);
    assert.equal(status, 0, new TextDecoder().decode(stderr));
    const sizes: number[] = JSON.parse(new TextDecoder().decode(stdout).trim().split("\n").at(-1)!);
    assert.ok(sizes.every((size) => size > 0), `out/student and out/distill-state written: ${sizes}`);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
