import { describe, expect, it } from "vitest";
import {
  type Expression,
  expressionSource,
  HclSyntaxError,
  parseHcl,
  positionAt,
  walkExpression,
} from "../src/index.js";

function expr(source: string): Expression {
  const file = parseHcl(`x = ${source}\n`, "t.hcl");
  return file.body.attributes[0]!.expr;
}

/** Compact S-expression of an AST, to assert structure (precedence, nesting) readably. */
function sexp(e: Expression): string {
  switch (e.type) {
    case "Literal":
      return JSON.stringify(e.value);
    case "Variable":
      return e.name;
    case "SplatItem":
      return "@";
    case "GetAttr":
      return `${sexp(e.object)}.${e.name}`;
    case "Index":
      return `${sexp(e.object)}[${sexp(e.key)}]`;
    case "Splat":
      return `(${e.full ? "splat" : "attrsplat"} ${sexp(e.object)} ${sexp(e.each)})`;
    case "Call":
      return `${e.name}(${e.args.map(sexp).join(" ")}${e.expandFinal ? "..." : ""})`;
    case "Tuple":
      return `[${e.items.map(sexp).join(" ")}]`;
    case "Object":
      return `{${e.items.map((i) => `${sexp(i.key)}=${sexp(i.value)}`).join(" ")}}`;
    case "Conditional":
      return `(? ${sexp(e.condition)} ${sexp(e.then)} ${sexp(e.else)})`;
    case "Binary":
      return `(${e.op} ${sexp(e.left)} ${sexp(e.right)})`;
    case "Unary":
      return `(${e.op} ${sexp(e.operand)})`;
    case "Parens":
      return `(paren ${sexp(e.expr)})`;
    case "For":
      return `(for ${e.keyVar ?? "_"},${e.valueVar} ${sexp(e.collection)} ${e.keyExpr ? `${sexp(e.keyExpr)}=>` : ""}${sexp(e.valueExpr)}${e.grouping ? "..." : ""}${e.condition ? ` if ${sexp(e.condition)}` : ""})`;
    case "Template":
      return `(tpl${e.heredoc ? "-heredoc" : ""} ${e.parts
        .map((p) =>
          p.type === "TemplateLiteral"
            ? JSON.stringify(p.value)
            : p.type === "TemplateInterpolation"
              ? `\${${sexp(p.expr)}}`
              : p.type,
        )
        .join(" ")})`;
  }
}

function syntaxError(source: string): HclSyntaxError {
  try {
    parseHcl(source, "bad.hcl");
  } catch (e) {
    expect(e).toBeInstanceOf(HclSyntaxError);
    return e as HclSyntaxError;
  }
  throw new Error(`expected a syntax error for ${JSON.stringify(source)}`);
}

describe("operator precedence and associativity", () => {
  it.each([
    ["1 + 2 * 3", "(+ 1 (* 2 3))"],
    ["1 - 2 - 3", "(- (- 1 2) 3)"],
    ["a || b && c", "(|| a (&& b c))"],
    ["a == b && c != d", "(&& (== a b) (!= c d))"],
    ["a < b == c >= d", "(== (< a b) (>= c d))"],
    ["7 % 3 * 2", "(* (% 7 3) 2)"],
    ["-a.b + 1", "(+ (- a.b) 1)"],
    ["!a && b", "(&& (! a) b)"],
    ["(1 + 2) * 3", "(* (paren (+ 1 2)) 3)"],
    ["a ? b : c ? d : e", "(? a b (? c d e))"],
    ["a ? b ? 1 : 2 : 3", "(? a (? b 1 2) 3)"],
    ["a || b ? 1 + 2 : 3", "(? (|| a b) (+ 1 2) 3)"],
    ["1 - -2", "(- 1 (- 2))"],
  ])("%s", (source, tree) => {
    expect(sexp(expr(source))).toBe(tree);
  });
});

describe("traversals, splats, calls", () => {
  it.each([
    ["a.b.c", "a.b.c"],
    ["a[0].b", "a[0].b"],
    ["a.0", "a[0]"],
    ['a["k"][i]', 'a[(tpl "k")][i]'],
    ["a.*.b.c", "(attrsplat a @.b.c)"],
    ["a.*.b[0]", "(attrsplat a @.b)[0]"],
    ["a[*].b[0].c", "(splat a @.b[0].c)"],
    ["a[*].b[*].c", "(splat a (splat @.b @.c))"],
    ["f(1, a...)", "f(1 a...)"],
    ["f()", "f()"],
    ["provider::aws::arn_parse(x)", "provider::aws::arn_parse(x)"],
    ["f(a)[0].b", "f(a)[0].b"],
    ["true", "true"],
    ["null", "null"],
    ["-5", "(- 5)"],
  ])("%s", (source, tree) => {
    expect(sexp(expr(source))).toBe(tree);
  });
});

