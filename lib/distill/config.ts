/**
 * The configuration of a Di[M]O distillation run, with the official MaskGIT settings as defaults
 * (docs/method.md §14; `configs/DIMO_MaskGit.yaml` and `train_DIMO_MaskGit.py`).
 *
 * @module
 */
import { type InitConfig, resolveInitConfig } from "../init/x_init.ts";
import { createMaskSchedule, type MaskScheduleSpec } from "../masking/schedules.ts";
import { createDivergence } from "../divergence/registry.ts";
import type { DivergenceSpec } from "../divergence/types.ts";
import { type AdamConfig, resolveAdamConfig } from "../optim/adam.ts";
import { checkInRange, checkInteger, checkOneOf, errorMessage } from "../validate/mod.ts";
import { SURROGATE_NORMALIZATIONS, type SurrogateNormalization } from "./surrogate.ts";

/** Everything one distillation run needs besides the teacher and a seed. */
export interface DistillConfig {
  /**
   * The student's input: mask fraction `rInit` of `xInit` and embedding noise σ.
   * @default {{ rInit: { kind: "fixed", value: 0.6 }, sigma: 0.1 }} (official config, `fix_0.6`, `fix_0.1`)
   */
  readonly init: InitConfig;
  /**
   * The token-level divergence whose logit gradient becomes `g`.
   * @default {{ kind: "jeffreys", beta: 0 }} (forward KL; official config `distil_loss_type: Jeffreys_0.`)
   */
  readonly divergence: DivergenceSpec;
  /**
   * γ(u), the mask ratio of x̃_t, for both the student and the aux step.
   * @default {{ name: "arccos" }} (official config `ratio_mode: arccos`, no clamp)
   */
  readonly schedule: MaskScheduleSpec;
  /**
   * The teacher's classifier-free guidance scale s in z_u + s·(z_c − z_u), constant in t; the
   * unconditional branch is the null class. 1 turns guidance off.
   * @default {2} (official config `true_cfg: 2.0`, `adaptive_cfg: False`)
   */
  readonly teacherGuidance: number;
  /**
   * How the surrogate loss weighs masked tokens: `"sum"` over them divided by B (official code)
   * or `"mean"` over each sample's masked tokens (paper); see {@linkcode SurrogateNormalization}.
   * @default {"sum"} (`train_DIMO_MaskGit.py`; docs/method.md §8)
   */
  readonly normalization: SurrogateNormalization;
  /**
   * Adam for the student θ.
   * @default {{ lr: 1e-5, beta1: 0.9, beta2: 0.999, eps: 1e-6, warmupSteps: 100, clipNorm: 1 }} (official config and code)
   */
  readonly studentAdam: AdamConfig;
  /**
   * Adam for the aux model ψ; the official code does not clip its gradient.
   * @default {{ lr: 1e-5, beta1: 0.9, beta2: 0.999, eps: 1e-6, warmupSteps: 100, clipNorm: Infinity }} (official config and code)
   */
  readonly auxAdam: AdamConfig;
  /**
   * Label smoothing ε of the aux model's cross-entropy on masked tokens, in [0, 1).
   * @default {0.1} (`train_DIMO_MaskGit.py`)
   */
  readonly auxLabelSmoothing: number;
  /**
   * k: the student is updated on iterations whose index is a multiple of k, the aux model on
   * every iteration. An integer ≥ 1.
   * @default {1} (official config `fake_rounds: 1`)
   */
  readonly updateRatio: number;
  /**
   * The largest decay of the student's EMA (warmed up as min(decay, (1 + t)/(10 + t))), in [0, 1].
   * @default {0.9999} (official config `ema_decay`)
   */
  readonly emaDecay: number;
  /**
   * Whether the student and the aux model keep `tok_emb`, `pos_emb` and the head's bias (with a
   * tied head, its weights follow `tok_emb`; an untied head is frozen whole) fixed at the teacher's.
   * @default {true} (official code `fix_emb_layer: True`)
   */
  readonly freezeEmbeddings: boolean;
  /**
   * Whether dropout is active in the teacher, the student and the aux model while distilling, as
   * in the official MaskGIT code; the student is evaluated without it.
   * @default {true} (`train_DIMO_MaskGit.py`; docs/method.md §3)
   */
  readonly dropout: boolean;
  /**
   * B: samples per batch, in both the student and the aux step.
   * @default {64} (the official launch script, per device)
   */
  readonly batch: number;
  /**
   * Batches of B whose gradients are averaged into each update, of the student and of the aux
   * model alike: the update of a global batch of `accumulation · B` samples with the memory of B.
   * An integer ≥ 1.
   * @default {1} (the official MaskGIT run's global 128 is 64 a GPU on 2 GPUs: 2 on one card)
   */
  readonly accumulation: number;
  /**
   * Whether the student's and the aux model's gradient passes recompute each block's activations
   * in the backward pass instead of keeping them (`Transformer.apply`'s `recomputeActivations`):
   * the same updates, for a fraction of the memory and about a third more compute in those passes.
   * It is how the paper's ImageNet size runs at its batch of 64 on one card. A checkpoint resumes
   * with either setting.
   * @default {false}
   */
  readonly recomputeActivations: boolean;
  /**
   * The temperature of the student's training-time sample x_θ ~ softmax(z_θ / τ), finite and > 0.
   * @default {1} (official config `gen_temp: 1`)
   */
  readonly genTemperature: number;
}

