/**
 * HCL's JSON syntax (`*.hcl.json`, `terragrunt.hcl.json`, `*.tf.json`) into the same `HclFile` as the
 * native syntax. JSON has no blocks of its own: which object properties are blocks, and how many labels
 * each takes, comes from the caller's schema (`JsonBodySchema`), as HCL's decoder takes it from the
 * application. Following HCL's JSON specification: a block property's object nests one level per label
 * (an array stands for several blocks); a string in expression position is a template (`"${var.x}"`), as
 * is an object key; numbers, booleans and null are literals. Every node's range is the JSON value it comes
 * from (a template's parts all point at their string), so lines and columns in messages stay right.
 */
import type { Attribute, Block, Body, Expression, HclFile, Range } from "./ast.js";
import { HclSyntaxError } from "./errors.js";
import { parseHcl } from "./parser.js";

/** Block types of a body: how many labels each has, and the schema of its own body. */
export interface JsonBodySchema {
  /** `bare`: the one label may be left out (Terragrunt's `include { path = ... }`): an object whose values are not all objects has none. */
  [blockType: string]: { labels: number; bare?: boolean; body?: JsonBodySchema };
}

type JsonNode =
  | { kind: "object"; props: { key: string; keyRange: Range; value: JsonNode }[]; range: Range }
  | { kind: "array"; items: JsonNode[]; range: Range }
  | { kind: "string"; value: string; range: Range }
  | { kind: "literal"; value: number | boolean | null; range: Range };

export function parseHclJson(source: string, fileName: string, schema: JsonBodySchema = {}): HclFile {
  const root = new JsonReader(source, fileName).document();
  const convert = new JsonConverter(source, fileName);
  if (root.kind !== "object")
    throw new HclSyntaxError("expected a JSON object at the top of the file", fileName, source, root.range.start);
  return { fileName, source, body: convert.body(root, schema) };
}

class JsonConverter {
  constructor(
    private readonly source: string,
    private readonly fileName: string,
  ) {}

  body(node: Extract<JsonNode, { kind: "object" }>, schema: JsonBodySchema): Body {
    const attributes: Attribute[] = [];
    const blocks: Block[] = [];
    for (const { key, keyRange, value } of node.props) {
      // "//" properties are comments in HCL's JSON syntax.
      if (key === "//") continue;
      const blockSchema = schema[key];
      if (blockSchema === undefined) {
        attributes.push({
          name: key,
          nameRange: keyRange,
          expr: this.expression(value),
          range: { start: keyRange.start, end: value.range.end },
        });
        continue;
      }
      const bare =
        blockSchema.bare === true &&
        value.kind === "object" &&
        value.props.some((prop) => prop.value.kind !== "object" && prop.value.kind !== "array");
      this.blocks(key, keyRange, value, bare ? 0 : blockSchema.labels, [], blockSchema.body ?? {}, blocks);
    }
    return { attributes, blocks, range: node.range };
  }

  private blocks(
    type: string,
    typeRange: Range,
    node: JsonNode,
    labelsLeft: number,
    labels: string[],
    schema: JsonBodySchema,
    out: Block[],
  ): void {
    if (node.kind === "array") {
      for (const item of node.items) this.blocks(type, typeRange, item, labelsLeft, labels, schema, out);
      return;
    }
    if (node.kind !== "object") {
      throw new HclSyntaxError(
        `expected a JSON object for the ${type} block${labelsLeft > 0 ? "'s labels" : ""}, found ${node.kind}`,
        this.fileName,
        this.source,
        node.range.start,
      );
    }
    if (labelsLeft === 0) {
      out.push({
        type,
        labels,
        body: this.body(node, schema),
        range: { start: typeRange.start, end: node.range.end },
        typeRange,
      });
      return;
    }
    for (const { key, value } of node.props)
      this.blocks(type, typeRange, value, labelsLeft - 1, [...labels, key], schema, out);
  }

  expression(node: JsonNode): Expression {
    switch (node.kind) {
      case "literal":
        return { type: "Literal", value: node.value, range: node.range };
      case "string":
        return this.template(node.value, node.range);
      case "array":
        return { type: "Tuple", items: node.items.map((item) => this.expression(item)), range: node.range };
      case "object":
        return {
          type: "Object",
          items: node.props.map(({ key, keyRange, value }) => ({
            key: this.template(key, keyRange),
            value: this.expression(value),
          })),
          range: node.range,
        };
    }
  }

