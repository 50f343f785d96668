/**
 * The one way a `gantry/v1` document is read: a file (or stdin) → JSON with an error that names the line and
 * column → the zod schema, whose first problem is named by its field path → the `GantryError` code the caller
 * gives, so each document keeps its own code and exit code.
 */
import { readFile } from "node:fs/promises";
import { relative, resolve } from "node:path";
import { GantryError, type ErrorCode } from "@gantry/errors";
import type { z } from "zod";
import { formatFieldPath } from "./field-path.js";
import { findJsonSyntaxError } from "./json-syntax-error.js";

export interface DocumentSpec<Schema extends z.ZodType> {
  /** The document's kind as messages name it: `Plan`, `Job`, `JobResult`. */
  readonly kind: string;
  readonly schema: Schema;
  /** The registry code of every error about this document (unreadable, not JSON, invalid). */
  readonly code: ErrorCode;
  /** What to do instead, e.g. "pass the file written by `gantry plan --json` unchanged". */
  readonly hint: string;
}

/** The document's problems in one line: the first, named by its field, and how many more there are. */
export function describeIssues(issues: readonly z.core.$ZodIssue[]): string {
  const [first] = issues;
  if (first === undefined) return "invalid";
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more problem${issues.length > 2 ? "s" : ""})` : "";
  return `field "${formatFieldPath(first.path)}": ${first.message}${more}`;
}

/** Validates a value already parsed (an object handed over in-process, or JSON read elsewhere). */
export function validateDocument<Schema extends z.ZodType>(
  value: unknown,
  spec: DocumentSpec<Schema>,
  source: string,
): z.output<Schema> {
  const parsed = spec.schema.safeParse(value);
  if (parsed.success) return parsed.data;
  throw new GantryError(spec.code, `not a valid gantry/v1 ${spec.kind}: ${describeIssues(parsed.error.issues)}`, {
    hint: spec.hint,
    location: { file: source },
  });
}

/**
 * Parses JSON text and validates it. Invalid JSON is reported at its line and column with what was expected
 * there, never with V8's message (it varies, and may quote the text).
 */
export function parseDocument<Schema extends z.ZodType>(
  text: string,
  spec: DocumentSpec<Schema>,
  source: string,
): z.output<Schema> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    const error = findJsonSyntaxError(text);
    const where = error ? `: expected ${error.expected} at line ${error.line}, column ${error.column}` : "";
    throw new GantryError(spec.code, `the ${spec.kind} is not JSON${where}`, {
      hint: spec.hint,
      location: { file: source, ...(error ? { line: error.line, column: error.column } : {}) },
    });
  }
  return validateDocument(value, spec, source);
}

export interface DocumentInput {
  /** Paths are resolved from here and named relative to it. */
  readonly cwd: string;
  /** Read for the source `-`; default `process.stdin`. */
  readonly stdin?: NodeJS.ReadableStream | undefined;
}

/** Reads a document from a file, or from stdin when `source` is `-`, then `parseDocument`. */
export async function readDocument<Schema extends z.ZodType>(
  source: string,
  spec: DocumentSpec<Schema>,
  input: DocumentInput,
): Promise<z.output<Schema>> {
  const { text, name } = await readDocumentText(source, spec, input);
  return parseDocument(text, spec, name);
}

/** The text of a document and the name messages give it (`<stdin>`, or the path relative to `cwd`). */
export async function readDocumentText(
  source: string,
  spec: Pick<DocumentSpec<z.ZodType>, "kind" | "code" | "hint">,
  input: DocumentInput,
): Promise<{ text: string; name: string }> {
  if (source === "-") {
    const chunks: Buffer[] = [];
    for await (const chunk of input.stdin ?? process.stdin) chunks.push(Buffer.from(chunk as Buffer));
    return { text: Buffer.concat(chunks).toString("utf8"), name: "<stdin>" };
  }
  const path = resolve(input.cwd, source);
  const name = relative(input.cwd, path) || path;
  try {
    return { text: await readFile(path, "utf8"), name };
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (error as Error).message;
    throw new GantryError(spec.code, `cannot read the ${spec.kind} ${name}: ${reason}`, {
      hint: spec.hint,
      location: { file: name },
      cause: error,
    });
  }
}