/**
 * Overrides of a {@linkcode DistillConfig}: any field may be left out; `init`, `studentAdam`
 * and `auxAdam` may be partial, while the `divergence` and `schedule` variants are given whole.
 */
export interface PartialDistillConfig {
  /** Overrides of {@linkcode DistillConfig.init}. */
  readonly init?: Partial<InitConfig>;
  /** Replaces {@linkcode DistillConfig.divergence}. */
  readonly divergence?: DivergenceSpec;
  /** Replaces {@linkcode DistillConfig.schedule}. */
  readonly schedule?: MaskScheduleSpec;
  /** Replaces {@linkcode DistillConfig.teacherGuidance}. */
  readonly teacherGuidance?: number;
  /** Replaces {@linkcode DistillConfig.normalization}. */
  readonly normalization?: SurrogateNormalization;
  /** Overrides of {@linkcode DistillConfig.studentAdam}. */
  readonly studentAdam?: Partial<AdamConfig>;
  /** Overrides of {@linkcode DistillConfig.auxAdam}. */
  readonly auxAdam?: Partial<AdamConfig>;
  /** Replaces {@linkcode DistillConfig.auxLabelSmoothing}. */
  readonly auxLabelSmoothing?: number;
  /** Replaces {@linkcode DistillConfig.updateRatio}. */
  readonly updateRatio?: number;
  /** Replaces {@linkcode DistillConfig.emaDecay}. */
  readonly emaDecay?: number;
  /** Replaces {@linkcode DistillConfig.freezeEmbeddings}. */
  readonly freezeEmbeddings?: boolean;
  /** Replaces {@linkcode DistillConfig.dropout}. */
  readonly dropout?: boolean;
  /** Replaces {@linkcode DistillConfig.batch}. */
  readonly batch?: number;
  /** Replaces {@linkcode DistillConfig.accumulation}. */
  readonly accumulation?: number;
  /** Replaces {@linkcode DistillConfig.recomputeActivations}. */
  readonly recomputeActivations?: boolean;
  /** Replaces {@linkcode DistillConfig.genTemperature}. */
  readonly genTemperature?: number;
}

/** Adam as the official code runs it for both networks: eps forced to 1e-6 under bf16, 100 warm-up steps. */
const OFFICIAL_ADAM = { lr: 1e-5, beta1: 0.9, beta2: 0.999, eps: 1e-6, warmupSteps: 100 } as const;

/** The paper's MaskGIT distillation settings (docs/method.md §14). */
export const DEFAULT_DISTILL_CONFIG: DistillConfig = deepFreeze({
  init: { rInit: { kind: "fixed", value: 0.6 }, sigma: 0.1 },
  divergence: { kind: "jeffreys", beta: 0 },
  schedule: { name: "arccos" },
  teacherGuidance: 2,
  normalization: "sum",
  studentAdam: { ...OFFICIAL_ADAM, clipNorm: 1 },
  auxAdam: { ...OFFICIAL_ADAM, clipNorm: Infinity },
  auxLabelSmoothing: 0.1,
  updateRatio: 1,
  emaDecay: 0.9999,
  freezeEmbeddings: true,
  dropout: true,
  batch: 64,
  accumulation: 1,
  recomputeActivations: false,
  genTemperature: 1,
});

const ACTION = "resolve the distillation config";

/**
 * Fills the defaults into overrides, validates every field and returns the configuration frozen,
 * nested objects included. Run it once where a configuration enters (CLI, notebook, checkpoint);
 * nothing downstream re-validates.
 *
 * @param partial Overrides; unknown fields, at the top level and inside `init`, `studentAdam`,
 * `auxAdam` and `divergence`, are rejected.
 * @returns The complete, deep-frozen configuration.
 * @throws {RangeError} Naming the dotted field and its value: an unknown field, an unknown
 * divergence or schedule, a non-finite β or guidance scale, `updateRatio` or `batch` not an integer
 * ≥ 1, `rInit` outside [0, 1] (or `low > high`), σ outside [0, 1), label smoothing outside [0, 1),
 * `emaDecay` outside [0, 1], `genTemperature` not > 0, or an Adam field out of range.
 * @throws {TypeError} If `init`, `divergence`, `schedule`, `studentAdam` or `auxAdam` is not an
 * object, or `freezeEmbeddings`, `dropout` or `recomputeActivations` is not a boolean.
 *
 * @example The official settings, and a bad override
 * ```ts
 * import assert from "node:assert";
 * import { resolveDistillConfig } from "@dimo/dimo";
 * const config = resolveDistillConfig({ batch: 8, studentAdam: { lr: 1e-4 } });
 * assert.equal(config.studentAdam.eps, 1e-6);
 * assert.equal(config.divergence.kind, "jeffreys");
 * assert.ok(Object.isFrozen(config.init.rInit));
 * assert.throws(() => resolveDistillConfig({ updateRatio: 0 }), /'updateRatio'/);
 * ```
 */
