import assert from "node:assert/strict";

const REPO = new URL("../../", import.meta.url);

/** Copies `mod.ts` and `lib/` (its TypeScript only) from this checkout into `folder`. */
async function copySources(folder: string): Promise<void> {
  await Deno.copyFile(new URL("mod.ts", REPO), `${folder}/mod.ts`);
  const copyTree = async (from: URL, to: string): Promise<void> => {
    await Deno.mkdir(to, { recursive: true });
    for await (const entry of Deno.readDir(from)) {
      if (entry.isDirectory) await copyTree(new URL(`${entry.name}/`, from), `${to}/${entry.name}`);
      else if (entry.name.endsWith(".ts")) {
        await Deno.copyFile(new URL(entry.name, from), `${to}/${entry.name}`);
      }
    }
  };
  await copyTree(new URL("lib/", REPO), `${folder}/lib`);
}

const CONSUMER_MAIN = `
import { tf, useBackend } from "@dimo/dimo";
const info = await useBackend("wasm", { threads: 2 });
const sum = tf.tidy(() => tf.matMul(tf.ones([64, 32]), tf.ones([32, 16])).sum()).dataSync()[0];
console.log(JSON.stringify({ adapter: info.adapter, sum, deno: Deno.version.deno }));
`;

// A project of its own outside this checkout, importing dimo by path from a copy of dimo that has no
// node_modules of its own (as a fresh clone has): only the project's node_modules holds tfjs.
Deno.test("wasm threads start when another project imports dimo by path", async () => {
  const root = await Deno.makeTempDir({ prefix: "dimo_consumer_" });
  try {
    await Deno.mkdir(`${root}/dimo`);
    await copySources(`${root}/dimo`);
    const config = JSON.parse(await Deno.readTextFile(new URL("deno.json", REPO)));
    const imports = { ...config.imports, "@dimo/dimo": "../dimo/mod.ts" };
    await Deno.mkdir(`${root}/app`);
    await Deno.writeTextFile(`${root}/app/deno.json`, JSON.stringify({ nodeModulesDir: "auto", imports }));
    // The same versions as this checkout, from the cache, with no registry look-up.
    await Deno.copyFile(new URL("deno.lock", REPO), `${root}/app/deno.lock`);
    await Deno.writeTextFile(`${root}/app/main.ts`, CONSUMER_MAIN);
    // "deno" by name is what --allow-run=deno grants; the version check below makes sure it is this one.
    const { code, stdout, stderr } = await new Deno.Command("deno", {
      args: ["run", "--quiet", "--cached-only", "--allow-read=.", "main.ts"],
      cwd: `${root}/app`,
      env: { NO_COLOR: "1" },
      stdout: "piped",
      stderr: "piped",
      signal: AbortSignal.timeout(120_000),
    }).output();
    const errors = new TextDecoder().decode(stderr);
    assert.equal(code, 0, errors);
    const result = JSON.parse(new TextDecoder().decode(stdout));
    assert.equal(result.deno, Deno.version.deno, "the deno on PATH is not the one running the tests");
    assert.match(result.adapter, /wasm SIMD, 2 threads/);
    assert.equal(result.sum, 64 * 16 * 32);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
