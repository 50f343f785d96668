import { GantryError } from "@gantry/errors";
import type { Range } from "./ast.js";
import { positionAt } from "./position.js";

/** Malformed HCL: names the file, line and column, what was found and what was expected. */
export class HclSyntaxError extends GantryError {
  /** UTF-16 offset of the problem in the source. */
  readonly offset: number;

  constructor(message: string, fileName: string, source: string, offset: number, hint?: string) {
    const { line, column } = positionAt(source, offset);
    super("HCL_SYNTAX", message, {
      location: { file: fileName, line, column },
      hint:
        hint ??
        "fix the HCL syntax at this position (see https://github.com/hashicorp/hcl/blob/main/hclsyntax/spec.md)",
    });
    this.name = "HclSyntaxError";
    this.offset = offset;
  }
}

/** An expression that cannot be evaluated: unknown variable or function, wrong types, bad index... */
export class HclEvalError extends GantryError {
  readonly range: Range | undefined;

  constructor(message: string, range?: Range, where?: { file: string; source: string }, hint?: string) {
    const location =
      where === undefined
        ? undefined
        : range === undefined
          ? { file: where.file }
          : { file: where.file, ...positionAt(where.source, range.start) };
    super("HCL_EVAL", message, {
      ...(location ? { location } : {}),
      hint: hint ?? "check the expression; only values known without running Terraform can be evaluated",
    });
    this.name = "HclEvalError";
    this.range = range;
  }
}
