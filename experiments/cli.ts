/**
 * `deno task experiment [name] [flags]` (`--help` lists the flags; see `args.ts`)
 *
 * Runs one experiment and writes `results.json`, `results.md` and `results.html` to `--out` (and
 * the networks it trains). With no name it runs the default experiment in its quick profile.
 * `--teacher` starts from a saved teacher instead of training one; `--sweep` runs ablation tables
 * instead of the main one. `--set distill.init.sigma=0` (repeatable) overrides one setting of the
 * profile, typed by its default (unknown keys are refused); the overrides are recorded in
 * results.json. `--threads` (or `DIMO_THREADS`) sets the wasm backend's threads (default: half the
 * machine's cores).
 *
 * @module
 */
import { chooseBackendName, chooseThreads, useBackend } from "../lib/backend/mod.ts";
import { checkOneOf } from "../lib/validate/mod.ts";
import { resultsMarkdown, writeResults } from "./results.ts";
import { type Experiment, type ExperimentName, EXPERIMENTS } from "./registry.ts";
import { helpText, parseExperimentArgs } from "./args.ts";
import { checkReadable, cleanCheckpoints, prepareOut } from "./files.ts";

/**
 * Runs the command line: checks every flag and path, prepares `--out`, then runs the experiment.
 *
 * @param args The arguments after the task name.
 * @throws {Error} For a bad flag or path, before the backend starts or anything is trained. *
 * @example Refuse a seed typed as a float
 * ```ts
 * import assert from "node:assert";
 * import { main } from "./cli.ts";
 * await assert.rejects(main(["--seed", "2.0"]), /'--seed' must be a decimal integer .*: current value is "2.0"/);
 * ```
 */
export async function main(args: string[]): Promise<void> {
  const names = Object.keys(EXPERIMENTS) as ExperimentName[];
  const parsed = parseExperimentArgs(args, names);
  if (parsed.help) {
    console.log(helpText(EXPERIMENTS));
    return;
  }
  const { name, options } = parsed;
  const { profile, seed } = options;
  const experiment: Experiment = EXPERIMENTS[name];
  for (const sweep of options.sweep?.split(",") ?? []) {
    checkOneOf(`run ${name}`, "--sweep", sweep.trim(), experiment.sweeps ?? []);
  }
  if (options.teacher !== undefined) await checkReadable("--teacher", options.teacher, "file");
  if (options.vqgan !== undefined) await checkReadable("--vqgan", options.vqgan, "file");
  if (options.checkpoints !== undefined) {
    await checkReadable("--checkpoints", options.checkpoints, "directory");
  }
  const out = options.out ??
    `runs/${name}-${profile}${options.sweep ? `-sweep-${options.sweep.replaceAll(",", "-")}` : ""}`;
  const removed = [
    ...await prepareOut(out),
    ...options.checkpoints === undefined ? [] : await cleanCheckpoints(options.checkpoints),
  ];
  if (removed.length > 0) console.log(`removed ${removed.length} temporary file(s) a killed run left behind`);
  const backend = await useBackend(chooseBackendName(options.backend), {
    threads: chooseThreads(options.threads === undefined ? undefined : String(options.threads)),
  });
  console.log(`${name} (${profile}) on ${backend.name}: ${backend.adapter}; seed ${seed}; writing ${out}`);
  const stop = stopOnSignal();
  try {
    const results = await experiment.run({
      profile,
      seed,
      backend,
      sweep: options.sweep,
      teacher: options.teacher,
      vqgan: options.vqgan,
      checkpoints: options.checkpoints,
      evalSamples: options["eval-samples"],
      out,
      overrides: options.set ?? [],
      signal: stop.signal,
    });
    await writeResults(out, results);
    console.log(resultsMarkdown(results));
  } catch (error) {
    if (error !== stop.signal.reason) throw error;
    throw new StoppedError(
      `stopped; what the run had done is saved in ${out}: the same command goes on from there`,
    );
  } finally {
    stop.remove();
  }
}

/** A run stopped by a signal, its state saved: the process exits 130, as a shell does for Ctrl-C. */
class StoppedError extends Error {}

/**
 * Turns the first SIGINT or SIGTERM into an abort, so the training stops at its next checkpoint
 * with its state saved (a chunked run under `timeout` resumes where it stopped); a second exits
 * at once.
 */
function stopOnSignal(): { readonly signal: AbortSignal; remove(): void } {
  const controller = new AbortController();
  const signals: Deno.Signal[] = Deno.build.os === "windows" ? ["SIGINT"] : ["SIGINT", "SIGTERM"];
  const onSignal = () => {
    if (controller.signal.aborted) Deno.exit(130);
    console.error("stopping: a training saves its state first (signal again to stop at once)");
    controller.abort(new StoppedError("stopped by a signal"));
  };
  for (const name of signals) Deno.addSignalListener(name, onSignal);
  return {
    signal: controller.signal,
    remove: () => signals.forEach((name) => Deno.removeSignalListener(name, onSignal)),
  };
}

if (import.meta.main) {
  try {
    await main(Deno.args);
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    Deno.exit(error instanceof StoppedError ? 130 : 1);
  }
}
