import assert from "node:assert/strict";
import { parseFashionClassFile } from "./_fashion_json.ts";
import { DatasetFileError } from "./file_error.ts";

const encode = (text: string) => new TextEncoder().encode(text);
const parse = (text: string) => parseFashionClassFile(encode(text), "c.json", 2, 3);

/** Asserts that parsing fails at `offset` with a message matching `pattern`. */
function assertFails(text: string, offset: number, pattern: RegExp): void {
  assert.throws(() => parse(text), (error) => {
    assert.ok(error instanceof DatasetFileError);
    assert.equal(error.path, "c.json");
    assert.equal(error.offset, offset, error.message);
    assert.match(error.message, pattern);
    return true;
  });
}

Deno.test("parseFashionClassFile() reads rows into bytes and skips empty rows", () => {
  assert.deepEqual(Array.from(parse('{"data":[[0,1,255],[],[7,80,9],[]]}')), [0, 1, 255, 7, 80, 9]);
});

Deno.test("parseFashionClassFile() names the byte of a truncated file", () => {
  const text = '{"data":[[0,1,255],[7,80,9]]}';
  assertFails(text.slice(0, 5), 5, /expected "\{\\"data\\":\[": found the end of the file/);
  assertFails(text.slice(0, 13), 13, /expected ",": found the end of the file/);
  assertFails(text.slice(0, 14), 14, /a pixel must be an integer in \[0, 255\]: found the end of the file/);
  assertFails(text.slice(0, 28), 28, /expected "\]\}": found the end of the file/);
});

Deno.test("parseFashionClassFile() rejects bad pixels, row lengths, counts and trailing bytes", () => {
  assertFails('{"data":[[0,1,256],[7,80,9]]}', 14, /integer in \[0, 255\]: found "2"/);
  assertFails('{"data":[[0,-1,2],[7,80,9]]}', 12, /integer in \[0, 255\]: found "-"/);
  assertFails('{"data":[[0,1],[7,80,9]]}', 13, /image 0 must have 3 pixels: found 2/);
  assertFails('{"data":[[0,1,2,3],[7,80,9]]}', 16, /image 0 has more than 3 pixels/);
  assertFails('{"data":[[0,1,2]]}', 18, /must hold 2 images: found 1/);
  assertFails('{"data":[[0,1,2],[3,4,5],[6,7,8]]}', 26, /holds more than 2 images/);
  assertFails('{"data":[[0,1,2],[3,4,5]]}\n', 26, /must end after "\]\}"/);
});

Deno.test("parseFashionClassFile() rejects a truncated copy of a real class file", async () => {
  const bytes = await Deno.readFile(new URL(import.meta.resolve("fashion-mnist/src/clothes/3.json")));
  assert.equal(parseFashionClassFile(bytes, "3.json", 7000, 784).length, 7000 * 784);
  const cut = bytes.length - 1000;
  assert.throws(
    () => parseFashionClassFile(bytes.subarray(0, cut), "3.json", 7000, 784),
    (error) =>
      error instanceof DatasetFileError && error.offset === cut && /end of the file/.test(error.message),
  );
});
