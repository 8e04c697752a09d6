/**
 * The frame of dimo's elementwise WebGPU programs: one invocation per output element, numbered
 * `index` over the flattened output, each setting `value` once.
 *
 * tfjs-webgpu asks a program for its output shape, dispatch layout, workgroup size and whether it
 * takes the output's size as a uniform; for a flat program these follow from the shape alone, so
 * the heads' gathers, the dropout and normal draws, the column sums and the fused ops give only
 * their inputs, uniforms, shader key and the WGSL that computes `value` at `index`.
 *
 * @module
 */
import { webgpu_util } from "@tensorflow/tfjs-backend-webgpu";

/**
 * A WebGPU program (tfjs-webgpu's `WebGPUProgram`, for `runWebGPUProgram`) with one invocation
 * per element of its output. A subclass names its inputs
 * (`variableNames`), its uniforms and its shader key, and writes {@linkcode FlatProgram.body}:
 * WGSL statements that set `value` (f32) from `index` (i32); {@linkcode FlatProgram.preamble}
 * holds any helper functions.
 *
 * @example A program doubling its input: a workgroup of 256 invocations covers 256 elements
 * ```ts
 * import assert from "node:assert";
 * import { FlatProgram } from "@dimo/dimo/backend";
 *
 * class Double extends FlatProgram {
 *   readonly variableNames = ["X"];
 *   readonly shaderKey = "Double";
 *   readonly uniforms = "";
 *   protected body() {
 *     return "value = 2.0 * f32(X[index]);";
 *   }
 * }
 * const program = new Double([3, 1000]);
 * assert.deepEqual(program.dispatch, [12, 1, 1]);
 * assert.ok(program.getUserCode().includes("value = 2.0 * f32(X[index]);"));
 * ```
 */
export abstract class FlatProgram {
  /** The names of the input tensors in the WGSL. */
  abstract readonly variableNames: string[];
  /** The key tfjs caches the compiled pipeline under: one per distinct WGSL. */
  abstract readonly shaderKey: string;
  /** WGSL declarations of the program's uniforms, each ending in a comma (`uniforms.size` comes free). */
  abstract readonly uniforms: string;
  /** The output's shape. */
  readonly outputShape: number[];
  /** All axes flattened into `x`. */
  readonly dispatchLayout: { x: number[] };
  /** Workgroups along x, y and z. */
  readonly dispatch: [number, number, number];
  /** Invocations of a workgroup. */
  readonly workgroupSize: [number, number, number];
  /** tfjs passes the output's element count as `uniforms.size`. */
  readonly size = true;

  /**
   * Lays the invocations out over the flattened output.
   *
   * @param shape The output's shape.
   * @param workgroupWidth Invocations of a workgroup.
   */
  constructor(shape: number[], workgroupWidth = 256) {
    this.outputShape = shape;
    this.workgroupSize = [workgroupWidth, 1, 1];
    this.dispatchLayout = webgpu_util.flatDispatchLayout(shape);
    this.dispatch = webgpu_util.computeDispatch(this.dispatchLayout, shape, this.workgroupSize);
  }

  /** WGSL statements setting `value` (f32) for element `index` (i32) of the output. */
  protected abstract body(): string;

  /** WGSL placed before `main`: helper functions. */
  protected preamble(): string {
    return "";
  }

  /** The shader tfjs compiles: `main` runs {@linkcode FlatProgram.body} for each element in range. */
  getUserCode(): string {
    return `${this.preamble()}
      fn main(index : i32) {
        if (index < uniforms.size) {
          var value = 0.0;
          ${this.body()}
          setOutputAtIndex(index, value);
        }
      }`;
  }
}