describe("collections and for expressions", () => {
  it.each([
    ['[1, "a", true]', '[1 (tpl "a") true]'],
    ["[\n  1,\n  2,\n]", "[1 2]"],
    ["{ a = 1, b: 2 }", '{"a"=1 "b"=2}'],
    ['{\n  a = 1\n  (k) = 2\n  "q" = 3\n}', '{"a"=1 (paren k)=2 (tpl "q")=3}'],
    ["[for x in xs : x * 2 if x > 1]", "(for _,x xs (* x 2) if (> x 1))"],
    ["{ for k, v in m : k => v... }", "(for k,v m k=>v...)"],
    ["{\n  for k, v in m :\n  k => v\n  if v != null\n}", "(for k,v m k=>v if (!= v null))"],
  ])("%s", (source, tree) => {
    expect(sexp(expr(source))).toBe(tree);
  });
});

describe("templates", () => {
  it("decodes escapes and keeps interpolations", () => {
    expect(sexp(expr('"a\\n\\"b\\"\\\\ \\u00e9\\U0001F600 $${x} %%{y} ${v}!"'))).toBe(
      "(tpl " + JSON.stringify('a\n"b"\\ é😀 $' + "{x} %{y} ") + ' ${v} "!")',
    );
  });

  it("applies strip markers to neighbouring literals and records them", () => {
    const e = expr('"a  ${~ x ~}  b"');
    expect(sexp(e)).toBe('(tpl "a" ${x} "b")');
    const part = (e as Extract<Expression, { type: "Template" }>).parts[1]!;
    expect(part).toMatchObject({ type: "TemplateInterpolation", stripLeft: true, stripRight: true });
  });

  it("nests if/else/endif and for/endfor directives", () => {
    const e = expr('"%{ if a }x%{ else }%{ for k, v in m }${k}%{ endfor }%{ endif }"') as Extract<
      Expression,
      { type: "Template" }
    >;
    const ifPart = e.parts[0]!;
    expect(ifPart.type).toBe("TemplateIf");
    if (ifPart.type !== "TemplateIf") return;
    expect(ifPart.then).toMatchObject([{ type: "TemplateLiteral", value: "x" }]);
    expect(ifPart.else).toMatchObject([
      { type: "TemplateFor", keyVar: "k", valueVar: "v", body: [{ type: "TemplateInterpolation" }] },
    ]);
  });

  it("reads heredocs, removing the common indentation of <<- heredocs", () => {
    const file = parseHcl("a = <<EOF\n  x ${y}\nEOF\nb = <<-EOT\n    one\n      two\n    EOT\n", "h.hcl");
    expect(sexp(file.body.attributes[0]!.expr)).toBe('(tpl-heredoc "  x " ${y} "\\n")');
    expect(sexp(file.body.attributes[1]!.expr)).toBe('(tpl-heredoc "one\\n  two\\n")');
    expect(expressionSource(file, file.body.attributes[1]!.expr)).toBe("<<-EOT\n    one\n      two\n    EOT");
  });
});

describe("bodies, blocks and ranges", () => {
  const source = 'locals {\n  a = "x"\n}\n\ninclude "root" {\n  path = find_in_parent_folders()\n}\nb = 1 # c\n';
  const file = parseHcl(source, "terragrunt.hcl");

  it("lists attributes and blocks in source order with labels", () => {
    expect(file.body.attributes.map((a) => a.name)).toEqual(["b"]);
    expect(file.body.blocks.map((b) => [b.type, b.labels])).toEqual([
      ["locals", []],
      ["include", ["root"]],
    ]);
  });

  it("keeps offsets that slice back to the source", () => {
    const include = file.body.blocks[1]!;
    expect(source.slice(include.typeRange.start, include.typeRange.end)).toBe("include");
    expect(source.slice(include.range.start, include.range.end)).toBe(
      'include "root" {\n  path = find_in_parent_folders()\n}',
    );
    expect(source.slice(include.body.range.start, include.body.range.end)).toBe(
      "{\n  path = find_in_parent_folders()\n}",
    );
    const path = include.body.attributes[0]!;
    expect(source.slice(path.nameRange.start, path.nameRange.end)).toBe("path");
    expect(source.slice(path.range.start, path.range.end)).toBe("path = find_in_parent_folders()");
    expect(expressionSource(file, path.expr)).toBe("find_in_parent_folders()");
    expect(positionAt(source, path.expr.range.start)).toEqual({ line: 6, column: 10 });
  });

  it("walks every sub-expression in pre-order, template parts included", () => {
    const e = expr('"${a.b} %{ if c }${f(d, [e])}%{ endif }"');
    const seen: string[] = [];
    walkExpression(e, (x) => seen.push(x.type === "Variable" ? `var:${x.name}` : x.type));
    expect(seen).toEqual(["Template", "GetAttr", "var:a", "var:c", "Call", "var:d", "Tuple", "var:e"]);
  });

  it("accepts empty files, comments only, CRLF and a BOM", () => {
    expect(parseHcl("", "e.hcl").body).toEqual({ attributes: [], blocks: [], range: { start: 0, end: 0 } });
    expect(parseHcl("# c\n/* d */\n// e", "c.hcl").body.attributes).toEqual([]);
    const crlf = parseHcl('a = "x"\r\nb {\r\n  c = 1\r\n}\r\n', "crlf.hcl");
    expect(crlf.body.blocks[0]!.body.attributes[0]!.name).toBe("c");
    expect(parseHcl("\ufeffa = 1\n", "bom.hcl").body.attributes[0]!.name).toBe("a");
  });
});

