/**
 * Where a text stops being valid JSON, and what was expected there: the reason `jsondecode` gives for
 * invalid JSON. V8's `JSON.parse` message is not used: its wording (and whether it carries a position)
 * differs between calls for the same text, and it may quote the text itself, which can be a secret read
 * with `file()`. Only called after `JSON.parse` has failed; a small recursive-descent check of RFC 8259.
 */
export interface JsonSyntaxError {
  /** 1-based line and column of the first offending character (or of the end of the text). */
  line: number;
  column: number;
  expected: string;
}

class Stop extends Error {
  constructor(
    readonly offset: number,
    readonly expected: string,
  ) {
    super(expected);
  }
}

export function findJsonSyntaxError(text: string): JsonSyntaxError | null {
  let i = 0;
  const fail = (expected: string): never => {
    throw new Stop(i, expected);
  };
  const space = () => {
    while (i < text.length && " \t\n\r".includes(text[i]!)) i++;
  };
  const literal = (word: string) => {
    for (const c of word) {
      if (text[i] !== c) fail(`'${word}'`);
      i++;
    }
  };
  const string = () => {
    i++; // the opening quote
    for (;;) {
      if (i >= text.length) fail("a closing '\"'");
      const c = text.charCodeAt(i);
      if (c === 34) return void i++;
      if (c < 32) fail("an escaped control character");
      if (c === 92) {
        i++;
        if (text[i] === "u") {
          i++;
          for (let k = 0; k < 4; k++, i++)
            if (!/[0-9a-fA-F]/.test(text[i] ?? "")) fail("four hexadecimal digits after '\\u'");
          continue;
        }
        if (!'"\\/bfnrt'.includes(text[i] ?? "x")) fail("an escape sequence");
      }
      i++;
    }
  };
  const digits = () => {
    const start = i;
    while (i < text.length && text.charCodeAt(i) >= 48 && text.charCodeAt(i) <= 57) i++;
    if (i === start) fail("a digit");
  };
  const number = () => {
    if (text[i] === "-") i++;
    if (text[i] === "0") i++;
    else digits();
    if (text[i] === ".") {
      i++;
      digits();
    }
    if (text[i] === "e" || text[i] === "E") {
      i++;
      if (text[i] === "+" || text[i] === "-") i++;
      digits();
    }
  };
  const value = (depth: number): void => {
    if (depth > 1000) fail("less nesting");
    space();
    const c = text[i];
    if (c === "{") {
      i++;
      space();
      if (text[i] === "}") return void i++;
      for (;;) {
        space();
        if (text[i] !== '"') fail("a property name in double quotes");
        string();
        space();
        if (text[i] !== ":") fail("':'");
        i++;
        value(depth + 1);
        space();
        if (text[i] === "}") return void i++;
        if (text[i] !== ",") fail("',' or '}'");
        i++;
      }
    }
    if (c === "[") {
      i++;
      space();
      if (text[i] === "]") return void i++;
      for (;;) {
        value(depth + 1);
        space();
        if (text[i] === "]") return void i++;
        if (text[i] !== ",") fail("',' or ']'");
        i++;
      }
    }
    if (c === '"') return string();
    if (c === "t") return literal("true");
    if (c === "f") return literal("false");
    if (c === "n") return literal("null");
    if (c === "-" || (c !== undefined && c >= "0" && c <= "9")) return number();
    fail("a JSON value");
  };
  try {
    value(0);
    space();
    if (i < text.length) fail("the end of the text");
    return null;
  } catch (error) {
    if (!(error instanceof Stop)) throw error;
    const before = text.slice(0, error.offset);
    const line = before.split("\n").length;
    return { line, column: error.offset - (before.lastIndexOf("\n") + 1) + 1, expected: error.expected };
  }
}
