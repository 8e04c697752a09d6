import assert from "node:assert/strict";
import ndarray from "ndarray";
import * as tf from "../backend/tf.ts";
import { useBackend } from "../backend/select.ts";
import { useTestBackend, withoutLeaks } from "../backend/testing.ts";
import { fromNdarray, ndarrayValues, toNdarray } from "./mod.ts";

await useTestBackend();

Deno.test("toNdarray() and fromNdarray() round-trip float32, int32 and bool tensors of any rank", async () => {
  await withoutLeaks(async () => {
    const originals = [
      tf.tensor3d([0.5, -1.25, 3e-8, 7, 1e30, -0.1], [1, 2, 3]),
      tf.tensor2d([[3, 1], [4, 1], [5, -9]], [3, 2], "int32"),
      tf.tensor1d([true, false, true], "bool"),
      tf.scalar(12, "int32"),
      tf.zeros([0, 4]),
    ];
    for (const original of originals) {
      const nd = await toNdarray(original);
      assert.deepEqual(nd.shape, original.shape);
      assert.equal(nd.dtype, { float32: "float32", int32: "int32", bool: "uint8" }[original.dtype as string]);
      const back = fromNdarray(nd, original.dtype === "bool" ? { dtype: "bool" } : {});
      assert.equal(back.dtype, original.dtype);
      assert.deepEqual(back.shape, original.shape);
      assert.deepEqual(Array.from(await back.data()), Array.from(await original.data()));
      back.dispose();
    }
    tf.dispose(originals);
  });
});

Deno.test("toNdarray() wraps the typed array of data() without copying it, row-major", async () => {
  await withoutLeaks(async () => {
    const x = tf.tensor3d([1, 2, 3, 4, 5, 6, 7, 8], [2, 2, 2], "int32");
    const values = new Int32Array([1, 2, 3, 4, 5, 6, 7, 8]);
    Object.defineProperty(x, "data", { value: () => Promise.resolve(values) });
    const nd = await toNdarray(x);
    x.dispose();
    assert.equal(nd.data, values);
    assert.deepEqual([nd.stride, nd.offset], [[4, 2, 1], 0]);
    assert.equal(nd.get(1, 0, 1), 6);
  });
});

Deno.test("toNdarray() refuses a string tensor", async () => {
  const words = tf.tensor1d(["a"], "string");
  await assert.rejects(
    toNdarray(words),
    new TypeError(
      `Cannot convert a tensor to an ndarray as 'tensor.dtype' must be float32, int32 or bool: current value is "string"`,
    ),
  );
  words.dispose();
});

Deno.test("fromNdarray() reads transposed, strided, reversed, sliced and picked views in row-major order", async () => {
  await withoutLeaks(async () => {
    const base = ndarray(Float32Array.from({ length: 12 }, (_, i) => i), [3, 4]);
    const views: [string, ndarray.NdArray, number[], number[]][] = [
      ["transpose", base.transpose(1, 0), [4, 3], [0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11]],
      ["step", base.step(2, 2), [2, 2], [0, 2, 8, 10]],
      ["reversed", base.step(-1, 1), [3, 4], [8, 9, 10, 11, 4, 5, 6, 7, 0, 1, 2, 3]],
      ["sliced", base.lo(1, 1).hi(2, 2), [2, 2], [5, 6, 9, 10]],
      ["picked", base.pick(null, 2), [3], [2, 6, 10]],
      ["rows, offset", base.lo(1, 0), [2, 4], [4, 5, 6, 7, 8, 9, 10, 11]],
    ];
    for (const [name, view, shape, want] of views) {
      const t = fromNdarray(view);
      assert.deepEqual([t.dtype, t.shape], ["float32", shape], name);
      assert.deepEqual(Array.from(await t.data()), want, name);
      assert.deepEqual(Array.from(ndarrayValues(view)), want, name);
      t.dispose();
    }
  });
});

