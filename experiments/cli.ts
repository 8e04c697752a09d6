/**
 * `deno task experiment [name] [--profile quick|full] [--backend B] [--seed N] [--out DIR] [--sweep S]`
 *
 * Runs one experiment and writes `DIR/results.json` and `DIR/results.md`. With no name it runs
 * the default experiment in its quick profile.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { chooseBackendName, useBackend } from "../lib/backend/mod.ts";
import { checkInteger, checkOneOf } from "../lib/validate/mod.ts";
import { resultsMarkdown, writeResults } from "./results.ts";
import { type ExperimentName, EXPERIMENTS } from "./registry.ts";

const PROFILES = ["quick", "full"] as const;

async function main(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      profile: { type: "string", default: "quick" },
      backend: { type: "string" },
      seed: { type: "string", default: "0" },
      out: { type: "string" },
      sweep: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  const names = Object.keys(EXPERIMENTS) as ExperimentName[];
  if (values.help) {
    console.log(
      `usage: deno task experiment [${names.join("|")}] [--profile quick|full] [--backend B] ` +
        `[--seed N] [--out DIR] [--sweep NAME]`,
    );
    for (const name of names) console.log(`  ${name}: ${EXPERIMENTS[name].description}`);
    return;
  }
  const name = positionals[0] ?? names[0];
  checkOneOf("run an experiment", "name", name, names);
  checkOneOf("run an experiment", "--profile", values.profile, PROFILES);
  const seed = Number(values.seed);
  checkInteger("run an experiment", "--seed", seed);
  const backend = await useBackend(chooseBackendName(values.backend));
  const out = values.out ?? `runs/${name}-${values.profile}`;
  console.log(
    `${name} (${values.profile}) on ${backend.name}: ${backend.adapter}; seed ${seed}; writing ${out}`,
  );
  const results = await EXPERIMENTS[name].run({
    profile: values.profile,
    seed,
    backend,
    sweep: values.sweep,
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
