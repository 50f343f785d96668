/**
 * Test-only: renders OUR AST in the JSON shape `@cdktn/hcl2json` (tmccombs/hcl2json over HashiCorp's
 * hclsyntax) produces, so both parsers can be compared on the same corpus:
 * - blocks nest by type then by each label, and every block body is wrapped in an array;
 * - literals stay JSON values (a `-` applied to a literal is folded, as hcl2json evaluates it);
 * - tuples and objects stay arrays and objects; a bare-identifier object key is its name;
 * - a template that is only literal text becomes that text; other templates are rebuilt from their parts:
 *   literal text, `${source}` for interpolations, `%{if c}..%{else}..%{endif}` and `%{for k, v in c}..%{endfor}`
 *   for directives;
 * - every other expression becomes `"${<its source text>}"`, except a traversal used as an object key
 *   (`{ a.b = 1 }`, `{ a[0] = 1 }`), which hcl2json writes as its bare source text, and a lone
 *   interpolation `"${x}"`, which hcl2json renders as the expression `x` itself.
 */
import type { Body, Expression, HclFile, TemplatePart } from "../src/index.js";

type Json = null | string | number | boolean | Json[] | { [k: string]: Json };

export function toHcl2JsonShape(file: HclFile): Json {
  return bodyShape(file, file.body);
}

function bodyShape(file: HclFile, body: Body): { [k: string]: Json } {
  const out: { [k: string]: Json } = {};
  for (const attr of body.attributes) out[attr.name] = exprShape(file, attr.expr);
  for (const block of body.blocks) {
    let target = out;
    let key = block.type;
    for (const label of block.labels) {
      const existing = target[key];
      if (existing === undefined) {
        const obj: { [k: string]: Json } = {};
        target[key] = obj;
        target = obj;
      } else {
        target = existing as { [k: string]: Json };
      }
      key = label;
    }
    const value = bodyShape(file, block.body);
    const current = target[key];
    if (Array.isArray(current)) current.push(value);
    else target[key] = [value];
  }
  return out;
}

function source(file: HclFile, e: { range: { start: number; end: number } }): string {
  return file.source.slice(e.range.start, e.range.end);
}

function wrap(file: HclFile, e: Expression): string {
  return "${" + source(file, e) + "}";
}

function exprShape(file: HclFile, e: Expression): Json {
  switch (e.type) {
    case "Literal":
      return e.value;
    case "Unary":
      if (e.operand.type === "Literal") {
        const v = e.operand.value;
        return e.op === "-" ? -(v as number) : !v;
      }
      return wrap(file, e);
    case "Template": {
      // A lone interpolation (`"${x}"`) is the expression itself to hcl2json.
      const only = e.parts[0];
      if (e.parts.length === 1 && only!.type === "TemplateInterpolation" && !e.heredoc)
        return exprShape(file, only!.expr);
      return templateShape(file, e.parts);
    }
    case "Tuple":
      return e.items.map((i) => exprShape(file, i));
    case "Object": {
      const out: { [k: string]: Json } = {};
      for (const item of e.items) out[keyShape(file, item.key)] = exprShape(file, item.value);
      return out;
    }
    default:
      return wrap(file, e);
  }
}

function keyShape(file: HclFile, key: Expression): string {
  if (key.type === "Literal") return String(key.value);
  // hcl2json writes a traversal key (`a.b = 1`) as its source text; HCL would evaluate it.
  if (isTraversal(key)) return source(file, key);
  if (key.type === "Template") return templateShape(file, key.parts);
  return wrap(file, key);
}

function templateShape(file: HclFile, parts: TemplatePart[]): string {
  let out = "";
  for (const part of parts) out += partShape(file, part);
  return out;
}

function partShape(file: HclFile, part: TemplatePart): string {
  switch (part.type) {
    case "TemplateLiteral":
      // hcl2json re-escapes literal `${` and `%{` so its output stays a template.
      return part.value.replace(/\$\{/g, () => "$${").replace(/%\{/g, () => "%%{");
    case "TemplateInterpolation":
      return interpolationShape(file, part.expr);
    case "TemplateIf": {
      const otherwise = part.else ? templateShape(file, part.else) : "";
      return `%{if ${source(file, part.condition)}}${templateShape(file, part.then)}${otherwise ? `%{else}${otherwise}` : ""}%{endif}`;
    }
    case "TemplateFor":
      return `%{for ${part.keyVar ? `${part.keyVar}, ` : ""}${part.valueVar} in ${source(file, part.collection)}}${templateShape(file, part.body)}%{endfor}`;
  }
}

function interpolationShape(file: HclFile, e: Expression): string {
  switch (e.type) {
    case "Literal":
      return String(e.value);
    case "Template":
      return templateShape(file, e.parts);
    default:
      return wrap(file, e);
  }
}

/** A static traversal in HCL's sense: a name followed by attribute names and literal indexes. */
function isTraversal(e: Expression): boolean {
  if (e.type === "Variable") return true;
  if (e.type === "GetAttr") return isTraversal(e.object);
  if (e.type === "Index") {
    const k = e.key;
    const literal =
      k.type === "Literal" || (k.type === "Template" && k.parts.every((p) => p.type === "TemplateLiteral"));
    return literal && isTraversal(e.object);
  }
  return false;
}
