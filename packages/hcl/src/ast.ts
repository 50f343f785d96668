/** UTF-16 offsets into the source text: `source.slice(start, end)` is the node's text. */
export interface Range {
  start: number;
  end: number;
}

export interface HclFile {
  fileName: string;
  source: string;
  body: Body;
}

/** A block's (or the file's) content; both lists are in source order. */
export interface Body {
  attributes: Attribute[];
  blocks: Block[];
  range: Range;
}

export interface Attribute {
  name: string;
  nameRange: Range;
  expr: Expression;
  range: Range;
}

export interface Block {
  type: string;
  labels: string[];
  body: Body;
  range: Range;
  typeRange: Range;
}

export type BinaryOperator = "+" | "-" | "*" | "/" | "%" | "==" | "!=" | "<" | ">" | "<=" | ">=" | "&&" | "||";

export type Expression = (
  | { type: "Literal"; value: string | number | boolean | null }
  | { type: "Template"; parts: TemplatePart[]; heredoc: boolean }
  | { type: "Variable"; name: string }
  | { type: "GetAttr"; object: Expression; name: string }
  | { type: "Index"; object: Expression; key: Expression }
  | { type: "Splat"; object: Expression; each: Expression; full: boolean }
  | { type: "SplatItem" }
  | { type: "Call"; name: string; args: Expression[]; expandFinal: boolean }
  | { type: "Tuple"; items: Expression[] }
  | { type: "Object"; items: { key: Expression; value: Expression }[] }
  | { type: "Conditional"; condition: Expression; then: Expression; else: Expression }
  | { type: "Binary"; op: BinaryOperator; left: Expression; right: Expression }
  | { type: "Unary"; op: "-" | "!"; operand: Expression }
  | {
      type: "For";
      keyVar: string | null;
      valueVar: string;
      collection: Expression;
      keyExpr: Expression | null;
      valueExpr: Expression;
      condition: Expression | null;
      grouping: boolean;
    }
  | { type: "Parens"; expr: Expression }
) & { range: Range };

export type TemplatePart = (
  | { type: "TemplateLiteral"; value: string }
  | { type: "TemplateInterpolation"; expr: Expression; stripLeft: boolean; stripRight: boolean }
  | {
      type: "TemplateIf";
      condition: Expression;
      then: TemplatePart[];
      else: TemplatePart[] | null;
      stripLeft: boolean;
      stripRight: boolean;
    }
  | {
      type: "TemplateFor";
      keyVar: string | null;
      valueVar: string;
      collection: Expression;
      body: TemplatePart[];
      stripLeft: boolean;
      stripRight: boolean;
    }
) & { range: Range };

/** Narrow an expression union member by its `type`. */
export type ExpressionOf<K extends Expression["type"]> = Extract<Expression, { type: K }>;
