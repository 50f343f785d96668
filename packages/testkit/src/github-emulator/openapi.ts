/**
 * GitHub's published REST description (`@octokit/openapi`, `api.github.com.json`), loaded once per process,
 * and a matcher from a request's method + path to the operation it names.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dereference, type JsonSchema } from "./json-schema.js";

export interface OpenApiParameter {
  readonly name: string;
  readonly in: "path" | "query" | "header" | "cookie";
  readonly required?: boolean;
  readonly schema?: JsonSchema;
}

export interface OpenApiOperation {
  readonly operationId: string;
  readonly parameters?: readonly JsonSchema[];
  readonly requestBody?: JsonSchema;
  readonly responses: Record<string, JsonSchema>;
}

export interface OpenApiDocument {
  readonly openapi: string;
  readonly info: { readonly version: string };
  readonly paths: Record<string, Record<string, OpenApiOperation>>;
  readonly components: Record<string, Record<string, JsonSchema>>;
}

export interface MatchedOperation {
  readonly template: string;
  readonly method: string;
  readonly operation: OpenApiOperation;
  readonly pathParameters: Record<string, string>;
  readonly parameters: OpenApiParameter[];
}

let cachedDocument: OpenApiDocument | undefined;

/** The `api.github.com` description shipped in `@octokit/openapi` (13 MB; parsed once per process). */
export function loadGitHubOpenApi(): OpenApiDocument {
  if (cachedDocument === undefined) {
    const require = createRequire(import.meta.url);
    const file = require.resolve("@octokit/openapi/generated/api.github.com.json");
    cachedDocument = JSON.parse(readFileSync(file, "utf8")) as OpenApiDocument;
  }
  return cachedDocument;
}

interface CompiledPath {
  readonly template: string;
  readonly pattern: RegExp;
  readonly parameterNames: string[];
  /** Literal segments rank before `{parameter}` segments, so `/issues/comments` beats `/issues/{number}`; multi-segment parameters rank last. */
  readonly rank: string;
}

export const httpMethods = ["get", "put", "post", "delete", "options", "head", "patch", "trace"] as const;

export class OperationMatcher {
  private readonly document: OpenApiDocument;
  private readonly compiled: CompiledPath[];

  constructor(document: OpenApiDocument) {
    this.document = document;
    this.compiled = Object.keys(document.paths)
      .map((template) => compilePath(document, template, document.paths[template] ?? {}))
      .sort((a, b) => compareRanks(a.rank, b.rank));
  }

  /** The path template that matches, whatever the method (undefined: no such path). */
  findPath(pathname: string): { template: string; pathParameters: Record<string, string> } | undefined {
    for (const candidate of this.compiled) {
      const match = candidate.pattern.exec(pathname);
      if (!match) continue;
      const pathParameters: Record<string, string> = {};
      candidate.parameterNames.forEach((name, index) => {
        pathParameters[name] = decodeURIComponent(match[index + 1] ?? "");
      });
      return { template: candidate.template, pathParameters };
    }
    return undefined;
  }

  findOperation(method: string, pathname: string): MatchedOperation | "no-path" | "no-method" {
    const found = this.findPath(pathname);
    if (!found) return "no-path";
    const pathItem = this.document.paths[found.template] ?? {};
    const operation = pathItem[method.toLowerCase()];
    if (!operation) return "no-method";
    const parameters = [
      ...((pathItem.parameters as unknown as JsonSchema[] | undefined) ?? []),
      ...(operation.parameters ?? []),
    ].map((parameter) => dereference(this.document, parameter) as unknown as OpenApiParameter);
    return {
      template: found.template,
      method: method.toLowerCase(),
      operation,
      pathParameters: found.pathParameters,
      parameters,
    };
  }
}

/**
 * Segment by segment, literal before parameter before multi-segment parameter; when one template is a prefix
 * of the other, the longer one first (only a multi-segment parameter lets both match the same path).
 */
function compareRanks(a: string, b: string): number {
  if (a.startsWith(b)) return a.length === b.length ? 0 : -1;
  if (b.startsWith(a)) return 1;
  return a < b ? -1 : 1;
}

function compilePath(
  document: OpenApiDocument,
  template: string,
  pathItem: Record<string, OpenApiOperation>,
): CompiledPath {
  const parameterNames: string[] = [];
  const multiSegment = new Set<string>();
  for (const method of httpMethods) {
    for (const reference of pathItem[method]?.parameters ?? []) {
      const parameter = dereference(document, reference);
      if (parameter["x-multi-segment"] === true && typeof parameter.name === "string") multiSegment.add(parameter.name);
    }
  }
  let rank = "";
  const source = template
    .split("/")
    .map((segment) => {
      const parameter = /^\{([^}]+)\}$/.exec(segment);
      if (!parameter) {
        rank += "0";
        return segment.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
      }
      const name = parameter[1] ?? "";
      parameterNames.push(name);
      // A multi-segment parameter (`{ref}` of get-commit) ranks last, so that `/commits/{commit_sha}/pulls`
      // is not swallowed by `/commits/{ref}`.
      rank += multiSegment.has(name) ? "2" : "1";
      return multiSegment.has(name) ? "(.+)" : "([^/]+)";
    })
    .join("/");
  return { template, pattern: new RegExp(`^${source}$`), parameterNames, rank };
}
