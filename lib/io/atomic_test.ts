import assert from "node:assert/strict";
import { removeOrphanedTemporaryFiles, writeFileAtomic, writeTextFileAtomic } from "./mod.ts";

/** Runs `fn` in a fresh directory under `.tmp/` and removes it afterwards. */
async function inTempDir(fn: (dir: string) => Promise<void>): Promise<void> {
  await Deno.mkdir(".tmp", { recursive: true });
  const dir = await Deno.makeTempDir({ dir: ".tmp", prefix: "io_atomic_" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

async function names(dir: string): Promise<string[]> {
  return (await Array.fromAsync(Deno.readDir(dir))).map((entry) => entry.name).sort();
}

Deno.test("writeFileAtomic() writes the bytes and leaves no temporary file", async () => {
  await inTempDir(async (dir) => {
    const bytes = Uint8Array.from({ length: 100_000 }, (_, i) => (i * 31) % 256);
    await writeFileAtomic(`${dir}/weights.bin`, bytes);
    assert.deepEqual(await Deno.readFile(`${dir}/weights.bin`), bytes);
    assert.deepEqual(await names(dir), ["weights.bin"]);
  });
});

Deno.test("writeFileAtomic() replaces an existing file whole", async () => {
  await inTempDir(async (dir) => {
    const path = `${dir}/state.bin`;
    await Deno.writeFile(path, new Uint8Array(1000).fill(7));
    await writeFileAtomic(path, new Uint8Array([1, 2, 3]));
    assert.deepEqual(await Deno.readFile(path), new Uint8Array([1, 2, 3])); // no tail of the old file
    await writeFileAtomic(path, new Uint8Array());
    assert.equal((await Deno.stat(path)).size, 0);
    assert.deepEqual(await names(dir), ["state.bin"]);
  });
});

Deno.test("writeFileAtomic() from concurrent writers leaves one whole version", async () => {
  await inTempDir(async (dir) => {
    const path = `${dir}/checkpoint.bin`;
    const versions = Array.from({ length: 8 }, (_, v) => new Uint8Array(10_000 + v).fill(v));
    await Promise.all(versions.map((bytes) => writeFileAtomic(path, bytes)));
    const final = await Deno.readFile(path);
    assert.ok(
      versions.some((bytes) => bytes.length === final.length && bytes.every((b, i) => b === final[i])),
    );
    assert.deepEqual(await names(dir), ["checkpoint.bin"]);
  });
});

Deno.test("writeFileAtomic() into a missing directory throws and creates nothing", async () => {
  await inTempDir(async (dir) => {
    await assert.rejects(
      writeFileAtomic(`${dir}/missing/weights.bin`, new Uint8Array([1])),
      Deno.errors.NotFound,
    );
    assert.deepEqual(await names(dir), []);
  });
});

Deno.test("writeFileAtomic() that fails at the rename removes its temporary file", async () => {
  await inTempDir(async (dir) => {
    // A non-empty directory cannot be renamed over, so the write fails after the data is on disk.
    await Deno.mkdir(`${dir}/target`);
    await Deno.writeTextFile(`${dir}/target/keep.txt`, "kept");
    await assert.rejects(writeFileAtomic(`${dir}/target`, new Uint8Array([1, 2])));
    assert.deepEqual(await names(dir), ["target"]);
    assert.equal(await Deno.readTextFile(`${dir}/target/keep.txt`), "kept");
  });
});

Deno.test("writeTextFileAtomic() writes UTF-8 text", async () => {
  await inTempDir(async (dir) => {
    const text = JSON.stringify({ role: "student", note: "x̃_t ü" });
    await writeTextFileAtomic(`${dir}/config.json`, text);
    assert.equal(await Deno.readTextFile(`${dir}/config.json`), text);
    assert.deepEqual(await names(dir), ["config.json"]);
  });
});

/** Runs `fn` with `Deno.rename` and `Deno.remove` failing, as if the process died before the rename. */
async function killedBeforeRename(fn: () => Promise<void>): Promise<void> {
  const { rename, remove } = Deno;
  const dead = () => Promise.reject(new Error("killed"));
  Object.assign(Deno, { rename: dead, remove: dead });
  try {
    await fn();
  } finally {
    Object.assign(Deno, { rename, remove });
  }
}

Deno.test("removeOrphanedTemporaryFiles() removes what a killed writeFileAtomic() left", async () => {
  await inTempDir(async (dir) => {
    await writeFileAtomic(`${dir}/student.safetensors`, new Uint8Array([1]));
    await killedBeforeRename(() =>
      assert.rejects(writeFileAtomic(`${dir}/student.safetensors`, new Uint8Array(1000)), /killed/)
    );
    const left = await names(dir);
    assert.equal(left.length, 2, `an orphan beside the file: ${left}`);
    const orphan = left.find((name) => name !== "student.safetensors")!;
    assert.deepEqual(await removeOrphanedTemporaryFiles(dir), [orphan]);
    assert.deepEqual(await names(dir), ["student.safetensors"]);
    assert.deepEqual(await Deno.readFile(`${dir}/student.safetensors`), new Uint8Array([1]));
  });
});

Deno.test("removeOrphanedTemporaryFiles() leaves every other name, directories and subdirectories", async () => {
  await inTempDir(async (dir) => {
    const uuid = "0b7e4b8e-2d3c-4f5a-9b6c-7d8e9f0a1b2c";
    const orphans = [`a.json.${uuid}.tmp`, `teacher.safetensors.${uuid.replace("0b", "1c")}.tmp`];
    const kept = [
      "notes.tmp",
      `.${uuid}.tmp`, // no file name before the UUID
      `a.json.${uuid.toUpperCase()}.tmp`,
      `a.json.${uuid}.tmp.bak`,
      `a.json.${uuid.slice(1)}.tmp`,
      `a.json.${uuid.replace("-4f5a-", "-1f5a-")}.tmp`, // not a v4 UUID
      "results.json",
    ];
    for (const name of [...orphans, ...kept]) await Deno.writeFile(`${dir}/${name}`, new Uint8Array(2));
    const folder = `b.json.${uuid}.tmp`; // a directory with an orphan's name, holding an orphan
    await Deno.mkdir(`${dir}/${folder}`);
    await Deno.writeFile(`${dir}/${folder}/${orphans[0]}`, new Uint8Array(2));

    assert.deepEqual(await removeOrphanedTemporaryFiles(dir), [...orphans].sort());
    assert.deepEqual(await names(dir), [...kept, folder].sort());
    assert.deepEqual(await names(`${dir}/${folder}`), [orphans[0]]);
    assert.deepEqual(await removeOrphanedTemporaryFiles(dir), []);
  });
});

Deno.test("removeOrphanedTemporaryFiles() of a missing directory removes nothing", async () => {
  await inTempDir(async (dir) => {
    assert.deepEqual(await removeOrphanedTemporaryFiles(`${dir}/missing`), []);
  });
});
