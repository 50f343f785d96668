/**
 * Recursive-descent parser for HCL2 native syntax (the grammar of hashicorp/hcl `hclsyntax/spec.md`), with
 * precedence climbing for binary operators. Single pass; stores offsets only (see `positionAt`).
 */
import type { Attribute, BinaryOperator, Block, Body, Expression, HclFile } from "./ast.js";
import {
  Lexer,
  T_AND,
  T_ARROW,
  T_ASSIGN,
  T_BANG,
  T_COLON,
  T_COMMA,
  T_DCOLON,
  T_DOT,
  T_ELLIPSIS,
  T_EOF,
  T_EQ,
  T_GE,
  T_GT,
  T_HEREDOC,
  T_IDENT,
  T_LBRACE,
  T_LBRACK,
  T_LE,
  T_LPAREN,
  T_LT,
  T_MINUS,
  T_NEQ,
  T_NL,
  T_NUMBER,
  T_OQUOTE,
  T_OR,
  T_PERCENT,
  T_PLUS,
  T_QUESTION,
  T_RBRACE,
  T_RBRACK,
  T_RPAREN,
  T_SLASH,
  T_STAR,
} from "./lexer.js";
import { type ExpressionParser, parseHeredoc, parseQuotedTemplate } from "./template.js";

/** Parse HCL native syntax. Throws `HclSyntaxError` (with file, line, column) on malformed input. */
export function parseHcl(source: string, fileName: string): HclFile {
  const parser = new Parser(source, fileName);
  return { fileName, source, body: parser.parseFile() };
}

/** Binding power of each binary operator token (undefined: not a binary operator). */
const PREC: number[] = [];
const OPS: BinaryOperator[] = [];
function op(kind: number, prec: number, name: BinaryOperator): void {
  PREC[kind] = prec;
  OPS[kind] = name;
}
op(T_OR, 1, "||");
op(T_AND, 2, "&&");
op(T_EQ, 3, "==");
op(T_NEQ, 3, "!=");
op(T_LT, 4, "<");
op(T_GT, 4, ">");
op(T_LE, 4, "<=");
op(T_GE, 4, ">=");
op(T_PLUS, 5, "+");
op(T_MINUS, 5, "-");
op(T_STAR, 6, "*");
op(T_SLASH, 6, "/");
op(T_PERCENT, 6, "%");

/** Nesting limit: deeper input is rejected with a syntax error instead of overflowing the call stack. */
const MAX_DEPTH = 1000;
/**
 * A string or heredoc counts as this many levels: each template level costs the call stack about three
 * times an expression level (template, sequence, then the whole expression descent).
 */
const TEMPLATE_DEPTH = 3;

class Parser implements ExpressionParser {
  readonly lx: Lexer;
  private readonly src: string;
  private depth = 0;

  constructor(source: string, fileName: string) {
    this.lx = new Lexer(source, fileName);
    this.src = source;
  }

  // ---------------------------------------------------------------- bodies

  parseFile(): Body {
    const body = this.parseBodyItems(-1);
    return { ...body, range: { start: 0, end: this.src.length } };
  }

  /**
   * Items until `}` (openAt >= 0: the block's `{`) or end of file (openAt < 0). `blockStart` (the block's
   * type name) is where messages say the block was opened.
   */
  private parseBodyItems(openAt: number, blockStart = openAt): Body {
    const lx: Lexer = this.lx;
    const attributes: Attribute[] = [];
    const blocks: Block[] = [];
    let seen: Map<string, Attribute> | null = null;
    for (;;) {
      const k = lx.peek();
      if (k === T_NL) {
        lx.next();
        continue;
      }
      if (k === T_EOF) {
        if (openAt >= 0)
          lx.fail(`expected '}' to close the block opened at ${lx.where(blockStart)}, found end of file`, lx.ts);
        break;
      }
      if (k === T_RBRACE) {
        if (openAt < 0) lx.fail(`expected an attribute or block definition, found '}' with no block to close`, lx.ts);
        break;
      }
      if (k !== T_IDENT) lx.fail(`expected an attribute or block definition (a name), found ${lx.describe()}`, lx.ts);
      const isAttribute = this.parseBodyItem(attributes, blocks, false);
      if (isAttribute) {
        const attr = attributes[attributes.length - 1]!;
        const prior = this.findAttribute(attributes, attr.name, seen);
        if (prior) {
          lx.fail(
            `attribute '${attr.name}' is already defined at ${lx.where(prior.nameRange.start)}; expected each attribute once per body`,
            attr.nameRange.start,
          );
        }
        if (attributes.length > 16) {
          // Large bodies switch from a linear scan to a map.
          if (!seen) {
            seen = new Map();
            for (const a of attributes) seen.set(a.name, a);
          } else seen.set(attr.name, attr);
        }
      }
      const after = lx.peek();
      if (after === T_NL) lx.next();
      else if (after !== T_EOF && !(after === T_RBRACE && openAt >= 0)) {
        lx.fail(
          `expected a newline after the ${isAttribute ? "attribute" : "block"} definition, found ${lx.describe()}`,
          lx.ts,
        );
      } else if (after === T_RBRACE && openAt >= 0) {
        lx.fail(`expected a newline before '}' closing the block opened at ${lx.where(blockStart)}, found '}'`, lx.ts);
      }
    }
    return { attributes, blocks, range: { start: openAt, end: lx.lastEnd } };
  }

