/**
 * The import layering of lib/: each area (a folder of lib/) imports only areas of lower layers and
 * only their public files, and no module imports itself through a chain of others.
 *
 * The layers, from the bottom, as the code stands:
 *
 * | layer | areas | why there |
 * |---|---|---|
 * | 0 | validate | every area checks its arguments with it, rng included |
 * | 0 | progress | long loops report through it; it imports nothing |
 * | 1 | rng, backend | independent of each other; both below everything that draws or computes |
 * | 2 | io | safetensors files hold tfjs tensors (backend) |
 * | 3 | masking, divergence, optim, data, metrics, viz | the parts of the method and its tools, over rng and backend; viz reads ndarrays (io) |
 * | 4 | models, init, tokenizer | models train a classifier with optim and save weights with io; x_init masks with masking's subset rule; tokenizers save codebooks with io |
 * | 5 | sampling, mdm, eval | samplers and the teacher's training run models; eval scores with metrics on a classifier's features |
 * | 6 | distill | the Di[M]O iteration, over all of the above |
 *
 * experiments/, notebooks/ and bench/ sit above lib/ and are not scanned; a lib/ import reaching
 * outside lib/ fails. Within one area, files import each other freely, but without cycles; a type-only
 * import (`import type`), erased before the code runs, may close a cycle (a private checker that
 * names its public module's option types).
 *
 * @module
 */
import assert from "node:assert/strict";

/** The areas of lib/ by layer, lowest first. An area imports only areas of lower layers. */
const LAYERS: readonly (readonly string[])[] = [
  ["validate", "progress"],
  ["rng", "backend"],
  ["io"],
  ["masking", "divergence", "optim", "data", "metrics", "viz"],
  ["models", "init", "tokenizer"],
  ["sampling", "mdm", "eval"],
  ["distill"],
];

/** An import of a module: the path it resolves to, and whether it is erased (`import type`). */
interface Edge {
  readonly target: string;
  readonly typeOnly: boolean;
}

/** Module graph: each file (a path under lib/, e.g. `masking/forward.ts`) → what it imports. */
type Graph = ReadonlyMap<string, readonly Edge[]>;

/** An import or re-export as written: its specifier, and whether it is type-only. */
interface Import {
  readonly specifier: string;
  readonly typeOnly: boolean;
}

/**
 * The module specifiers of the static imports and re-exports of a source file, of its side-effect
 * imports, and of its dynamic imports of a string literal. Statements are found at the start of a
 * line, so the examples in JSDoc comments (lines starting with `*`) are not counted.
 */
