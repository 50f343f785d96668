/**
 * Malformed input never crashes or hangs the parser: every input either parses or throws HclSyntaxError
 * with a position inside the file. Evaluating whatever parses, against odd variable values, returns a
 * value or throws HclEvalError. Inputs: seeded random byte soup from HCL's alphabet, and every corpus
 * file cut short and with characters deleted or swapped (fixed seed, so failures reproduce).
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  type Expression,
  evaluate,
  HclEvalError,
  HclSyntaxError,
  type HclValue,
  isUnknown,
  parseHcl,
  positionAt,
  standardFunctions,
  Unknown,
} from "../src/index.js";
import { agreementCases } from "./agreement-cases.js";

/** mulberry32: tiny deterministic PRNG. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const alphabet = [
  "a",
  "b",
  "x",
  "_",
  "-",
  "0",
  "1",
  "9",
  ".",
  ",",
  ":",
  "?",
  "=",
  "==",
  "=>",
  "!",
  "<",
  ">",
  "<<EOF\n",
  "<<-EOT\n",
  "EOF\n",
  "EOT",
  "&&",
  "||",
  "+",
  "*",
  "/",
  "%",
  "(",
  ")",
  "[",
  "]",
  "{",
  "}",
  '"',
  "${",
  "%{",
  "~}",
  "~",
  "$${",
  "\\",
  "\\n",
  "\\u",
  "#",
  "//",
  "/*",
  "*/",
  "\n",
  "\r\n",
  " ",
  "\t",
  "for",
  "in",
  "if",
  "endif",
  "else",
  "endfor",
  "...",
  "*",
  "é",
  "😀",
  "\u0000",
  "locals",
  "include",
  "true",
  "null",
  "::",
];

function check(source: string): "ok" | "error" {
  try {
    parseHcl(source, "fuzz.hcl");
    return "ok";
  } catch (e) {
    if (!(e instanceof HclSyntaxError)) throw new Error(`non-syntax error for ${JSON.stringify(source)}: ${String(e)}`);
    expect(e.offset).toBeGreaterThanOrEqual(0);
    expect(e.offset).toBeLessThanOrEqual(source.length);
    expect(e.location).toEqual({ file: "fuzz.hcl", ...positionAt(source, e.offset) });
    expect(e.message).toMatch(/expected|already defined/);
    return "error";
  }
}

describe("robustness", () => {
  it("random token soup (seed 1234, 3000 inputs)", () => {
    const random = rng(1234);
    const outcomes = { ok: 0, error: 0 };
    for (let i = 0; i < 3000; i++) {
      const n = Math.floor(random() * 40);
      let s = "";
      for (let j = 0; j < n; j++) s += alphabet[Math.floor(random() * alphabet.length)];
      outcomes[check(s)]++;
    }
    // Both outcomes must occur, or the generator is not exercising anything.
    expect(outcomes.ok).toBeGreaterThan(0);
    expect(outcomes.error).toBeGreaterThan(1000);
  });

  it("corpus files truncated, with deletions and with swaps (seed 99)", () => {
    const dir = join(import.meta.dirname, "corpus");
    const random = rng(99);
    let inputs = 0;
    for (const name of readdirSync(dir).filter((f) => f.endsWith(".hcl"))) {
      const source = readFileSync(join(dir, name), "utf8");
      if (source.length === 0) continue;
      for (let k = 0; k < 40; k++) {
        const at = Math.floor(random() * source.length);
        const other = Math.floor(random() * source.length);
        check(source.slice(0, at));
        check(source.slice(0, at) + source.slice(at + 1));
        const chars = source.split("");
        [chars[at], chars[other]] = [chars[other]!, chars[at]!];
        check(chars.join(""));
        inputs += 3;
      }
    }
    expect(inputs).toBeGreaterThan(1000);
  });

  it("deep nesting does not overflow the stack at realistic depths", () => {
    const depth = 500;
    const source = `x = ${"[".repeat(depth)}1${"]".repeat(depth)}\n`;
    expect(check(source)).toBe("ok");
  });

  it("rejects absurd nesting with a syntax error instead of a stack overflow", () => {
    for (const source of [
      `x = ${"[".repeat(100_000)}`,
      `x = ${"(".repeat(100_000)}1${")".repeat(100_000)}`,
      `x = ${"-".repeat(100_000)}1`,
      `x = ${'"${'.repeat(50_000)}`,
      `${"a {\n".repeat(100_000)}`,
    ]) {
      expect(() => parseHcl(source, "deep.hcl")).toThrow(
        /expected at most 1000 levels of nested expressions or blocks/,
      );
    }
  });

  it("evaluating any parsed expression returns a value or throws HclEvalError, never anything else", () => {
    const dir = join(import.meta.dirname, "corpus");
    const sources = [
      ...readdirSync(dir)
        .filter((f) => f.endsWith(".hcl"))
        .map((f) => readFileSync(join(dir, f), "utf8")),
      ...agreementCases,
    ];
    const sample: HclValue = {
      a: 1,
      b: "x",
      list: [1, "two", null, { k: "v" }],
      map: { k: [true] },
      names: ["n1", "n2"],
    };
    const contexts = [
      (name: string): HclValue | undefined => new Unknown(`${name} is unknown`),
      (name: string): HclValue | undefined => (name === "missing" ? undefined : sample),
      (): HclValue | undefined => null,
      (): HclValue | undefined => ["a", 2, false],
    ];
    let evaluated = 0;
    const outcomes = { value: 0, unknown: 0, error: 0 };
    for (const source of sources) {
      let expressions: Expression[];
      try {
        const file = parseHcl(source, "eval.hcl");
        const bodies = [file.body];
        expressions = [];
        while (bodies.length > 0) {
          const body = bodies.pop()!;
          bodies.push(...body.blocks.map((b) => b.body));
          expressions.push(...body.attributes.map((a) => a.expr));
        }
      } catch {
        continue;
      }
      for (const expr of expressions) {
        for (const variable of contexts) {
          evaluated++;
          try {
            const v = evaluate(expr, {
              variable,
              functions: standardFunctions,
              file: { fileName: "eval.hcl", source },
            });
            outcomes[isUnknown(v) ? "unknown" : "value"]++;
          } catch (e) {
            if (!(e instanceof HclEvalError))
              throw new Error(`evaluating ${source.slice(expr.range.start, expr.range.end)} threw ${String(e)}`);
            outcomes.error++;
          }
        }
      }
    }
    expect(evaluated).toBeGreaterThan(1000);
    expect(outcomes.value).toBeGreaterThan(100);
    expect(outcomes.unknown).toBeGreaterThan(100);
    expect(outcomes.error).toBeGreaterThan(100);
  });
});