  /** An earlier attribute of the same name than the last one in `attributes`. */
  private findAttribute(
    attributes: Attribute[],
    name: string,
    seen: Map<string, Attribute> | null,
  ): Attribute | undefined {
    if (seen) return seen.get(name);
    for (let i = 0; i < attributes.length - 1; i++) if (attributes[i]!.name === name) return attributes[i];
    return undefined;
  }

  /** `name = expr` or `type label... { body }` (the name is the peeked identifier); true for an attribute. */
  private parseBodyItem(attributes: Attribute[], blocks: Block[], singleLine: boolean): boolean {
    const lx: Lexer = this.lx;
    lx.next();
    const nameStart = lx.ts;
    const name = lx.text();
    const nameRange = { start: nameStart, end: lx.te };
    let k = lx.peek();
    if (k === T_ASSIGN) {
      lx.next();
      const expr = this.parseExpression();
      attributes.push({ name, nameRange, expr, range: { start: nameStart, end: expr.range.end } });
      return true;
    }
    const labels: string[] = [];
    for (;;) {
      if (k === T_IDENT) {
        lx.next();
        labels.push(lx.text());
      } else if (k === T_OQUOTE) {
        labels.push(this.parseLabelString());
      } else break;
      k = lx.peek();
    }
    if (k !== T_LBRACE) {
      const expected =
        labels.length === 0 ? `'=' or a block's '{' after '${name}'` : `'{' to open the body of block '${name}'`;
      lx.fail(`expected ${expected}, found ${lx.describe()}`, lx.ts);
    }
    if (singleLine)
      lx.fail(
        `expected '}' to close the single-line block, found nested block '${name}'`,
        nameStart,
        "a single-line block holds at most one attribute; put nested blocks on their own lines",
      );
    lx.next();
    const open = lx.ts;
    let body: Body;
    k = lx.peek();
    if (k === T_NL) {
      if (++this.depth > MAX_DEPTH) this.tooDeep();
      body = this.parseBodyItems(open, nameStart);
      this.depth--;
      lx.next(); // the `}` (checked by parseBodyItems)
    } else if (k === T_RBRACE) {
      lx.next();
      body = { attributes: [], blocks: [], range: { start: open, end: lx.te } };
    } else {
      // Single-line block: `type { name = expr }`.
      if (k !== T_IDENT)
        lx.fail(`expected a newline or an attribute after '{' of block '${name}', found ${lx.describe()}`, lx.ts);
      const inner: Attribute[] = [];
      this.parseBodyItem(inner, blocks, true);
      if (lx.peek() !== T_RBRACE) {
        lx.fail(
          `expected '}' to close the single-line block opened at ${lx.where(open)}, found ${lx.describe()}`,
          lx.ts,
          "a block whose first attribute is on the '{' line must hold only that attribute and close on the same line",
        );
      }
      lx.next();
      body = { attributes: inner, blocks: [], range: { start: open, end: lx.te } };
    }
    body.range.end = lx.lastEnd;
    blocks.push({ type: name, labels, body, range: { start: nameStart, end: lx.lastEnd }, typeRange: nameRange });
    return false;
  }

  private parseLabelString(): string {
    const lx: Lexer = this.lx;
    lx.next();
    const t = parseQuotedTemplate(this, lx.ts);
    if (t.type !== "Template") throw new Error("unreachable");
    let value = "";
    for (const part of t.parts) {
      if (part.type !== "TemplateLiteral") {
        lx.fail(
          "expected a plain string as block label, found a template sequence ('${' or '%{')",
          part.range.start,
          "block labels cannot contain interpolations",
        );
      }
      value += part.value;
    }
    return value;
  }

