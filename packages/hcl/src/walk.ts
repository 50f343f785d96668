import type { Expression, HclFile, Range, TemplatePart } from "./ast.js";

/** The source text of a node: `source.slice(range.start, range.end)`. */
export function expressionSource(file: HclFile, expr: { range: Range }): string {
  return file.source.slice(expr.range.start, expr.range.end);
}

/** Pre-order visit of `expr` and every sub-expression, including those inside template parts. */
export function walkExpression(expr: Expression, visit: (e: Expression) => void): void {
  visit(expr);
  switch (expr.type) {
    case "Literal":
    case "Variable":
    case "SplatItem":
      return;
    case "Template":
      walkParts(expr.parts, visit);
      return;
    case "GetAttr":
      walkExpression(expr.object, visit);
      return;
    case "Index":
      walkExpression(expr.object, visit);
      walkExpression(expr.key, visit);
      return;
    case "Splat":
      walkExpression(expr.object, visit);
      walkExpression(expr.each, visit);
      return;
    case "Call":
      for (const a of expr.args) walkExpression(a, visit);
      return;
    case "Tuple":
      for (const a of expr.items) walkExpression(a, visit);
      return;
    case "Object":
      for (const it of expr.items) {
        walkExpression(it.key, visit);
        walkExpression(it.value, visit);
      }
      return;
    case "Conditional":
      walkExpression(expr.condition, visit);
      walkExpression(expr.then, visit);
      walkExpression(expr.else, visit);
      return;
    case "Binary":
      walkExpression(expr.left, visit);
      walkExpression(expr.right, visit);
      return;
    case "Unary":
      walkExpression(expr.operand, visit);
      return;
    case "For":
      walkExpression(expr.collection, visit);
      if (expr.keyExpr) walkExpression(expr.keyExpr, visit);
      walkExpression(expr.valueExpr, visit);
      if (expr.condition) walkExpression(expr.condition, visit);
      return;
    case "Parens":
      walkExpression(expr.expr, visit);
      return;
  }
}

function walkParts(parts: TemplatePart[], visit: (e: Expression) => void): void {
  for (const part of parts) {
    switch (part.type) {
      case "TemplateLiteral":
        break;
      case "TemplateInterpolation":
        walkExpression(part.expr, visit);
        break;
      case "TemplateIf":
        walkExpression(part.condition, visit);
        walkParts(part.then, visit);
        if (part.else) walkParts(part.else, visit);
        break;
      case "TemplateFor":
        walkExpression(part.collection, visit);
        walkParts(part.body, visit);
        break;
    }
  }
}
