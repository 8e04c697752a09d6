import assert from "node:assert/strict";
import { FLAGS, helpText, parseExperimentArgs } from "./args.ts";
import type { ExperimentName } from "./registry.ts";

const NAMES: ExperimentName[] = ["exact-joint", "mnist", "fashion"];
const parse = (...args: string[]) => parseExperimentArgs(args, NAMES);

/** The options of a parse that names an experiment. */
function options(...args: string[]) {
  const parsed = parse(...args);
  assert.ok(!parsed.help);
  return parsed;
}

Deno.test("parseExperimentArgs() reads every flag, with the defaults of the table", () => {
  assert.deepEqual(options(), { help: false, name: "exact-joint", options: { profile: "quick", seed: 0 } });
  const parsed = options(
    "--profile=full",
    "mnist",
    "--seed=-3", // node:util takes "-3" after a space for a flag
    "--threads",
    "2",
    "--out",
    "runs/x",
    "--backend",
    "cpu",
    "--sweep",
    "a,b",
    "--teacher",
    "t.safetensors",
    "--checkpoints",
    "checkpoints/mnist",
    "--eval-samples",
    "100",
  );
  assert.deepEqual(parsed, {
    help: false,
    name: "mnist",
    options: {
      profile: "full",
      seed: -3,
      threads: 2,
      out: "runs/x",
      backend: "cpu",
      sweep: "a,b",
      teacher: "t.safetensors",
      checkpoints: "checkpoints/mnist",
      "eval-samples": 100,
    },
  });
  assert.deepEqual(parse("--help"), { help: true });
  assert.deepEqual(parse("mnist", "-h"), { help: true });
});

Deno.test("parseExperimentArgs() refuses integers Number() would read, quoting what was typed", () => {
  const cases: [string[], string][] = [
    [
      ["--seed="],
      `'--seed' must be a decimal integer in [-9007199254740991, 9007199254740991]: current value is ""`,
    ],
    [["--seed= "], `current value is " "`],
    [["--seed", "1e3"], `current value is "1e3"`],
    [["--seed", "0x10"], `current value is "0x10"`],
    [["--seed", "abc"], `current value is "abc"`],
    [["--seed", "9007199254740993"], `current value is "9007199254740993"`],
    [
      ["--threads", "0"],
      `'--threads' must be a decimal integer in [1, 9007199254740991]: current value is "0"`,
    ],
    [["mnist", "--eval-samples", "9"], `'--eval-samples' must be a decimal integer in [10, `],
    [["mnist", "--eval-samples", "1e3"], `current value is "1e3"`],
  ];
  for (const [args, message] of cases) {
    assert.throws(() => parse(...args), (error: unknown) => {
      assert.ok(error instanceof RangeError);
      assert.ok(error.message.startsWith("Cannot run an experiment as "), error.message);
      assert.ok(error.message.includes(message), `${args}: ${error.message}`);
      return true;
    });
  }
});

Deno.test("parseExperimentArgs() refuses extra names, unknown flags and flags of other experiments", () => {
  assert.throws(
    () => parse("mnist", "--seed", "1", "extra", "more"),
    /'name' must be one experiment name, before or after the flags: current value is \["mnist","extra","more"\]/,
  );
  assert.throws(
    () => parse("minst"),
    /'name' must be one of "exact-joint", "mnist", "fashion": current value is "minst"/,
  );
  assert.throws(
    () => parse("--sed", "1"),
    /as its arguments are malformed: .*'--sed'.*--help lists the flags/,
  );
  assert.throws(() => parse("--seed"), /arguments are malformed: .*'--seed/);
  assert.throws(
    () => parse("--profile", "fast"),
    /'--profile' must be one of "smoke", "quick", "full": current value is "fast"/,
  );
  assert.throws(
    () => parse("exact-joint", "--checkpoints", "checkpoints/mnist"),
    /Cannot run exact-joint with --checkpoints: only mnist, fashion, scenes and imagenet take it/,
  );
  assert.throws(() => parse("--eval-samples", "100"), /Cannot run exact-joint with --eval-samples/);
});

Deno.test("helpText() lists every flag with its help, defaults and experiments", () => {
  const help = helpText({
    "exact-joint": { description: "a toy joint", sweeps: ["sigma"] },
    mnist: { description: "digits" },
  });
  for (const flag of FLAGS) {
    const line = help.split("\n").find((l) => l.trimStart().startsWith(`--${flag.name}`));
    assert.ok(line?.includes(flag.help), `--${flag.name} in\n${help}`);
  }
  assert.match(help, /--checkpoints DIR .*\(mnist, fashion, scenes, imagenet only\)/);
  assert.match(help, /--eval-samples N .*\(mnist, fashion only\)/);
  assert.match(help, /--seed N .*\(default: 0\)/);
  assert.match(help, /^usage: deno task experiment \[exact-joint\|mnist\] \[flags\]/);
  assert.match(help, /exact-joint: a toy joint \(sweeps: sigma\)/);
});
