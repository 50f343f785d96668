/**
 * Putting names that anyone can choose (unit paths, job ids, branch names, resource addresses, error text:
 * a pull request controls them) into a GitHub comment so they are shown as text, never read as markdown or
 * HTML, link or mention anyone. `text` escapes every character markdown or HTML could act on (and `@`, `#`,
 * `://`, `www.`, which GitHub turns into mentions and links) as a character reference, which reads
 * the same in a paragraph, a table cell, a list item and inside an HTML block (where markdown is not parsed
 * and backslash escapes would show). Code spans are never used for such names: a backtick in the name would
 * end them, and references are not decoded inside them. Tool output goes in fenced blocks (`fence`).
 */

const escapes: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  "`": "&#96;",
  "|": "&#124;",
  "\\": "&#92;",
  "*": "&#42;",
  _: "&#95;",
  "[": "&#91;",
  "]": "&#93;",
  "(": "&#40;",
  ")": "&#41;",
  "#": "&#35;",
  "!": "&#33;",
  "~": "&#126;",
  $: "&#36;",
  "@": "&#64;",
  "{": "&#123;",
  "}": "&#125;",
  "=": "&#61;",
  "+": "&#43;",
};

/** `value` as literal text in markdown and HTML; line breaks become spaces (a name never spans lines). */
export function text(value: string): string {
  return value
    .replace(/[\r\n\t]+/g, " ")
    .replace(/[&<>`|\\*_[\]()#!~$@{}=+]/g, (character) => escapes[character]!)
    .replace(/:\/\//g, "&#58;//") // no autolink from a name (GitHub links bare URLs)
    .replace(/\bwww\./gi, (match) => `${match.slice(0, 3)}&#46;`);
}

/** `value` as inline code, built with HTML so no character of it can end the code early. */
export function code(value: string): string {
  return `<code>${text(value)}</code>`;
}

/** A code fence longer than any run of backticks in `body`, so the body can never close it early. */
export function fence(body: string): string {
  let longest = 0;
  for (const match of body.matchAll(/`+/g)) longest = Math.max(longest, match[0].length);
  return "`".repeat(Math.max(3, longest + 1));
}

/** A fenced block of `body` with the info string `language`. */
export function fenced(body: string, language: string): string[] {
  const marker = fence(body);
  return [`${marker}${language}`, body.replace(/\n+$/, ""), marker];
}

/**
 * A rendered plan as a `diff` block body: OpenTofu indents its change symbols, GitHub colours a diff line by
 * its first character, so the symbol moves to the front (`+` added, `-` removed and replaced, `!` changed
 * in place), the rest of the line unchanged.
 */
export function planAsDiff(plan: string): string {
  return plan
    .split("\n")
    .map((line) => {
      const match = /^(\s*)(-\/\+|\+\/-|[+~-])( .*|)$/.exec(line);
      if (!match) return line;
      const [, indent, symbol, rest] = match as unknown as [string, string, string, string];
      // A replacement destroys: red like a delete. `~` is an in-place change: `!`.
      const front = symbol === "+" ? "+" : symbol === "~" ? "!" : "-";
      return `${front}${indent}${" ".repeat(symbol.length - 1)}${rest}`;
    })
    .join("\n");
}

/** A link when `where` is a URL, else the path as code. */
export function linkOrPath(where: string, label: string): string {
  return /^https?:\/\/[^\s<>"]+$/.test(where)
    ? `[${text(label)}](${where.replace(/[()]/g, (c) => (c === "(" ? "%28" : "%29"))})`
    : code(where);
}