function importsOf(source: string): Import[] {
  const patterns = [
    /^(?:import|export)\b([^;"'`()=]*?)\bfrom\s*["']([^"']+)["']/gm,
    /^import()\s*["']([^"']+)["']/gm,
    /\bimport()\(\s*["']([^"']+)["']/g,
  ];
  return patterns.flatMap((pattern) =>
    [...source.matchAll(pattern)].map((m) => ({ specifier: m[2], typeOnly: /^\s*type\b/.test(m[1]) }))
  );
}

/** Resolves a relative specifier against the lib/-relative path of the importing file. */
function resolve(from: string, specifier: string): string {
  const parts = from.split("/").slice(0, -1);
  for (const part of specifier.split("/")) {
    if (part === "..") parts.pop() ?? parts.push("..");
    else if (part !== ".") parts.push(part);
  }
  return parts.join("/");
}

/**
 * What breaks the layering in `graph`: an import that leaves lib/, an area missing from `layers`,
 * an import of another area's private (`_`) file, an edge to a higher layer or between two areas
 * of one layer, and import cycles between files.
 */
function layeringErrors(graph: Graph, layers: readonly (readonly string[])[]): string[] {
  const layerOf = new Map(layers.flatMap((areas, layer) => areas.map((area) => [area, layer] as const)));
  const errors: string[] = [];
  for (const [file, targets] of graph) {
    const area = file.split("/")[0];
    const layer = layerOf.get(area);
    if (layer === undefined) errors.push(`${file}: area '${area}' is in no layer`);
    for (const { target } of targets) {
      const [targetArea, ...rest] = target.split("/");
      if (targetArea === ".." || rest.length === 0) {
        errors.push(`${file} imports ${target}, outside the areas of lib/`);
        continue;
      }
      if (targetArea === area) continue;
      if (rest[rest.length - 1].startsWith("_")) {
        errors.push(`${file} imports ${target}, a private file of area '${targetArea}'`);
      }
      const targetLayer = layerOf.get(targetArea);
      if (targetLayer === undefined) {
        errors.push(`${file} imports ${target}: area '${targetArea}' is in no layer`);
      } else if (layer !== undefined && targetLayer > layer) {
        errors.push(`${file} imports ${target}: upward, from layer ${layer} to ${targetLayer}`);
      } else if (layer !== undefined && targetLayer === layer) {
        errors.push(
          `${file} imports ${target}: between areas '${area}' and '${targetArea}' of layer ${layer}`,
        );
      }
    }
  }
  return [...errors, ...cycles(graph).map((cycle) => `import cycle: ${cycle.join(" → ")}`)];
}

/** Cycles of imports that run (type-only imports left out), found by depth-first search. */
function cycles(graph: Graph): string[][] {
  const found: string[][] = [];
  const state = new Map<string, "open" | "done">();
  const path: string[] = [];
  const visit = (file: string): void => {
    state.set(file, "open");
    path.push(file);
    for (const { target, typeOnly } of graph.get(file) ?? []) {
      if (typeOnly || !graph.has(target)) continue;
      if (state.get(target) === "open") found.push([...path.slice(path.indexOf(target)), target]);
      else if (state.get(target) === undefined) visit(target);
    }
    path.pop();
    state.set(file, "done");
  };
  for (const file of graph.keys()) if (!state.has(file)) visit(file);
  return found;
}

/** The graph of lib/'s source files (tests excluded), relative imports only. */
async function libGraph(): Promise<Map<string, Edge[]>> {
  const graph = new Map<string, Edge[]>();
  const walk = async (dir: string): Promise<void> => {
    for await (const entry of Deno.readDir(new URL(`../lib/${dir}`, import.meta.url))) {
      const path = dir ? `${dir}/${entry.name}` : entry.name;
      if (entry.isDirectory) await walk(path);
      else if (entry.name.endsWith(".ts") && !entry.name.endsWith("_test.ts")) {
        const source = await Deno.readTextFile(new URL(`../lib/${path}`, import.meta.url));
        const relative = importsOf(source).filter(({ specifier: s }) =>
          s.startsWith("./") || s.startsWith("../")
        );
        graph.set(
          path,
          relative.map(({ specifier, typeOnly }) => ({ target: resolve(path, specifier), typeOnly })),
        );
      }
    }
  };
  await walk("");
  return graph;
}

Deno.test("lib/ imports only lower layers and public files, without cycles", async () => {
  const graph = await libGraph();
  assert.ok(graph.size > 100, `only ${graph.size} files found under lib/`);
  assert.deepEqual(layeringErrors(graph, LAYERS), []);
});

Deno.test("every area of lib/ has a layer, and every layer's area exists", async () => {
  const areas = new Set([...(await libGraph()).keys()].map((file) => file.split("/")[0]));
  assert.deepEqual([...areas].sort(), LAYERS.flat().sort());
});

Deno.test("importsOf() finds imports, re-exports and dynamic imports, not JSDoc examples", () => {
  const source = [
    "/**",
    " * @example",
    ' * import { x } from "../distill/mod.ts";',
    " */",
    'import * as tf from "./tf.ts";',
    "import {",
    "  type A,",
    "  b,",
    '} from "../rng/mod.ts";',
    'import type { C } from "../io/json.ts";',
    'export { d } from "./d.ts";',
    'export type { E } from "./e.ts";',
    'import "./side_effect.ts";',
    'const f = await import("./lazy.ts");',
    "const wgsl = `import`;",
  ].join("\n");
  const runs = (specifier: string) => ({ specifier, typeOnly: false });
  assert.deepEqual(importsOf(source), [
    runs("./tf.ts"),
    runs("../rng/mod.ts"),
    { specifier: "../io/json.ts", typeOnly: true },
    runs("./d.ts"),
    { specifier: "./e.ts", typeOnly: true },
    runs("./side_effect.ts"),
    runs("./lazy.ts"),
  ]);
});

/** A graph from lists of imported paths; a path ending in `:type` is a type-only import. */
function graphOf(files: Record<string, string[]>): Graph {
  return new Map(
    Object.entries(files).map(([file, targets]) => [
      file,
      targets.map((t) => ({ target: t.replace(/:type$/, ""), typeOnly: t.endsWith(":type") })),
    ]),
  );
}

Deno.test("layeringErrors() accepts a downward graph and names each kind of bad edge", () => {
  const layers = [["low"], ["mid", "side"], ["high"]];
  const good = graphOf({
    "high/a.ts": ["mid/mod.ts", "low/mod.ts", "high/_b.ts"],
    "high/_b.ts": ["high/a.ts:type"], // a cycle through a type-only import
    "mid/mod.ts": ["low/mod.ts"],
    "side/mod.ts": ["low/mod.ts"],
    "low/mod.ts": [],
  });
  assert.deepEqual(layeringErrors(good, layers), []);

  const bad = graphOf({
    "low/mod.ts": ["mid/mod.ts:type"], // upward, even if only for a type
    "mid/mod.ts": ["side/mod.ts", "low/_private.ts"], // same layer; another area's private file
    "low/_private.ts": [],
    "side/mod.ts": ["side/x.ts"],
    "side/x.ts": ["side/mod.ts"], // cycle within an area
    "high/a.ts": ["../experiments/cli.ts"], // outside lib/
    "stray/a.ts": [], // no layer
  });
  assert.deepEqual(layeringErrors(bad, layers), [
    "low/mod.ts imports mid/mod.ts: upward, from layer 0 to 1",
    "mid/mod.ts imports side/mod.ts: between areas 'mid' and 'side' of layer 1",
    "mid/mod.ts imports low/_private.ts, a private file of area 'low'",
    "high/a.ts imports ../experiments/cli.ts, outside the areas of lib/",
    "stray/a.ts: area 'stray' is in no layer",
    "import cycle: side/mod.ts → side/x.ts → side/mod.ts",
  ]);
});

Deno.test("layeringErrors() finds a cycle between areas even where the layer table is wrong", () => {
  const graph = graphOf({ "a/mod.ts": ["b/mod.ts"], "b/mod.ts": ["c/mod.ts"], "c/mod.ts": ["a/mod.ts"] });
  const errors = layeringErrors(graph, [["c"], ["b"], ["a"]]);
  assert.ok(errors.includes("import cycle: a/mod.ts → b/mod.ts → c/mod.ts → a/mod.ts"), errors.join("\n"));
  assert.ok(errors.includes("c/mod.ts imports a/mod.ts: upward, from layer 0 to 2"), errors.join("\n"));
});

Deno.test("resolve() follows ./ and ../ from the importing file", () => {
  assert.equal(resolve("masking/forward.ts", "./subset.ts"), "masking/subset.ts");
  assert.equal(resolve("init/x_init.ts", "../masking/mod.ts"), "masking/mod.ts");
  assert.equal(resolve("viz/plotly.ts", "../../experiments/cli.ts"), "../experiments/cli.ts");
});
