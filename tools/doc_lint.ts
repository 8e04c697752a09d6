/**
 * `deno doc --lint mod.ts`, minus one known false positive: Deno 2.9 reports every tfjs-core type
 * in a public signature (`Tensor2D`, `Scalar`, …) as a "private type", because types from npm
 * packages are never roots of the documentation graph (denoland/deno#27364). Those diagnostics
 * are dropped when the type is one of tfjs-core's public tensor types; every other diagnostic,
 * including a private-type-ref to any of dimo's own types, fails the check.
 *
 * @module
 */

const TFJS_PUBLIC_TYPES = new Set([
  "Tensor",
  "Scalar",
  "Tensor1D",
  "Tensor2D",
  "Tensor3D",
  "Tensor4D",
  "Variable",
  "Rank",
  "DataType",
  "NamedTensorMap",
  "TensorContainer",
]);

const { stdout, stderr } = await new Deno.Command("deno", {
  args: ["doc", "--lint", ...(Deno.args.length ? Deno.args : ["mod.ts"])],
  env: { NO_COLOR: "1" },
}).output();
const text = new TextDecoder().decode(stderr) + new TextDecoder().decode(stdout);
const diagnostics = text.split(/\n(?=error\[)/).filter((d) => d.startsWith("error["));
const kept = diagnostics.filter((d) => {
  const match = d.match(/^error\[private-type-ref\]: public type '.*' references private type '(\w+)'/);
  return !(match && TFJS_PUBLIC_TYPES.has(match[1]));
});
for (const d of kept) console.error(d.trimEnd() + "\n");
console.log(
  `deno doc --lint: ${kept.length} error(s); ${
    diagnostics.length - kept.length
  } tfjs type reference(s) ignored`,
);
if (kept.length > 0) Deno.exit(1);
