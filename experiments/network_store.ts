/**
 * The networks of an experiment that trains several: each loaded from a checkpoint directory when
 * it holds one, else trained and saved to the output directory as soon as it exists, with
 * `training.json` saying how each was trained (settings, seconds, final losses, seed, date). A run
 * that stopped goes on from its output directory.
 *
 * @module
 */
import { resolve } from "node:path";
import { CheckpointMismatchError, writeTextFileAtomic } from "../lib/io/mod.ts";
import type { CurvePoint } from "../lib/progress/mod.ts";
import { pathKind } from "./files.ts";
import { loadTransformer, saveTransformer, type Transformer } from "../lib/models/mod.ts";
import { type DistillConditioning, type DistillConfig, distillStudent } from "../lib/distill/mod.ts";
import type { ProgressReporter } from "../lib/progress/mod.ts";
import { DISTILL_STATE_FILE } from "./settings.ts";
import { type Chart, trainingCurves } from "../lib/viz/mod.ts";

/** How one network came to be: trained in this run, or loaded (with what its directory says). */
export interface NetworkRecord {
  /** `trained` here, or the checkpoint file it was loaded from. */
  readonly source: string;
  /**
   * Seconds spent training it in this run: 0 when loaded, and only the iterations after
   * `resumedFrom` when the run resumed a state file its directory held (a teacher's and a
   * student's `iterationSeconds` cover every run's iterations).
   */
  readonly seconds: number;
  /** Training settings and outcomes (from `training.json` when loaded). */
  readonly [detail: string]: unknown;
}

/** The name of the file describing a checkpoint directory's networks. */
export const TRAINING_FILE = "training.json";

const isFile = async (path: string) => await pathKind(path) === "file";

/** `training.json` of a directory, or `{}` when it has none. */
async function readTrainingRecords(dir: string): Promise<Record<string, NetworkRecord>> {
  const path = `${dir}/${TRAINING_FILE}`;
  if (!await isFile(path)) return {};
  const parsed = JSON.parse(await Deno.readTextFile(path));
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new TypeError(`Cannot read "${path}": expected a JSON object of network records`);
  }
  return parsed;
}

/**
 * Which networks a checkpoint directory holds and which a run from it will train, checked before
 * anything is loaded or trained.
 *
 * @param dir The checkpoint directory.
 * @param names The experiment's networks, in the order they are made.
 * @param teacherFile A teacher checkpoint given apart (`--teacher`), which replaces the directory's.
 * @returns The networks loaded (from `dir` or `teacherFile`) and those to train, in order, and one
 *   line saying so.
 * @throws {Error} If `dir` holds none of the networks' files: a mistyped or empty directory would
 *   otherwise train everything without a word.
 *
 * @example An empty directory is refused
 * ```ts
 * import assert from "node:assert";
 * import { checkpointPlan } from "./network_store.ts";
 * await Deno.mkdir(".tmp", { recursive: true });
 * const dir = await Deno.makeTempDir({ dir: ".tmp" });
 * const names = ["tokenizer", "teacher", "student"];
 * await assert.rejects(checkpointPlan(dir, names), /must hold at least one of tokenizer.safetensors/);
 * await Deno.writeFile(`${dir}/teacher.safetensors`, new Uint8Array());
 * assert.deepEqual((await checkpointPlan(dir, names)).trained, ["tokenizer", "student"]);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function checkpointPlan<Name extends string>(
  dir: string,
  names: readonly Name[],
  teacherFile?: string,
): Promise<{ loaded: Name[]; trained: Name[]; summary: string }> {
  const present = await Promise.all(names.map((name) => isFile(`${dir}/${name}.safetensors`)));
  if (!present.includes(true)) {
    const expected = names.map((name) => `${name}.safetensors`).join(", ");
    throw new Error(
      `Cannot load networks from "${dir}" as it must hold at least one of ${expected}: it holds none`,
    );
  }
  const loaded = names.filter((name, i) => present[i] || (name === "teacher" && teacherFile));
  const trained = names.filter((name) => !loaded.includes(name));
  const from = (name: Name) => name === "teacher" && teacherFile ? `teacher (${teacherFile})` : name;
  const summary = `${dir}: loading ${loaded.map(from).join(", ")}; ` +
    (trained.length > 0 ? `training ${trained.join(", ")}` : "training none");
  return { loaded, trained, summary };
}

/**
 * The checkpoint directory a run starts from: `--checkpoints` when given; for the quick and smoke
 * profiles, the shipped networks when they are there; else `--out` when an earlier run left
 * networks there (the run goes on from them); else none (train everything). Prints which networks
 * it loads and which it trains, and fails if it holds none (see {@linkcode checkpointPlan}).
 *
 * @param run The command line's choices: `checkpoints`, `profile`, `out` and `teacher`.
 * @param names The experiment's networks.
 * @param shipped Where its shipped networks live; none for an experiment that ships none.
 * @returns The directory, or `undefined`.
 */