  /** A JSON string as an HCL template, parsed by the native parser (as a heredoc: no escaping to undo). */
  private template(text: string, range: Range): Expression {
    if (!text.includes("${") && !text.includes("%{")) {
      return {
        type: "Template",
        parts: text === "" ? [] : [{ type: "TemplateLiteral", value: text.normalize("NFC"), range }],
        heredoc: false,
        range,
      };
    }
    let marker = "JSONTEMPLATE";
    while (text.includes(marker)) marker += "X";
    let parsed: HclFile;
    try {
      parsed = parseHcl(`x = <<${marker}\n${text}\n${marker}\n`, this.fileName);
    } catch (error) {
      if (error instanceof HclSyntaxError)
        throw new HclSyntaxError(
          `in the template ${JSON.stringify(text)}: ${error.message}`,
          this.fileName,
          this.source,
          range.start,
        );
      throw error;
    }
    const expr = parsed.body.attributes[0]!.expr;
    if (expr.type !== "Template") throw new Error("unreachable: a heredoc is a template");
    // The heredoc's last line break is not part of the string.
    const last = expr.parts.at(-1);
    if (last?.type === "TemplateLiteral") {
      last.value = last.value.slice(0, -1);
      if (last.value === "") expr.parts.pop();
    }
    relocate(expr, range);
    return { ...expr, heredoc: false };
  }
}

/** Points every node of a tree parsed from a synthetic text at `range` of the JSON source. */
function relocate(node: unknown, range: Range): void {
  if (node === null || typeof node !== "object") return;
  if (Array.isArray(node)) {
    for (const item of node) relocate(item, range);
    return;
  }
  for (const [key, value] of Object.entries(node)) {
    if (key === "range") (node as { range: Range }).range = { start: range.start, end: range.end };
    else relocate(value, range);
  }
}

/** A JSON reader that keeps where each value is (the standard `JSON.parse` does not). */
class JsonReader {
  private i = 0;

  constructor(
    private readonly text: string,
    private readonly fileName: string,
  ) {}

  document(): JsonNode {
    this.space();
    const value = this.value(0);
    this.space();
    if (this.i < this.text.length) this.fail("the end of the file");
    return value;
  }

  private fail(expected: string): never {
    const found = this.i >= this.text.length ? "end of file" : JSON.stringify(this.text[this.i]);
    throw new HclSyntaxError(`expected ${expected}, found ${found}`, this.fileName, this.text, this.i);
  }

  private space(): void {
    while (this.i < this.text.length && " \t\n\r".includes(this.text[this.i]!)) this.i++;
  }

  private value(depth: number): JsonNode {
    if (depth > 1000) this.fail("at most 1000 levels of nesting");
    const start = this.i;
    const c = this.text[this.i];
    if (c === "{") return this.object(depth);
    if (c === "[") {
      this.i++;
      const items: JsonNode[] = [];
      this.space();
      if (this.text[this.i] === "]") this.i++;
      else {
        for (;;) {
          this.space();
          items.push(this.value(depth + 1));
          this.space();
          if (this.text[this.i] === ",") this.i++;
          else if (this.text[this.i] === "]") {
            this.i++;
            break;
          } else this.fail("',' or ']'");
        }
      }
      return { kind: "array", items, range: { start, end: this.i } };
    }
    if (c === '"') return { kind: "string", value: this.string(), range: { start, end: this.i } };
    for (const [word, value] of [
      ["true", true],
      ["false", false],
      ["null", null],
    ] as const) {
      if (this.text.startsWith(word, this.i)) {
        this.i += word.length;
        return { kind: "literal", value, range: { start, end: this.i } };
      }
    }
    const number = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/.exec(this.text.slice(this.i, this.i + 64));
    if (number) {
      this.i += number[0].length;
      return { kind: "literal", value: Number(number[0]), range: { start, end: this.i } };
    }
    return this.fail("a JSON value");
  }

  private object(depth: number): JsonNode {
    const start = this.i++;
    const props: { key: string; keyRange: Range; value: JsonNode }[] = [];
    this.space();
    if (this.text[this.i] === "}") {
      this.i++;
      return { kind: "object", props, range: { start, end: this.i } };
    }
    for (;;) {
      this.space();
      if (this.text[this.i] !== '"') this.fail("a property name in '\"'");
      const keyStart = this.i;
      const key = this.string();
      const keyRange = { start: keyStart, end: this.i };
      this.space();
      if (this.text[this.i] !== ":") this.fail("':'");
      this.i++;
      this.space();
      props.push({ key, keyRange, value: this.value(depth + 1) });
      this.space();
      if (this.text[this.i] === ",") this.i++;
      else if (this.text[this.i] === "}") {
        this.i++;
        return { kind: "object", props, range: { start, end: this.i } };
      } else this.fail("',' or '}'");
    }
  }

  private string(): string {
    const start = this.i++;
    for (;;) {
      if (this.i >= this.text.length) this.fail("a closing '\"'");
      const c = this.text.charCodeAt(this.i);
      if (c === 34) break;
      if (c < 0x20) this.fail("an escaped control character");
      this.i += c === 92 ? 2 : 1;
    }
    this.i++;
    try {
      return JSON.parse(this.text.slice(start, this.i)) as string;
    } catch {
      this.i = start;
      return this.fail("a valid JSON string");
    }
  }
}
