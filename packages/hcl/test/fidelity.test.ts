/**
 * Fidelity: our parser against HashiCorp's own (hclsyntax compiled to WASM in @cdktn/hcl2json) on a corpus
 * covering HCL2 native syntax. Both results are put in hcl2json's JSON shape (see hcl2json-shape.ts).
 *
 * Normalisation: both sides go through JSON.stringify/parse, so numbers compare as JS doubles (hcl2json
 * prints big-float values; 1.5e3 and 1500 are the same number) and object key order is irrelevant
 * (hcl2json sorts keys, we keep source order).
 */
import { getExpressionAst, parse as hcl2json } from "@cdktn/hcl2json";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { isDeepStrictEqual } from "node:util";
import { describe, expect, it } from "vitest";
import { type Expression, parseHcl, type TemplatePart, walkExpression } from "../src/index.js";
import { agreementCases } from "./agreement-cases.js";
import { toHcl2JsonShape } from "./hcl2json-shape.js";
import { hclSignatures, ourSignatures } from "./hcl-ast-signatures.js";

const corpusDir = join(import.meta.dirname, "corpus");
const corpus = readdirSync(corpusDir)
  .filter((f) => f.endsWith(".hcl"))
  .sort();

function normalise(v: unknown): unknown {
  return JSON.parse(JSON.stringify(v));
}