  // ----------------------------------------------------------- expressions

  parseExpression(): Expression {
    if (++this.depth > MAX_DEPTH) this.tooDeep();
    const e = this.parseConditional();
    this.depth--;
    return e;
  }

  private tooDeep(): never {
    return this.lx.fail(
      `expected at most ${MAX_DEPTH} levels of nested expressions or blocks, found more`,
      this.lx.pos,
      "flatten the expression; no real configuration nests this deep",
    );
  }

  private parseConditional(): Expression {
    const lx: Lexer = this.lx;
    const condition = this.parseBinary(1);
    if (lx.peek() !== T_QUESTION) return condition;
    lx.next();
    const then = this.parseExpression();
    if (lx.peek() !== T_COLON) lx.fail(`expected ':' in the conditional expression, found ${lx.describe()}`, lx.ts);
    lx.next();
    const otherwise = this.parseExpression();
    return {
      type: "Conditional",
      condition,
      then,
      else: otherwise,
      range: { start: condition.range.start, end: otherwise.range.end },
    };
  }

  private parseBinary(minPrec: number): Expression {
    const lx: Lexer = this.lx;
    let left = this.parseUnary();
    for (;;) {
      const k = lx.peek();
      const prec = PREC[k];
      if (prec === undefined || prec < minPrec) return left;
      lx.next();
      const right = this.parseBinary(prec + 1);
      left = { type: "Binary", op: OPS[k]!, left, right, range: { start: left.range.start, end: right.range.end } };
    }
  }

  private parseUnary(): Expression {
    const lx: Lexer = this.lx;
    const k = lx.peek();
    if (k === T_MINUS || k === T_BANG) {
      lx.next();
      const start = lx.ts;
      if (++this.depth > MAX_DEPTH) this.tooDeep();
      const operand = this.parseUnary();
      this.depth--;
      return { type: "Unary", op: k === T_MINUS ? "-" : "!", operand, range: { start, end: operand.range.end } };
    }
    return this.parsePostfix(this.parseTerm(), true);
  }

  private parseTerm(): Expression {
    const lx: Lexer = this.lx;
    const k = lx.peek();
    switch (k) {
      case T_NUMBER: {
        lx.next();
        return { type: "Literal", value: Number(lx.text()), range: { start: lx.ts, end: lx.te } };
      }
      case T_IDENT: {
        lx.next();
        const start = lx.ts;
        const end = lx.te;
        const name = lx.text();
        const after = lx.peek();
        if (after === T_LPAREN || after === T_DCOLON) return this.parseCall(name, start);
        const range = { start, end };
        if (name === "true") return { type: "Literal", value: true, range };
        if (name === "false") return { type: "Literal", value: false, range };
        if (name === "null") return { type: "Literal", value: null, range };
        return { type: "Variable", name, range };
      }
      case T_OQUOTE:
      case T_HEREDOC: {
        lx.next();
        if ((this.depth += TEMPLATE_DEPTH) > MAX_DEPTH) this.tooDeep();
        const template = k === T_OQUOTE ? parseQuotedTemplate(this, lx.ts) : parseHeredoc(this, lx.ts);
        this.depth -= TEMPLATE_DEPTH;
        return template;
      }
      case T_LPAREN: {
        lx.next();
        const start = lx.ts;
        const saved = lx.setNl(false);
        const expr = this.parseExpression();
        if (lx.peek() !== T_RPAREN)
          lx.fail(`expected ')' to close the '(' at ${lx.where(start)}, found ${lx.describe()}`, lx.ts);
        lx.next();
        lx.setNl(saved);
        return { type: "Parens", expr, range: { start, end: lx.lastEnd } };
      }
      case T_LBRACK:
        return this.parseTuple();
      case T_LBRACE:
        return this.parseObject();
      default:
        return lx.fail(`expected an expression, found ${lx.describe()}`, lx.ts);
    }
  }