export function resolveDistillConfig(partial: PartialDistillConfig = {}): DistillConfig {
  const d = DEFAULT_DISTILL_CONFIG;
  checkKnownFields("", partial, Object.keys(d));
  for (const field of ["init", "divergence", "schedule", "studentAdam", "auxAdam"] as const) {
    if (field in partial) checkObject(field, partial[field]);
  }
  checkKnownFields("init.", partial.init, Object.keys(d.init));
  checkKnownFields("studentAdam.", partial.studentAdam, Object.keys(d.studentAdam));
  checkKnownFields("auxAdam.", partial.auxAdam, Object.keys(d.auxAdam));
  const c = { ...d, ...partial };
  const init = prefixed("init.", () => resolveInitConfig({ ...d.init, ...partial.init }));
  const divergence = resolveDivergence(c.divergence);
  prefixed("schedule.", () => createMaskSchedule(c.schedule));
  checkFinite("teacherGuidance", c.teacherGuidance);
  checkOneOf(ACTION, "normalization", c.normalization, SURROGATE_NORMALIZATIONS);
  const studentAdam = prefixed(
    "studentAdam.",
    () => resolveAdamConfig({ ...d.studentAdam, ...partial.studentAdam }),
  );
  const auxAdam = prefixed("auxAdam.", () => resolveAdamConfig({ ...d.auxAdam, ...partial.auxAdam }));
  checkInRange(ACTION, "auxLabelSmoothing", c.auxLabelSmoothing, 0, 1, true);
  checkInteger(ACTION, "updateRatio", c.updateRatio, 1);
  checkInRange(ACTION, "emaDecay", c.emaDecay, 0, 1);
  checkBoolean("freezeEmbeddings", c.freezeEmbeddings);
  checkBoolean("dropout", c.dropout);
  checkInteger(ACTION, "batch", c.batch, 1);
  checkInteger(ACTION, "accumulation", c.accumulation, 1);
  checkBoolean("recomputeActivations", c.recomputeActivations);
  checkFinite("genTemperature", c.genTemperature);
  checkInRange(ACTION, "genTemperature", c.genTemperature, Number.MIN_VALUE, Infinity);
  return deepFreeze({ ...c, init, divergence, studentAdam, auxAdam, schedule: { ...c.schedule } });
}

/** The divergence spec with its defaults filled (js `skew`), rejecting fields its kind does not have. */
function resolveDivergence(spec: DivergenceSpec): DivergenceSpec {
  const resolved = prefixed("divergence.", () => createDivergence(spec)).spec;
  checkKnownFields("divergence.", spec, Object.keys(resolved));
  return { ...resolved };
}

function checkKnownFields(prefix: string, partial: object | undefined, known: readonly string[]): void {
  for (const key of Object.keys(partial ?? {})) {
    checkOneOf(ACTION, `${prefix}field`, key, known);
  }
}

function checkObject(field: string, value: unknown): void {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new TypeError(errorMessage(ACTION, field, "an object", value));
  }
}

function checkFinite(field: string, value: number): void {
  if (typeof value !== "number" || !Number.isFinite(value)) {
    throw new RangeError(errorMessage(ACTION, field, "a finite number", value));
  }
}

function checkBoolean(field: string, value: boolean): void {
  if (typeof value !== "boolean") throw new TypeError(errorMessage(ACTION, field, "a boolean", value));
}

/**
 * Runs another area's validator and names the failing field by its dotted path in this config:
 * `'lr'` from Adam's check becomes `'studentAdam.lr'`.
 */
function prefixed<T>(prefix: string, resolve: () => T): T {
  try {
    return resolve();
  } catch (error) {
    if (!(error instanceof RangeError || error instanceof TypeError)) throw error;
    const message = error.message.replace(/ as '([^']*)'/, ` as '${prefix}$1'`);
    throw error instanceof RangeError ? new RangeError(message) : new TypeError(message);
  }
}

function deepFreeze<T extends object>(value: T): T {
  for (const field of Object.values(value)) {
    if (typeof field === "object" && field !== null) deepFreeze(field);
  }
  return Object.freeze(value);
}
