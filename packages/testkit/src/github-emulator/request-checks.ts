/**
 * Checks one HTTP request against the operation GitHub's description defines for it: path and query
 * parameters (presence, type, enum) and the JSON body (the operation's `requestBody` schema).
 */
import { validateSchema, dereference, type JsonSchema, type SchemaIssue } from "./json-schema.js";
import type { MatchedOperation, OpenApiDocument } from "./openapi.js";

export type ViolationKind =
  | "unknown-path"
  | "unknown-method"
  | "path-parameter"
  | "query-parameter"
  | "unknown-query-parameter"
  | "request-body"
  | "response-schema"
  | "api-version"
  | "not-emulated"
  /** The emulator itself failed (a bug in it, not in the client). */
  | "emulator-error";

export interface RequestProblem {
  readonly kind: ViolationKind;
  readonly message: string;
}

/** What GitHub answers for the first problem that stops a request (unknown query parameters do not). */
export function statusForProblem(kind: ViolationKind): number {
  switch (kind) {
    case "unknown-path":
    case "unknown-method":
    case "path-parameter":
      return 404;
    case "not-emulated":
      return 501;
    case "api-version":
      return 400;
    case "emulator-error":
      return 500;
    default:
      return 422;
  }
}

/** REST API versions GitHub.com accepts in `X-GitHub-Api-Version` (it answers 400 for any other). */
export const supportedApiVersions: readonly string[] = ["2022-11-28", "2026-03-10"];

export function checkApiVersion(header: string | string[] | undefined): RequestProblem | undefined {
  if (header === undefined) return undefined;
  const version = Array.isArray(header) ? header.join(",") : header;
  if (supportedApiVersions.includes(version)) return undefined;
  return { kind: "api-version", message: `API version '${version}' is not supported.` };
}

/** Every value a parameter's text could stand for: GitHub parses `123` as a number where the schema wants one. */
function parameterCandidates(text: string): unknown[] {
  const candidates: unknown[] = [text];
  if (/^-?\d+(\.\d+)?$/.test(text)) candidates.push(Number(text));
  if (text === "true" || text === "false") candidates.push(text === "true");
  return candidates;
}

function parameterIssues(document: OpenApiDocument, schema: JsonSchema | undefined, text: string): SchemaIssue[] {
  if (schema === undefined) return [];
  let firstIssues: SchemaIssue[] = [];
  for (const candidate of parameterCandidates(text)) {
    // Formats are not checked: `created` is documented as a date-time but takes search syntax (`>=2024-01-01`).
    const issues = validateSchema(document, schema, candidate, { checkFormats: false });
    if (issues.length === 0) return [];
    if (firstIssues.length === 0) firstIssues = issues;
  }
  return firstIssues;
}

export function checkParameters(
  document: OpenApiDocument,
  matched: MatchedOperation,
  query: URLSearchParams,
): RequestProblem[] {
  const problems: RequestProblem[] = [];
  const known = new Set<string>();
  for (const parameter of matched.parameters) {
    if (parameter.in === "path") {
      const value = matched.pathParameters[parameter.name];
      if (value === undefined || value === "" || parameterIssues(document, parameter.schema, value).length > 0) {
        problems.push({
          kind: "path-parameter",
          message: `Path parameter '${parameter.name}' is not valid: ${JSON.stringify(value)}.`,
        });
      }
    }
    if (parameter.in !== "query") continue;
    known.add(parameter.name);
    const values = query.getAll(parameter.name);
    if (values.length === 0) {
      if (parameter.required === true) {
        problems.push({ kind: "query-parameter", message: `Query parameter '${parameter.name}' wasn't supplied.` });
      }
      continue;
    }
    for (const value of values) {
      const issues = parameterIssues(document, parameter.schema, value);
      if (issues.length > 0) {
        problems.push({
          kind: "query-parameter",
          message: `Query parameter '${parameter.name}' is not valid: ${JSON.stringify(value)} (${issues.map((issue) => issue.message).join(" ")})`,
        });
      }
    }
  }
  for (const name of new Set(query.keys())) {
    if (!known.has(name)) {
      problems.push({
        kind: "unknown-query-parameter",
        message: `Query parameter '${name}' is not defined for ${matched.operation.operationId}; GitHub ignores it silently.`,
      });
    }
  }
  return problems;
}

export type ParsedBody =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly status: 400 | 422; readonly message: string };

/** Parses and validates the JSON body the operation takes (`value` is undefined when it takes none). */
export function checkRequestBody(document: OpenApiDocument, matched: MatchedOperation, rawBody: string): ParsedBody {
  const requestBody =
    matched.operation.requestBody === undefined ? undefined : dereference(document, matched.operation.requestBody);
  if (requestBody === undefined) return { ok: true, value: undefined };
  if (rawBody.trim() === "") {
    if (requestBody.required === true) {
      return {
        ok: false,
        status: 422,
        message: "Invalid request.\n\nNo body was supplied, but this operation requires one.",
      };
    }
    return { ok: true, value: undefined };
  }
  let value: unknown;
  try {
    value = JSON.parse(rawBody);
  } catch {
    return { ok: false, status: 400, message: "Problems parsing JSON" };
  }
  const content = requestBody.content as Record<string, { schema?: JsonSchema }> | undefined;
  const schema = content?.["application/json"]?.schema;
  if (schema === undefined) return { ok: true, value };
  const issues = validateSchema(document, schema, value);
  if (issues.length > 0) {
    return {
      ok: false,
      status: 422,
      message: `Invalid request.\n\n${issues.map((issue) => issue.message).join("\n")}`,
    };
  }
  return { ok: true, value };
}

/** The JSON schema of the operation's response for `status`, if the description defines one. */
export function responseSchemaFor(
  document: OpenApiDocument,
  matched: MatchedOperation,
  status: number,
): JsonSchema | undefined {
  const response = matched.operation.responses[String(status)];
  if (response === undefined) return undefined;
  const content = dereference(document, response).content as Record<string, { schema?: JsonSchema }> | undefined;
  return content?.["application/json"]?.schema;
}
