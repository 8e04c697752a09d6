/**
 * `deno task experiment [name] [--profile smoke|quick|full] [--backend B] [--threads N] [--seed N]
 * [--out DIR] [--sweep S[,S…]] [--teacher FILE] [--set KEY=VALUE]…`
 *
 * Runs one experiment and writes `DIR/results.json` and `DIR/results.md` (and the checkpoints it
 * trains). With no name it runs the default experiment in its quick profile. `--teacher` starts
 * from a saved teacher instead of training one; `--sweep` runs ablation tables instead of the
 * main one. `--set distill.init.sigma=0` (repeatable) overrides one setting of the profile, typed
 * by its default (unknown keys are refused); the overrides are recorded in results.json. `--threads` (or `DIMO_THREADS`) sets the wasm backend's threads (default: the
 * machine's cores).
 *
 * @module
 */
import { parseArgs } from "node:util";
import { chooseBackendName, chooseThreads, useBackend } from "../lib/backend/mod.ts";
import { checkInteger, checkOneOf } from "../lib/validate/mod.ts";
import { resultsMarkdown, writeResults } from "./results.ts";
import { type Experiment, type ExperimentName, EXPERIMENTS } from "./registry.ts";
import { pathKind } from "./files.ts";
import { PROFILE_NAMES } from "./settings.ts";

/** Fails at start, naming the flag, when a file or directory the run needs is not there or unreadable. */
async function checkPath(flag: string, path: string, kind: "file" | "directory"): Promise<void> {
  const found = await pathKind(path).catch((error) => {
    if (!(error instanceof Deno.errors.NotCapable || error instanceof Deno.errors.PermissionDenied)) {
      throw error;
    }
    throw new Error(
      `Cannot run an experiment as '${flag}' names a path this process may not read: "${path}" ` +
        "(the experiment task reads only the project directory; put the files there)",
    );
  });
  if (found !== kind) {
    const expected = kind === "file" ? "a readable file" : "a directory";
    throw new Error(`Cannot run an experiment as '${flag}' must be ${expected}: current value is "${path}"`);
  }
}

async function main(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      profile: { type: "string", default: "quick" },
      backend: { type: "string" },
      threads: { type: "string" },
      seed: { type: "string", default: "0" },
      out: { type: "string" },
      sweep: { type: "string" },
      teacher: { type: "string" },
      checkpoints: { type: "string" },
      "eval-samples": { type: "string" },
      set: { type: "string", multiple: true },
      help: { type: "boolean", short: "h" },
    },
  });
  const names = Object.keys(EXPERIMENTS) as ExperimentName[];
  if (values.help) {
    console.log(
      `usage: deno task experiment [${names.join("|")}] [--profile ${PROFILE_NAMES.join("|")}] ` +
        `[--backend B] [--threads N] [--seed N] [--out DIR] [--sweep NAME[,NAME…]] [--teacher FILE] ` +
        `[--set KEY=VALUE]…`,
    );
    for (const name of names) {
      const { description, sweeps } = EXPERIMENTS[name];
      console.log(`  ${name}: ${description}${sweeps ? ` (sweeps: ${sweeps.join(", ")})` : ""}`);
    }
    return;
  }
  const name = positionals[0] ?? names[0];
  checkOneOf("run an experiment", "name", name, names);
  checkOneOf("run an experiment", "--profile", values.profile, PROFILE_NAMES);
  const seed = Number(values.seed);
  checkInteger("run an experiment", "--seed", seed);
  const experiment: Experiment = EXPERIMENTS[name];
  for (const sweep of values.sweep?.split(",") ?? []) {
    checkOneOf(`run ${name}`, "--sweep", sweep.trim(), experiment.sweeps ?? []);
  }
  if (values.teacher !== undefined) await checkPath("--teacher", values.teacher, "file");
  for (const flag of ["checkpoints", "eval-samples"] as const) {
    if (values[flag] !== undefined && !experiment.flags?.includes(flag)) {
      throw new RangeError(`Cannot run ${name} with --${flag}: it takes only the other flags`);
    }
  }
  if (values.checkpoints !== undefined) await checkPath("--checkpoints", values.checkpoints, "directory");
  const evalSamples = values["eval-samples"] === undefined ? undefined : Number(values["eval-samples"]);
  if (evalSamples !== undefined) checkInteger("run an experiment", "--eval-samples", evalSamples, 10);
  const backend = await useBackend(chooseBackendName(values.backend), {
    threads: chooseThreads(values.threads),
  });
  const out = values.out ??
    `runs/${name}-${values.profile}${values.sweep ? `-sweep-${values.sweep.replaceAll(",", "-")}` : ""}`;
  console.log(
    `${name} (${values.profile}) on ${backend.name}: ${backend.adapter}; seed ${seed}; writing ${out}`,
  );
  const results = await experiment.run({
    profile: values.profile,
    seed,
    backend,
    sweep: values.sweep,
    teacher: values.teacher,
    checkpoints: values.checkpoints,
    evalSamples,
    out,
    overrides: values.set ?? [],
  });
  await writeResults(out, results);
  console.log(resultsMarkdown(results));
}

if (import.meta.main) {
  try {
    await main(Deno.args);
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    Deno.exit(1);
  }
}
