import assert from "node:assert/strict";
import type { BackendInfo } from "../lib/backend/mod.ts";
import { NETWORK_NAMES } from "./image_networks.ts";
import { checkpointPlan } from "./network_store.ts";
import { IMAGE_PROFILES, runImages } from "./images.ts";
import { inTempDir } from "./_testing.ts";

const EXPECTED = "tokenizer.safetensors, classifier.safetensors, teacher.safetensors, student.safetensors";

Deno.test("checkpointPlan() says which networks a directory holds and which will be trained", async () => {
  await inTempDir("image_networks_", async (dir) => {
    await Deno.writeTextFile(`${dir}/tokenizer.safetensors`, "");
    await Deno.writeTextFile(`${dir}/teacher.safetensors`, "");
    assert.deepEqual(await checkpointPlan(dir, NETWORK_NAMES), {
      loaded: ["tokenizer", "teacher"],
      trained: ["classifier", "student"],
      summary: `${dir}: loading tokenizer, teacher; training classifier, student`,
    });
    await Deno.remove(`${dir}/teacher.safetensors`);
    const withTeacher = await checkpointPlan(dir, NETWORK_NAMES, "t.safetensors");
    assert.deepEqual(withTeacher.loaded, ["tokenizer", "teacher"]);
    assert.equal(
      withTeacher.summary,
      `${dir}: loading tokenizer, teacher (t.safetensors); training classifier, student`,
    );
  });
});

Deno.test("checkpointPlan() refuses a directory holding none of the networks, listing the files", async () => {
  await inTempDir("image_networks_", async (dir) => {
    await Deno.writeTextFile(`${dir}/training.json`, "{}");
    await Deno.mkdir(`${dir}/student.safetensors`); // a directory of that name is no checkpoint
    await assert.rejects(
      checkpointPlan(dir, NETWORK_NAMES),
      new RegExp(
        `^Error: Cannot load networks from "${dir}" as it must hold at least one of ${EXPECTED}: it holds none$`,
      ),
    );
  });
});

Deno.test("runImages() with an empty --checkpoints directory fails before reading any data", async () => {
  await inTempDir("image_networks_", async (dir) => {
    let loads = 0;
    const sources = { load: () => (loads++, Promise.reject(new Error("no data here"))) };
    const backend = { name: "cpu", adapter: "none" } as BackendInfo; // never used: the run stops first
    await assert.rejects(
      runImages(
        { profile: "quick", seed: 0, backend, out: `${dir}/out`, checkpoints: dir },
        "mnist",
        IMAGE_PROFILES.quick,
        sources,
      ),
      /as it must hold at least one of/,
    );
    assert.equal(loads, 0);
  });
});
