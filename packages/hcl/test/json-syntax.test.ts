/**
 * HCL's JSON syntax: the same file written in native and JSON syntax gives the same blocks, labels and
 * attribute values (the native parser's fidelity to HashiCorp's is tested in fidelity.test.ts).
 */
import { describe, expect, it } from "vitest";
import {
  HclSyntaxError,
  evaluate,
  parseHcl,
  parseHclJson,
  type Body,
  type HclFile,
  type HclValue,
  type JsonBodySchema,
} from "../src/index.js";

const schema: JsonBodySchema = {
  include: { labels: 1, bare: true },
  locals: { labels: 0 },
  terraform: { labels: 0, body: { extra_arguments: { labels: 1 } } },
  dependency: { labels: 1 },
  resource: { labels: 2 },
};

/** Blocks with their labels and every attribute's value, evaluated with `var.name = "x"`. */
function shape(file: HclFile, body: Body = file.body): unknown {
  const values = Object.fromEntries(
    body.attributes.map((attribute) => [
      attribute.name,
      evaluate(attribute.expr, {
        variable: (name): HclValue | undefined => (name === "var" ? { name: "x" } : undefined),
        functions: {},
        file,
      }),
    ]),
  );
  return {
    values,
    blocks: body.blocks.map((block) => ({ type: block.type, labels: block.labels, body: shape(file, block.body) })),
  };
}

describe("parseHclJson", () => {
  it("gives what the native syntax gives: blocks by schema, labels, templates, literals, tuples, objects", () => {
    const native = parseHcl(
      `include "root" {
  path = "root.hcl"
}
locals {
  name  = "app-\${var.name}"
  count = 3
  on    = true
  none  = null
  list  = ["a", "\${var.name}", 1.5]
  map   = { "k-\${var.name}" = { deep = "d" } }
  text  = "%{ if var.name == "x" }yes%{ else }no%{ endif }"
}
terraform {
  source = "../modules//vpc"
  extra_arguments "vars" {
    commands = ["plan"]
  }
}
dependency "a" {
  config_path = "../a"
}
dependency "b" {
  config_path = "../b"
}
resource "aws_s3_bucket" "logs" {
  bucket = "logs"
}
`,
      "terragrunt.hcl",
    );
    const json = parseHclJson(
      JSON.stringify(
        {
          "//": "a comment",
          include: { root: { path: "root.hcl" } },
          locals: {
            name: "app-${var.name}",
            count: 3,
            on: true,
            none: null,
            list: ["a", "${var.name}", 1.5],
            map: { "k-${var.name}": { deep: "d" } },
            text: '%{ if var.name == "x" }yes%{ else }no%{ endif }',
          },
          terraform: { source: "../modules//vpc", extra_arguments: { vars: { commands: ["plan"] } } },
          dependency: [{ a: { config_path: "../a" } }, { b: { config_path: "../b" } }],
          resource: { aws_s3_bucket: { logs: { bucket: "logs" } } },
        },
        null,
        2,
      ),
      "terragrunt.hcl.json",
      schema,
    );
    expect(shape(json)).toEqual(shape(native));
  });

  it("reads a bare include, keeps ranges on the JSON values, and reports malformed JSON with its position", () => {
    const source = `{\n  "include": { "path": "\${get_repo_root()}/root.hcl" },\n  "inputs": { "a": "b" }\n}\n`;
    const file = parseHclJson(source, "terragrunt.hcl.json", schema);
    const include = file.body.blocks[0]!;
    expect([include.type, include.labels]).toEqual(["include", []]);
    const path = include.body.attributes[0]!;
    expect(source.slice(path.expr.range.start, path.expr.range.end)).toBe('"${get_repo_root()}/root.hcl"');
    expect(() => parseHclJson(`{\n  "a": [1, 2,\n}`, "x.hcl.json")).toThrow(HclSyntaxError);
    try {
      parseHclJson(`{\n  "a": [1, 2,\n}`, "x.hcl.json");
    } catch (error) {
      expect((error as HclSyntaxError).location).toEqual({ file: "x.hcl.json", line: 3, column: 1 });
    }
    expect(() => parseHclJson(`{"a": "\${"}`, "x.hcl.json")).toThrow(/in the template/);
    expect(() => parseHclJson(`[1]`, "x.hcl.json")).toThrow(/expected a JSON object/);
  });
});
