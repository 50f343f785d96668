/**
 * Test-only: the structure of an expression as a sorted list of one-line signatures, one per operator,
 * conditional, call, for expression, dynamic index and splat, each naming the source text of the node and
 * of its operands. Built from OUR AST and from hashicorp/hcl's AST (hcl2json's getExpressionAst), so the
 * two trees can be compared node for node: precedence, associativity and nesting must agree, not only the
 * source text of whole attributes.
 */
import type { Expression, HclFile } from "../src/index.js";
import { walkExpression } from "../src/index.js";

const BINARY_NAMES: Record<string, string> = {
  "+": "add",
  "-": "subtract",
  "*": "multiply",
  "/": "divide",
  "%": "modulo",
  "==": "equal",
  "!=": "notEqual",
  "<": "lessThan",
  ">": "greaterThan",
  "<=": "lessThanOrEqual",
  ">=": "greaterThanOrEqual",
  "&&": "logicalAnd",
  "||": "logicalOr",
};

export function ourSignatures(file: HclFile, root: Expression): string[] {
  const src = (e: { range: { start: number; end: number } } | null): string =>
    e ? file.source.slice(e.range.start, e.range.end) : "";
  const out: string[] = [];
  walkExpression(root, (e) => {
    switch (e.type) {
      case "Binary":
        out.push(`binary ${BINARY_NAMES[e.op]} [${src(e)}] = [${src(e.left)}] [${src(e.right)}]`);
        break;
      case "Unary":
        out.push(`unary ${e.op === "-" ? "negate" : "logicalNot"} [${src(e)}] = [${src(e.operand)}]`);
        break;
      case "Conditional":
        out.push(`conditional [${src(e)}] = [${src(e.condition)}] [${src(e.then)}] [${src(e.else)}]`);
        break;
      case "Call":
        out.push(`call ${e.name}/${e.args.length}${e.expandFinal ? "..." : ""} [${src(e)}]`);
        break;
      case "For":
        out.push(
          `for ${e.keyVar ?? ""},${e.valueVar} [${src(e)}] = [${src(e.collection)}] [${src(e.keyExpr)}] [${src(e.valueExpr)}] [${src(e.condition)}]${e.grouping ? " grouped" : ""}`,
        );
        break;
      case "Index":
        if (!isStaticKey(e.key)) out.push(`index [${src(e)}] = [${src(e.object)}] [${src(e.key)}]`);
        break;
      case "Splat":
        out.push(`splat [${src(e)}] = [${src(e.object)}]`);
        break;
      default:
        break;
    }
  });
  return out.sort();
}

/** hcl folds an index with a constant key into a static traversal (no index node). */
function isStaticKey(k: Expression): boolean {
  return k.type === "Literal" || (k.type === "Template" && k.parts.every((p) => p.type === "TemplateLiteral"));
}

interface HclNode {
  type?: string;
  meta?: Record<string, unknown>;
  children?: HclNode[];
}

export function hclSignatures(root: HclNode): string[] {
  const out: string[] = [];
  const visit = (n: HclNode): void => {
    const m = (n.meta ?? {}) as Record<string, string | boolean>;
    const value = String(m.value ?? "");
    switch (n.type) {
      case "binaryOp":
        out.push(`binary ${m.operator} [${value}] = [${m.lhsExpression}] [${m.rhsExpression}]`);
        break;
      case "unaryOp":
        out.push(`unary ${m.operator} [${value}] = [${m.valueExpression}]`);
        break;
      case "conditional":
        // `%{ if }` directives are conditionals to hcl, template parts to us.
        if (!value.startsWith("%{"))
          out.push(`conditional [${value}] = [${m.conditionExpression}] [${m.trueExpression}] [${m.falseExpression}]`);
        break;
      case "function":
        out.push(`call ${m.name}/${n.children?.length ?? 0}${m.expandedFinalArgument ? "..." : ""} [${value}]`);
        break;
      case "for":
        // `%{ for }` directives are for expressions to hcl, template parts to us.
        if (!value.startsWith("%{")) {
          out.push(
            `for ${m.keyVar ?? ""},${m.valVar} [${value}] = [${m.collectionExpression}] [${m.keyExpression ?? ""}] [${m.valueExpression}] [${m.conditionalExpression ?? ""}]${m.groupedValue ? " grouped" : ""}`,
          );
        }
        break;
      case "index":
        out.push(`index [${value}] = [${m.collectionExpression}] [${m.keyExpression}]`);
        break;
      case "splat":
        out.push(`splat [${value}] = [${m.sourceExpression}]`);
        break;
      default:
        break;
    }
    for (const c of n.children ?? []) visit(c);
  };
  visit(root);
  return out.sort();
}
