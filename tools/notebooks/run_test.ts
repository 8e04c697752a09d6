import assert from "node:assert/strict";
import { findNotebooks, parseNotebookArgs } from "./run.ts";

const FIXTURES = decodeURIComponent(new URL("./fixtures", import.meta.url).pathname);

Deno.test("parseNotebookArgs() reads --out, --dir, repeated --only and --timeout, with defaults", () => {
  assert.deepEqual(parseNotebookArgs([]), {
    dir: "notebooks",
    out: "runs/notebooks",
    only: [],
    timeout: 600,
  });
  assert.deepEqual(
    parseNotebookArgs(["--out", "x", "--only", "a", "--only=b.ipynb", "--dir=d", "--timeout", "30"]),
    { dir: "d", out: "x", only: ["a", "b.ipynb"], timeout: 30 },
  );
});

Deno.test("parseNotebookArgs() rejects unknown flags, missing values and bad timeouts", () => {
  assert.throws(() => parseNotebookArgs(["--profile", "full"]), TypeError);
  assert.throws(() => parseNotebookArgs(["--out"]), /'--out' needs a value/);
  assert.throws(() => parseNotebookArgs(["--timeout", "soon"]), RangeError);
});

Deno.test("findNotebooks() lists a folder's notebooks, keeps --only names and rejects unknown ones", async () => {
  assert.deepEqual(await findNotebooks(FIXTURES), ["late_output.ipynb"]);
  assert.deepEqual(await findNotebooks(FIXTURES, ["late_output"]), ["late_output.ipynb"]);
  await assert.rejects(() => findNotebooks(FIXTURES, ["missing"]), /current value is missing\.ipynb/);
  await Deno.mkdir(".tmp/notebooks_test/empty", { recursive: true });
  assert.deepEqual(await findNotebooks(".tmp/notebooks_test/empty"), []);
});