Deno.test("fromNdarray() maps ndarray dtypes to float32 or int32, and to bool when asked", async () => {
  await withoutLeaks(async () => {
    const cases: [ndarray.NdArray, "float32" | "int32" | "bool" | undefined, string, number[]][] = [
      [ndarray(new Float64Array([0.1, -2.5]), [2]), undefined, "float32", [Math.fround(0.1), -2.5]],
      [ndarray([1.5, 2], [2]), undefined, "float32", [1.5, 2]],
      [ndarray(new Uint8Array([0, 255]), [2]), undefined, "int32", [0, 255]],
      [ndarray(new Int16Array([-7, 9]), [2]), undefined, "int32", [-7, 9]],
      [ndarray(new Uint32Array([2 ** 31 - 1]), [1]), undefined, "int32", [2 ** 31 - 1]],
      [ndarray(new Uint8Array([1, 0]), [2]), "bool", "bool", [1, 0]],
      [ndarray(new Float64Array([3, -4]), [2]), "int32", "int32", [3, -4]],
      [ndarray({ length: 2, get: (i: number) => i + 10, set: () => {} }, [2]), undefined, "float32", [
        10,
        11,
      ]],
    ];
    for (const [nd, dtype, want, values] of cases) {
      const t = fromNdarray(nd, dtype === undefined ? {} : { dtype });
      assert.equal(t.dtype, want, `${nd.dtype} → ${dtype}`);
      assert.deepEqual(Array.from(await t.data()), values, `${nd.dtype} → ${dtype}`);
      t.dispose();
    }
  });
});

Deno.test("fromNdarray() refuses values its dtype would change, and malformed ndarrays", () => {
  const before = tf.memory().numTensors;
  const refuse = (nd: unknown, options: object, error: Error) =>
    assert.throws(() => fromNdarray(nd as ndarray.NdArray, options), error);
  const message = (field: string, rule: string, value: string) =>
    `Cannot make a tensor from an ndarray as '${field}' must be ${rule}: current value is ${value}`;
  refuse(
    ndarray(new Float64Array([1, 1.5]), [2]),
    { dtype: "int32" },
    new RangeError(message("nd values", "integers in the int32 range for an int32 tensor", "1.5")),
  );
  refuse(
    ndarray(new Uint32Array([2 ** 31]), [1]),
    {},
    new RangeError(message("nd values", "integers in the int32 range for an int32 tensor", "2147483648")),
  );
  refuse(
    ndarray(new Uint8Array([0, 2]), [2]),
    { dtype: "bool" },
    new RangeError(message("nd values", "0 or 1 for a bool tensor", "2")),
  );
  refuse(
    ndarray(new Float32Array(4), [2, 2]),
    { dtype: "float16" },
    new RangeError(message("options.dtype", `one of "float32", "int32", "bool"`, `"float16"`)),
  );
  refuse(
    ndarray(new Float32Array(4), [2, 3]),
    {},
    new RangeError(message("nd offset and strides", "within its data of length 4", "[0,5]")),
  );
  refuse(
    ndarray(new BigInt64Array(2), [2]),
    {},
    new TypeError(message("nd.dtype", "a dtype of numbers", `"bigint64"`)),
  );
  refuse(
    new Float32Array(4),
    {},
    new TypeError(message("nd", "an ndarray (data, shape, stride, offset)", `"object"`)),
  );
  assert.equal(tf.memory().numTensors, before);
});

Deno.test("fromNdarray() hands a contiguous ndarray's memory to the cpu backend without a copy", async () => {
  await useBackend("cpu");
  try {
    await withoutLeaks(async () => {
      const data = new Float32Array([0, 1, 2, 3, 4, 5]);
      const whole = fromNdarray(ndarray(data, [2, 3]));
      const rows = fromNdarray(ndarray(data, [3, 2]).lo(1, 0));
      const copied = fromNdarray(ndarray(data, [2, 3]).transpose(1, 0));
      data[3] = 30; // the cpu backend keeps the memory it was given: the views see the write
      assert.deepEqual(Array.from(await whole.data()), [0, 1, 2, 30, 4, 5]);
      assert.deepEqual(Array.from(await rows.data()), [2, 30, 4, 5]);
      assert.deepEqual(Array.from(await copied.data()), [0, 3, 1, 4, 2, 5]);
      tf.dispose([whole, rows, copied]);
    });
  } finally {
    await useTestBackend();
  }
});

Deno.test("ndarrayValues() returns the data itself or a view when contiguous, else a copy", () => {
  const data = new Float32Array([0, 1, 2, 3, 4, 5]);
  const nd = ndarray(data, [2, 3]);
  assert.equal(ndarrayValues(nd), data);
  const rows = ndarrayValues(nd.lo(1, 0)) as Float32Array;
  assert.deepEqual([rows.buffer === data.buffer, Array.from(rows)], [true, [3, 4, 5]]);
  const columns = ndarrayValues(nd.transpose(1, 0)) as Float32Array;
  assert.ok(columns instanceof Float32Array && columns.buffer !== data.buffer);
  assert.deepEqual(Array.from(columns), [0, 3, 1, 4, 2, 5]);
  assert.deepEqual(ndarrayValues(ndarray([1, 2, 3, 4], [2, 2]).pick(1, null)), [3, 4]);
  assert.deepEqual(Array.from(ndarrayValues(ndarray(new Float32Array(0), [0, 3]))), []);
});