  private parseCall(first: string, start: number): Expression {
    const lx: Lexer = this.lx;
    let name = first;
    while (lx.peek() === T_DCOLON) {
      lx.next();
      if (lx.peek() !== T_IDENT) lx.fail(`expected a function name after '::', found ${lx.describe()}`, lx.ts);
      lx.next();
      name += `::${lx.text()}`;
    }
    if (lx.peek() !== T_LPAREN) lx.fail(`expected '(' to call function '${name}', found ${lx.describe()}`, lx.ts);
    lx.next();
    const open = lx.ts;
    const saved = lx.setNl(false);
    const args: Expression[] = [];
    let expandFinal = false;
    for (;;) {
      if (lx.peek() === T_RPAREN) break;
      args.push(this.parseExpression());
      const k = lx.peek();
      if (k === T_COMMA) {
        lx.next();
        continue;
      }
      if (k === T_ELLIPSIS) {
        lx.next();
        expandFinal = true;
        if (lx.peek() !== T_RPAREN)
          lx.fail(`expected ')' after '...' (it expands the final argument), found ${lx.describe()}`, lx.ts);
        break;
      }
      if (k !== T_RPAREN)
        lx.fail(
          `expected ',' or ')' closing the call to '${name}' opened at ${lx.where(open)}, found ${lx.describe()}`,
          lx.ts,
        );
    }
    lx.next();
    lx.setNl(saved);
    return { type: "Call", name, args, expandFinal, range: { start, end: lx.lastEnd } };
  }

  /** Attribute access, indexing and splats after a term. */
  private parsePostfix(base: Expression, allowIndex: boolean): Expression {
    const lx: Lexer = this.lx;
    let expr = base;
    for (;;) {
      const k = lx.peek();
      if (k === T_DOT) {
        lx.next();
        const dot = lx.ts;
        const k2 = lx.peek();
        if (k2 === T_STAR) {
          lx.next();
          expr = this.parseAttrSplat(expr, dot);
          continue;
        }
        expr = this.parseDotStep(expr);
        continue;
      }
      if (k === T_LBRACK && allowIndex) {
        lx.next();
        const open = lx.ts;
        const saved = lx.setNl(false);
        if (lx.peek() === T_STAR) {
          lx.next();
          if (lx.peek() !== T_RBRACK) lx.fail(`expected ']' after '[*', found ${lx.describe()}`, lx.ts);
          lx.next();
          lx.setNl(saved);
          const item: Expression = { type: "SplatItem", range: { start: open, end: lx.lastEnd } };
          // A full splat takes every traversal step after it, including indexes and further splats.
          const each = this.parsePostfix(item, true);
          return { type: "Splat", object: expr, each, full: true, range: { start: expr.range.start, end: lx.lastEnd } };
        }
        const key = this.parseExpression();
        if (lx.peek() !== T_RBRACK)
          lx.fail(`expected ']' to close the index opened at ${lx.where(open)}, found ${lx.describe()}`, lx.ts);
        lx.next();
        lx.setNl(saved);
        expr = { type: "Index", object: expr, key, range: { start: expr.range.start, end: lx.lastEnd } };
        continue;
      }
      return expr;
    }
  }

  /** After `.`: an attribute name or a legacy numeric index (`a.0`, also `a.0.1`, scanned as one number). */
  private parseDotStep(object: Expression): Expression {
    const lx: Lexer = this.lx;
    const k = lx.peek();
    if (k === T_IDENT) {
      lx.next();
      return { type: "GetAttr", object, name: lx.text(), range: { start: object.range.start, end: lx.te } };
    }
    if (k === T_NUMBER) {
      lx.next();
      const text = lx.text();
      if (text.includes(".")) {
        lx.fail(
          `expected a single whole-number index after '.', found number ${text}`,
          lx.ts,
          "chained legacy indexes like a.0.1 are not allowed; write a[0][1]",
        );
      }
      const key: Expression = { type: "Literal", value: Number(text), range: { start: lx.ts, end: lx.te } };
      return { type: "Index", object, key, range: { start: object.range.start, end: lx.te } };
    }
    return lx.fail(`expected an attribute name after '.', found ${lx.describe()}`, lx.ts);
  }

  /** `.*` then only `.name` / `.0` steps apply to each element. */
  private parseAttrSplat(object: Expression, dot: number): Expression {
    const lx: Lexer = this.lx;
    let each: Expression = { type: "SplatItem", range: { start: dot, end: lx.te } };
    while (lx.peek() === T_DOT) {
      lx.next();
      if (lx.peek() === T_STAR) {
        lx.fail(
          "expected an attribute name after '.', found '*': a splat cannot be nested inside an attribute-only splat (.*)",
          lx.ts,
          "use the full splat form, a[*].b[*].c",
        );
      }
      each = this.parseDotStep(each);
    }
    return { type: "Splat", object, each, full: false, range: { start: object.range.start, end: lx.lastEnd } };
  }