export async function checkpointSource<Name extends string>(
  run: {
    readonly checkpoints?: string;
    readonly profile: string;
    readonly out: string;
    readonly teacher?: string;
  },
  names: readonly Name[],
  shipped?: string,
): Promise<string | undefined> {
  const earlier = (await Promise.all(names.map((name) => pathKind(`${run.out}/${name}.safetensors`))))
    .includes("file");
  const source = run.checkpoints ??
    (run.profile !== "full" && shipped !== undefined && await pathKind(shipped) === "directory"
      ? shipped
      : earlier
      ? run.out
      : undefined);
  if (source !== undefined) console.log((await checkpointPlan(source, names, run.teacher)).summary);
  return source;
}

/**
 * The one-step student's row in a table: "one-step student (EMA)", and its iterations where known.
 *
 * @param iterations The distillation's iterations (a record's `iterations`), if any.
 * @returns The row's method.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { studentMethod } from "./network_store.ts";
 * assert.equal(studentMethod(400), "one-step student (EMA), 400 iterations");
 * assert.equal(studentMethod(undefined), "one-step student (EMA)");
 * ```
 */
export function studentMethod(iterations: unknown): string {
  return `one-step student (EMA)${typeof iterations === "number" ? `, ${iterations} iterations` : ""}`;
}

/**
 * The distillation's training chart: the aux model's loss and ½Σg²/B against the iterations.
 *
 * @param curve The distillation's curve.
 * @param label Whose distillation (a sweep row's label).
 * @returns The chart.
 */
export function distillationChart(curve: readonly CurvePoint[], label = "Di[M]O"): Chart {
  return trainingCurves(curve, { keys: ["auxLoss", "gSquared"], title: `${label}: aux loss and ½Σg²/B` });
}

/** The records without their training curves (which go into charts instead), for a results' config. */
export function withoutCurves(
  records: Readonly<Record<string, NetworkRecord>>,
): Record<string, NetworkRecord> {
  return Object.fromEntries(Object.entries(records).map(([name, { curve: _, ...record }]) => [name, record]));
}

/** A network the store can hold: anything that frees its tensors. */
interface Disposable {
  dispose(): void;
}

/**
 * Loads networks from a checkpoint directory or trains and saves them, keeping their records;
 * {@linkcode NetworkStore.disposeAll} frees every network made when a later one fails.
 */
export class NetworkStore<Name extends string> {
  /** Per network made so far: where it came from and how it was trained. */
  readonly records: Partial<Record<Name, NetworkRecord>> = {};
  readonly #from: string | undefined;
  readonly #out: string;
  readonly #seed: number;
  readonly #loadedRecords: Record<string, NetworkRecord>;
  readonly #made: Disposable[] = [];

  private constructor(
    from: string | undefined,
    out: string,
    seed: number,
    loaded: Record<string, NetworkRecord>,
  ) {
    this.#from = from;
    this.#out = out;
    this.#seed = seed;
    this.#loadedRecords = loaded;
  }

  /**
   * A store reading from `from` (none: train everything) and writing to `out`.
   *
   * @param from A checkpoint directory, or `undefined`.
   * @param out Where trained networks and `training.json` go.
   * @param seed The run's seed; networks loaded from `out` itself must have been trained with it.
   * @returns The store.
   */
  static async open<Name extends string>(
    from: string | undefined,
    out: string,
    seed: number,
  ): Promise<NetworkStore<Name>> {
    return new NetworkStore(from, out, seed, from === undefined ? {} : await readTrainingRecords(from));
  }