describe("parser fidelity against hashicorp/hcl (hcl2json WASM)", () => {
  it("has a corpus", () => {
    expect(corpus.length).toBeGreaterThanOrEqual(15);
  });

  for (const name of corpus) {
    it(`agrees on ${name}`, async () => {
      const source = readFileSync(join(corpusDir, name), "utf8");
      const theirs = await hcl2json(name, source);
      const ours = toHcl2JsonShape(parseHcl(source, name));
      expect(normalise(ours)).toEqual(normalise(theirs));
    });
  }

  it("builds the same expression trees as hashicorp/hcl for every corpus attribute", async () => {
    const differences: string[] = [];
    let compared = 0;
    for (const name of corpus) {
      const file = parseHcl(readFileSync(join(corpusDir, name), "utf8"), name);
      const bodies = [file.body];
      while (bodies.length > 0) {
        const body = bodies.pop()!;
        bodies.push(...body.blocks.map((b) => b.body));
        for (const attr of body.attributes) {
          const text = file.source.slice(attr.expr.range.start, attr.expr.range.end);
          // A heredoc's closing marker must end its line.
          const theirs = hclSignatures((await getExpressionAst(name, `${text}\n`)) as never);
          const ours = ourSignatures(file, attr.expr);
          compared += ours.length;
          if (!isDeepStrictEqual(ours, theirs)) {
            differences.push(
              `${name} ${attr.name}:\n  hcl:  ${theirs.join("\n        ")}\n  ours: ${ours.join("\n        ")}`,
            );
          }
        }
      }
    }
    expect(differences).toEqual([]);
    expect(compared).toBeGreaterThan(100);
  });

  it("builds the same expression trees as hashicorp/hcl for the edge-case snippets", async () => {
    const differences: string[] = [];
    let compared = 0;
    for (const source of agreementCases) {
      let file;
      try {
        file = parseHcl(source, "snippet.hcl");
      } catch {
        continue; // rejected by both (checked above)
      }
      for (const attr of file.body.attributes) {
        const text = file.source.slice(attr.expr.range.start, attr.expr.range.end);
        const theirs = hclSignatures((await getExpressionAst("snippet.hcl", `${text}\n`)) as never);
        const ours = ourSignatures(file, attr.expr);
        compared += ours.length;
        if (!isDeepStrictEqual(ours, theirs))
          differences.push(`${JSON.stringify(source)}:\n  hcl:  ${theirs.join(" ; ")}\n  ours: ${ours.join(" ; ")}`);
      }
    }
    expect(differences).toEqual([]);
    expect(compared).toBeGreaterThan(80);
  });

  it("the corpus exercises every expression and template node type", () => {
    const seen = new Set<string>();
    const visitParts = (parts: TemplatePart[]): void => {
      for (const p of parts) {
        seen.add(p.type);
        if (p.type === "TemplateIf") {
          visitParts(p.then);
          if (p.else) visitParts(p.else);
        } else if (p.type === "TemplateFor") visitParts(p.body);
      }
    };
    const visit = (e: Expression): void => {
      seen.add(e.type);
      if (e.type === "Template") visitParts(e.parts);
      if (e.type === "For") seen.add(e.keyExpr ? (e.grouping ? "For:grouping" : "For:object") : "For:tuple");
      if (e.type === "Splat") seen.add(e.full ? "Splat:full" : "Splat:attr");
      if (e.type === "Template" && e.heredoc) seen.add("Template:heredoc");
    };
    for (const name of corpus) {
      const file = parseHcl(readFileSync(join(corpusDir, name), "utf8"), name);
      const bodies = [file.body];
      while (bodies.length > 0) {
        const body = bodies.pop()!;
        for (const a of body.attributes) walkExpression(a.expr, visit);
        for (const b of body.blocks) bodies.push(b.body);
      }
    }
    const required = [
      "Literal",
      "Template",
      "Variable",
      "GetAttr",
      "Index",
      "Splat",
      "SplatItem",
      "Call",
      "Tuple",
      "Object",
      "Conditional",
      "Binary",
      "Unary",
      "For",
      "Parens",
      "TemplateLiteral",
      "TemplateInterpolation",
      "TemplateIf",
      "TemplateFor",
      "For:tuple",
      "For:object",
      "For:grouping",
      "Splat:full",
      "Splat:attr",
      "Template:heredoc",
    ];
    expect(required.filter((t) => !seen.has(t))).toEqual([]);
  });

  it(`agrees on ${agreementCases.length} edge-case snippets (accept with the same shape, or reject)`, async () => {
    const mismatches: string[] = [];
    for (const source of agreementCases) {
      let theirs: unknown;
      let theirError = "";
      try {
        theirs = normalise(await hcl2json("snippet.hcl", source));
      } catch (e) {
        theirError = (e as Error).message;
      }
      let ours: unknown;
      let ourError: unknown;
      try {
        ours = normalise(toHcl2JsonShape(parseHcl(source, "snippet.hcl")));
      } catch (e) {
        ourError = e;
      }
      if (ourError !== undefined && (ourError as { code?: string }).code !== "HCL_SYNTAX") {
        mismatches.push(`${JSON.stringify(source)}: crashed with ${String(ourError)}`);
      } else if (theirError && ourError === undefined) {
        mismatches.push(`${JSON.stringify(source)}: hcl rejects (${theirError.slice(0, 120)}), we accept`);
      } else if (!theirError && ourError !== undefined) {
        mismatches.push(`${JSON.stringify(source)}: hcl accepts, we reject (${(ourError as Error).message})`);
      } else if (!theirError && !isDeepStrictEqual(theirs, ours)) {
        mismatches.push(`${JSON.stringify(source)}: hcl ${JSON.stringify(theirs)}, we ${JSON.stringify(ours)}`);
      }
    }
    expect(mismatches).toEqual([]);
  });

  // Inputs both parsers must reject (and the same inputs with the defect fixed must be accepted by both).
  const malformed: [string, string][] = [
    ["unclosed block", 'block "a" {\n  x = 1\n'],
    ["unclosed string", 'x = "abc\ny = 1\n'],
    ["unclosed heredoc", "x = <<EOF\nline\n"],
    ["unclosed object", "x = {\n  a = 1\n"],
    ["missing equals", "x 1\n"],
    ["two attributes on a line", "a = 1 b = 2\n"],
    ["single-line block with a newline inside", "b { x = 1\n}\n"],
    ["bad token", "x = 1 @ 2\n"],
    ["duplicate attribute", "a = 1\na = 2\n"],
    ["label with interpolation", 'b "${x}" {\n}\n'],
    ["bad escape", 'x = "\\q"\n'],
    ["unmatched endif", 'x = "%{ endif }"\n'],
    ["for without in", "x = [for a b : a]\n"],
    ["chained legacy index", "x = a.0.1\n"],
    ["nested attribute-only splat", "x = a.*.b.*.c\n"],
    ["heredoc marker without a newline at end of file", "x = <<EOF\nline\nEOF"],
  ];
  for (const [what, source] of malformed) {
    it(`both reject: ${what}`, async () => {
      await expect(hcl2json("bad.hcl", source)).rejects.toThrow();
      expect(() => parseHcl(source, "bad.hcl")).toThrow(expect.objectContaining({ code: "HCL_SYNTAX" }));
    });
  }
});