  private parseTuple(): Expression {
    const lx: Lexer = this.lx;
    lx.next();
    const start = lx.ts;
    const saved = lx.setNl(false);
    if (lx.peek() === T_IDENT && lx.text() === "for") {
      const e = this.parseFor(start, false);
      lx.setNl(saved);
      return e;
    }
    const items: Expression[] = [];
    for (;;) {
      if (lx.peek() === T_RBRACK) break;
      items.push(this.parseExpression());
      const k = lx.peek();
      if (k === T_COMMA) {
        lx.next();
        continue;
      }
      if (k !== T_RBRACK)
        lx.fail(`expected ',' or ']' to close the list opened at ${lx.where(start)}, found ${lx.describe()}`, lx.ts);
    }
    lx.next();
    lx.setNl(saved);
    return { type: "Tuple", items, range: { start, end: lx.lastEnd } };
  }

  private parseObject(): Expression {
    const lx: Lexer = this.lx;
    lx.next();
    const start = lx.ts;
    const saved = lx.setNl(true);
    while (lx.peek() === T_NL) lx.next();
    if (lx.peek() === T_IDENT && lx.text() === "for") {
      lx.setNl(false);
      const e = this.parseFor(start, true);
      lx.setNl(saved);
      return e;
    }
    const items: { key: Expression; value: Expression }[] = [];
    for (;;) {
      const k = lx.peek();
      if (k === T_NL) {
        lx.next();
        continue;
      }
      if (k === T_RBRACE) break;
      if (k === T_EOF)
        lx.fail(`expected '}' to close the object opened at ${lx.where(start)}, found end of file`, lx.ts);
      let key = this.parseExpression();
      // A bare identifier key is the attribute name itself, not a variable reference.
      if (key.type === "Variable") key = { type: "Literal", value: key.name, range: key.range };
      const sep = lx.peek();
      if (sep !== T_ASSIGN && sep !== T_COLON) {
        lx.fail(`expected '=' or ':' after the object key, found ${lx.describe()}`, lx.ts);
      }
      lx.next();
      const value = this.parseExpression();
      items.push({ key, value });
      const after = lx.peek();
      if (after === T_RBRACE) break;
      if (after !== T_COMMA && after !== T_NL) {
        lx.fail(
          `expected ',' or a newline between object items (or '}' to close the object opened at ${lx.where(start)}), found ${lx.describe()}`,
          lx.ts,
        );
      }
      lx.next();
    }
    lx.next();
    lx.setNl(saved);
    return { type: "Object", items, range: { start, end: lx.lastEnd } };
  }

  /** After `[` or `{`, at the `for` keyword (newlines already insignificant). */
  private parseFor(start: number, isObject: boolean): Expression {
    const lx: Lexer = this.lx;
    lx.next(); // for
    const first = this.expectIdent("a variable name after 'for'");
    let keyVar: string | null = null;
    let valueVar = first;
    if (lx.accept(T_COMMA)) {
      keyVar = first;
      valueVar = this.expectIdent("a value variable name after ','");
    }
    if (lx.peek() !== T_IDENT || lx.text() !== "in")
      lx.fail(`expected 'in' in the for expression, found ${lx.describe()}`, lx.ts);
    lx.next();
    const collection = this.parseExpression();
    if (lx.peek() !== T_COLON)
      lx.fail(`expected ':' after the for expression's collection, found ${lx.describe()}`, lx.ts);
    lx.next();
    let keyExpr: Expression | null = null;
    let valueExpr = this.parseExpression();
    let grouping = false;
    if (isObject) {
      if (lx.peek() !== T_ARROW)
        lx.fail(`expected '=>' between key and value in the object for expression, found ${lx.describe()}`, lx.ts);
      lx.next();
      keyExpr = valueExpr;
      valueExpr = this.parseExpression();
      if (lx.accept(T_ELLIPSIS)) grouping = true;
    }
    let condition: Expression | null = null;
    if (lx.peek() === T_IDENT && lx.text() === "if") {
      lx.next();
      condition = this.parseExpression();
    }
    const close = isObject ? T_RBRACE : T_RBRACK;
    if (lx.peek() !== close) {
      lx.fail(
        `expected '${isObject ? "}" : "]"}' to close the for expression opened at ${lx.where(start)}, found ${lx.describe()}`,
        lx.ts,
      );
    }
    lx.next();
    return {
      type: "For",
      keyVar,
      valueVar,
      collection,
      keyExpr,
      valueExpr,
      condition,
      grouping,
      range: { start, end: lx.lastEnd },
    };
  }

  expectIdent(what: string): string {
    const lx: Lexer = this.lx;
    if (lx.peek() !== T_IDENT) lx.fail(`expected ${what}, found ${lx.describe()}`, lx.ts);
    lx.next();
    return lx.text();
  }
}
