/**
 * Escaping for text placed in HTML, SVG and inline scripts. Every string that reaches a page or
 * a notebook output goes through one of these, so a title such as `</script>` stays text.
 *
 * @module
 */

const ENTITIES: Readonly<Record<string, string>> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

/** Escapes text for an HTML or SVG element's content or a quoted attribute value. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ENTITIES[c]);
}

/**
 * JSON for a value inside a `<script>` element. JSON is a JavaScript expression; escaping `<`,
 * `>` and `&` as `\u003c`-style escapes keeps the parser from seeing `</script>` or `<!--` in it.
 */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(
    /[<>&\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

/**
 * Wraps JavaScript source in a `<script>` element. A `</script` inside the source (in a string
 * or a comment) would end the element early; `<\/script` means the same to JavaScript.
 */
export function inlineScript(source: string): string {
  return `<script>${source.replace(/<\/(script)/gi, "<\\/$1")}</script>`;
}