  /**
   * Loads `name` from the checkpoint directory (or `file`), or trains it with `train` and saves it
   * with `save` to the output directory, then records how.
   *
   * @throws {CheckpointMismatchError} If the run resumes its own output directory, whose network
   *   was trained with another seed.
   */
  async make<T extends Disposable>(
    name: Name,
    load: (path: string) => Promise<T>,
    train: () => Promise<{ network: T; details: Record<string, unknown> }>,
    save: (path: string, network: T) => Promise<void>,
    file = this.#from === undefined ? undefined : `${this.#from}/${name}.safetensors`,
  ): Promise<T> {
    const from = this.#from;
    if (file !== undefined && await isFile(file)) {
      const fromDir = from !== undefined && file === `${from}/${name}.safetensors`;
      const known: Partial<NetworkRecord> = (fromDir ? this.#loadedRecords[name] : undefined) ?? {};
      const resuming = from !== undefined && resolve(from) === resolve(this.#out);
      if (resuming && fromDir && known.seed !== this.#seed) {
        throw new CheckpointMismatchError(
          `${this.#out}/${TRAINING_FILE}`,
          `${name}.seed`,
          this.#seed,
          known.seed,
        );
      }
      const network = await load(file);
      this.#made.push(network);
      this.records[name] = { ...known, source: file, seconds: 0 };
      return network;
    }
    const start = performance.now();
    const { network, details } = await train();
    this.#made.push(network);
    const seconds = (performance.now() - start) / 1000;
    await save(`${this.#out}/${name}.safetensors`, network);
    this.records[name] = {
      ...details,
      seed: this.#seed,
      source: "trained",
      seconds,
      date: new Date().toISOString(),
    };
    await writeTextFileAtomic(`${this.#out}/${TRAINING_FILE}`, JSON.stringify(this.records, null, 2) + "\n");
    return network;
  }

  /** The training curve a network's record holds, or none. */
  curveOf(name: Name): CurvePoint[] {
    const curve = this.records[name]?.curve;
    return Array.isArray(curve) ? curve as CurvePoint[] : [];
  }

  /** Disposes every network made so far. */
  disposeAll(): void {
    this.#made.forEach((network) => network.dispose());
  }
}

/** The distillation of an experiment's student network. */
export interface StudentTraining {
  /** Di[M]O iterations. */
  readonly iterations: number;
  /** The resolved configuration. */
  readonly config: DistillConfig;
  /** The run's seed. */
  readonly seed: number;
  /** The prompts of a text-conditioned teacher, and its negative prompt. */
  readonly conditioning?: DistillConditioning;
  /** Where progress goes. */
  readonly progress?: ProgressReporter;
  /** Stops the distillation after the iteration in progress, its state saved. */
  readonly signal?: AbortSignal;
}

/**
 * The `student` network of a store: loaded, or distilled from `teacher` with its state saved in
 * `out` (so that a stopped run goes on), its record holding the settings and the curve.
 *
 * @param store The experiment's networks.
 * @param teacher The teacher.
 * @param out The output directory.
 * @param training The distillation's settings and the run's seed.
 * @param details More to record (e.g. the negative prompt).
 * @returns The student (EMA weights); the store disposes it on a later failure.
 */
export function makeStudent<Name extends string>(
  store: NetworkStore<Name | "student">,
  teacher: Transformer,
  out: string,
  training: StudentTraining,
  details: Record<string, unknown> = {},
): Promise<Transformer> {
  const { iterations, config, seed, conditioning, progress, signal } = training;
  return store.make(
    "student",
    (path) => loadTransformer(path, { expected: teacher.config }),
    async () => {
      const { student: network, curve, resumedFrom, seconds } = await distillStudent(teacher, config, {
        iterations,
        seed,
        label: "Di[M]O",
        checkpoint: `${out}/${DISTILL_STATE_FILE}`,
        conditioning,
        progress,
        signal,
      });
      const { batch, studentAdam, auxAdam, init, teacherGuidance, divergence, dropout } = config;
      const record = {
        iterations,
        batch,
        rInit: init.rInit,
        sigma: init.sigma,
        teacherGuidance,
        divergence,
        dropout,
        studentLr: studentAdam.lr,
        auxLr: auxAdam.lr,
        ...details,
        resumedFrom,
        iterationSeconds: seconds,
        finalAuxLoss: curve.at(-1)?.auxLoss,
        curve,
      };
      return { network, details: record };
    },
    saveTransformer,
  );
}
