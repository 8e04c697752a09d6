/**
 * `deno doc --lint mod.ts`, minus diagnostics about tfjs-core itself. dimo re-exports tfjs-core
 * as `tf` (so users compute with the instance whose gradients dimo registers), which makes the
 * linter walk tfjs-core's own declarations: their missing JSDoc is dropped when the location is
 * inside the tfjs-core package. Deno 2.9 also reports tfjs types in public signatures
 * (`Tensor2D`, `Scalar`, …) as "private types", because types from npm packages are never roots of
 * the documentation graph (denoland/deno#27364); those are dropped for tfjs-core's public tensor
 * types. The same holds for the scijs `ndarray` types behind dimo's `NdArray` alias (from
 * `@types/ndarray`). Every other diagnostic, including any about dimo's own code, fails the check.
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

/** The `@types/ndarray` declarations that dimo's `NdArray` alias refers to. */
const NDARRAY_TYPES = new Set(["ndarray", "ndarray.Data", "ndarray.NdArray", "ndarray.GenericArray"]);

const { stdout, stderr } = await new Deno.Command("deno", {
  args: ["doc", "--lint", ...(Deno.args.length ? Deno.args : ["mod.ts"])],
  env: { NO_COLOR: "1" },
}).output();
const text = new TextDecoder().decode(stderr) + new TextDecoder().decode(stdout);
const diagnostics = text.split(/\n(?=error\[)/).filter((d) => d.startsWith("error["));
const kept = diagnostics.filter((d) => {
  if (/-->[^\n]*node_modules\/[^\n]*@tensorflow[+/]tfjs-core/.test(d)) return false;
  const match = d.match(/^error\[private-type-ref\]: public type '.*' references private type '([\w.]+)'/);
  return !(match && (TFJS_PUBLIC_TYPES.has(match[1]) || NDARRAY_TYPES.has(match[1])));
});
for (const d of kept) console.error(d.trimEnd() + "\n");
console.log(
  `deno doc --lint: ${kept.length} error(s); ${
    diagnostics.length - kept.length
  } diagnostic(s) about tfjs-core and ndarray ignored`,
);
if (kept.length > 0) Deno.exit(1);