describe("syntax errors", () => {
  it.each([
    ['block "a" {\n  x = 1\n', 3, 1, "expected '}' to close the block opened at 1:1, found end of file"],
    [
      "locals {\n  a = 1\n}\n\ninputs {\n  nested {\n    x = 1\n  }\n",
      9,
      1,
      "expected '}' to close the block opened at 5:1, found end of file",
    ],
    ['x = "abc\ny = 1\n', 1, 9, "expected '\"' to close the string opened at 1:5, found newline"],
    [
      "x = <<EOF\nline\n",
      3,
      1,
      "expected 'EOF' on a line of its own to close the heredoc opened at 1:5, found end of file",
    ],
    ["x = {\n  a = 1\n", 3, 1, "expected '}' to close the object opened at 1:5, found end of file"],
    ["x = [1, 2\n", 2, 1, "expected ',' or ']' to close the list opened at 1:5, found end of file"],
    ["x = f(1\n", 2, 1, "expected ',' or ')' closing the call to 'f' opened at 1:6, found end of file"],
    ["a {\n  x 1\n}\n", 2, 5, "expected '=' or a block's '{' after 'x', found number 1"],
    ["a = 1 @ 2\n", 1, 7, 'expected a newline after the attribute definition, found invalid character "@"'],
    ["a = 1 b = 2\n", 1, 7, "expected a newline after the attribute definition, found identifier 'b'"],
    ["a = \n", 1, 5, "expected an expression, found newline"],
    ["a = 1\na = 2\n", 2, 1, "attribute 'a' is already defined at 1:1"],
    ['a = "${x"\n', 1, 9, "expected '}' to close the '${' opened at 1:6, found string"],
    ['a = "%{ if x }y"\n', 1, 6, "expected '%{ endif }' to close the '%{ if }' opened at 1:6"],
    ['a = "\\q"\n', 1, 6, "expected an escape sequence"],
    ["/* open\n", 2, 1, "expected '*/' to close the comment opened at 1:1, found end of file"],
    ["}\n", 1, 1, "found '}' with no block to close"],
    ["b { x = 1\n}\n", 1, 10, "expected '}' to close the single-line block opened at 1:3, found newline"],
    ["x = a.\n", 1, 7, "expected an attribute name after '.', found newline"],
    ["x = <<EOF x\nEOF\n", 1, 10, "expected a newline right after the heredoc marker '<<EOF'"],
    ["x = [for a in b]\n", 1, 16, "expected ':' after the for expression's collection, found ']'"],
  ])("%j", (source, line, column, message) => {
    const err = syntaxError(source);
    expect(err.code).toBe("HCL_SYNTAX");
    expect(err.exitCode).toBe(15);
    expect(err.location).toEqual({ file: "bad.hcl", line, column });
    expect(err.message).toContain(message);
    expect(err.format()).toMatch(new RegExp(`^bad\\.hcl:${line}:${column}: `));
  });

  it("counts lines across CRLF endings", () => {
    const err = syntaxError("a = 1\r\nb = 2\r\nc = \r\n");
    expect(err.location).toMatchObject({ line: 3, column: 5 });
  });
});

describe("positionAt", () => {
  it("is 1-based and clamps", () => {
    expect(positionAt("ab\ncd", 0)).toEqual({ line: 1, column: 1 });
    expect(positionAt("ab\ncd", 3)).toEqual({ line: 2, column: 1 });
    expect(positionAt("ab\ncd", 4)).toEqual({ line: 2, column: 2 });
    expect(positionAt("ab\ncd", 99)).toEqual({ line: 2, column: 3 });
  });

  it("answers correctly when alternating between sources (its line table is cached per source)", () => {
    const a = "x\ny\nz";
    const b = "one line only";
    expect(positionAt(a, 4)).toEqual({ line: 3, column: 1 });
    expect(positionAt(b, 4)).toEqual({ line: 1, column: 5 });
    expect(positionAt(a, 2)).toEqual({ line: 2, column: 1 });
    expect(positionAt("a\r\nb", 3)).toEqual({ line: 2, column: 1 });
    expect(positionAt("a\r\nb", 1)).toEqual({ line: 1, column: 2 });
    expect(positionAt("", 0)).toEqual({ line: 1, column: 1 });
  });
});
