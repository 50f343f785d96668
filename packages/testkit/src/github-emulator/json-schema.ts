/**
 * A compact validator for the JSON Schema dialect of OpenAPI 3.0 as GitHub's REST description uses it:
 * `type`, `nullable`, `enum`, `properties`, `required`, `additionalProperties`, `items`, `oneOf` (with
 * `discriminator`), `anyOf`, `allOf`, string/number/array/object bounds, `pattern`, the `date-time` and `uri`
 * formats, and `$ref` within the same document. Keywords it does not know (descriptions, examples, `x-*`) are
 * ignored, as a validator must.
 *
 * Messages follow GitHub's own 422 wording ("For 'properties/body', 5 is not a string.") so the emulator's
 * errors read like the real service's.
 */

export type JsonSchema = Record<string, unknown>;

export interface SchemaIssue {
  /** Where in the value, as GitHub writes it: `properties/inputs/properties/job`, or "" for the root. */
  readonly path: string;
  readonly message: string;
}

export interface SchemaValidationOptions {
  /** Check `format: date-time` and `format: uri` (default true). */
  readonly checkFormats?: boolean;
}

/** Follows a local `$ref` (`#/components/schemas/x`) inside `document`. */
export function resolveReference(document: unknown, reference: string): JsonSchema {
  if (!reference.startsWith("#/")) throw new Error(`only local $ref are supported, got ${reference}`);
  let node: unknown = document;
  for (const rawPart of reference.slice(2).split("/")) {
    const part = rawPart.replaceAll("~1", "/").replaceAll("~0", "~");
    if (typeof node !== "object" || node === null || !(part in node)) {
      throw new Error(`$ref ${reference} does not resolve`);
    }
    node = (node as Record<string, unknown>)[part];
  }
  return node as JsonSchema;
}

/** Returns `schema` with any `$ref` chain followed. */
export function dereference(document: unknown, schema: JsonSchema): JsonSchema {
  let current = schema;
  for (let hops = 0; typeof current.$ref === "string"; hops++) {
    if (hops > 32) throw new Error(`$ref cycle at ${String(current.$ref)}`);
    current = resolveReference(document, current.$ref);
  }
  return current;
}

/** Validates `value` against `schema`; an empty list means valid. */
export function validateSchema(
  document: unknown,
  schema: JsonSchema,
  value: unknown,
  options: SchemaValidationOptions = {},
): SchemaIssue[] {
  const issues: SchemaIssue[] = [];
  new SchemaWalker(document, options.checkFormats ?? true).check(schema, value, "", issues);
  return issues;
}

function describe(value: unknown): string {
  const text = JSON.stringify(value);
  return text === undefined ? String(value) : text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function typeMatches(type: string, value: unknown): boolean {
  switch (type) {
    case "string":
      return typeof value === "string";
    case "integer":
      return typeof value === "number" && Number.isInteger(value);
    case "number":
      return typeof value === "number" && Number.isFinite(value);
    case "boolean":
      return typeof value === "boolean";
    case "array":
      return Array.isArray(value);
    case "object":
      return typeof value === "object" && value !== null && !Array.isArray(value);
    case "null":
      return value === null;
    default:
      return true;
  }
}

const dateTimePattern = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

function formatIssue(format: unknown, value: string): string | undefined {
  if (format === "date-time" && (!dateTimePattern.test(value) || Number.isNaN(Date.parse(value)))) {
    return `${describe(value)} is not a date-time`;
  }
  if (format === "uri" && !URL.canParse(value)) return `${describe(value)} is not a uri`;
  return undefined;
}

function childPath(path: string, segment: string): string {
  return path === "" ? segment : `${path}/${segment}`;
}

class SchemaWalker {
  private readonly document: unknown;
  private readonly checkFormats: boolean;

  constructor(document: unknown, checkFormats: boolean) {
    this.document = document;
    this.checkFormats = checkFormats;
  }

  check(rawSchema: JsonSchema, value: unknown, path: string, issues: SchemaIssue[]): void {
    const schema = dereference(this.document, rawSchema);
    const where = path === "" ? "" : `For '${path}', `;
    if (value === null && schema.nullable === true) return;

    if (Array.isArray(schema.allOf)) {
      for (const part of schema.allOf as JsonSchema[]) this.check(part, value, path, issues);
    }
    if (Array.isArray(schema.anyOf)) {
      const anyMatches = (schema.anyOf as JsonSchema[]).some((part) => this.matches(part, value, path));
      if (!anyMatches)
        issues.push({ path, message: `${where}${describe(value)} does not match any of the allowed schemas.` });
    }
    if (Array.isArray(schema.oneOf)) this.checkOneOf(schema, value, path, issues);

    if (typeof schema.type === "string" && !typeMatches(schema.type, value)) {
      const article = /^[aeiou]/.test(schema.type) ? "an" : "a";
      issues.push({ path, message: `${where}${describe(value)} is not ${article} ${schema.type}.` });
      return;
    }
    if (value === null && schema.type !== undefined) {
      issues.push({ path, message: `${where}null is not allowed.` });
      return;
    }
    if (Array.isArray(schema.enum) && !schema.enum.some((allowed) => allowed === value)) {
      issues.push({ path, message: `${where}${describe(value)} is not a member of ${describe(schema.enum)}.` });
    }
    if (typeof value === "string") this.checkString(schema, value, path, where, issues);
    if (typeof value === "number") this.checkNumber(schema, value, path, where, issues);
    if (Array.isArray(value)) this.checkArray(schema, value, path, where, issues);
    else if (typeof value === "object" && value !== null) {
      this.checkObject(schema, value as Record<string, unknown>, path, where, issues);
    }
  }

  private matches(schema: JsonSchema, value: unknown, path: string): boolean {
    const scratch: SchemaIssue[] = [];
    this.check(schema, value, path, scratch);
    return scratch.length === 0;
  }

  private checkOneOf(schema: JsonSchema, value: unknown, path: string, issues: SchemaIssue[]): void {
    const where = path === "" ? "" : `For '${path}', `;
    const discriminator = schema.discriminator as
      { propertyName?: string; mapping?: Record<string, string> } | undefined;
    if (discriminator?.propertyName && discriminator.mapping && typeof value === "object" && value !== null) {
      const tag = (value as Record<string, unknown>)[discriminator.propertyName];
      const target = typeof tag === "string" ? discriminator.mapping[tag] : undefined;
      if (target !== undefined) {
        this.check({ $ref: target }, value, path, issues);
        return;
      }
    }
    const matching = (schema.oneOf as JsonSchema[]).filter((part) => this.matches(part, value, path)).length;
    if (matching !== 1) {
      issues.push({
        path,
        message: `${where}${describe(value)} must match exactly one of the allowed schemas (matches ${matching}).`,
      });
    }
  }

  private checkString(schema: JsonSchema, value: string, path: string, where: string, issues: SchemaIssue[]): void {
    const length = [...value].length;
    if (typeof schema.maxLength === "number" && length > schema.maxLength) {
      issues.push({ path, message: `${where}${describe(value)} is longer than ${schema.maxLength} characters.` });
    }
    if (typeof schema.minLength === "number" && length < schema.minLength) {
      issues.push({ path, message: `${where}${describe(value)} is shorter than ${schema.minLength} characters.` });
    }
    if (typeof schema.pattern === "string" && !safeRegExp(schema.pattern)?.test(value)) {
      issues.push({ path, message: `${where}${describe(value)} does not match ${schema.pattern}.` });
    }
    if (this.checkFormats) {
      const problem = formatIssue(schema.format, value);
      if (problem) issues.push({ path, message: `${where}${problem}.` });
    }
  }

  private checkNumber(schema: JsonSchema, value: number, path: string, where: string, issues: SchemaIssue[]): void {
    if (typeof schema.minimum === "number" && value < schema.minimum) {
      issues.push({ path, message: `${where}${value} is less than the minimum of ${schema.minimum}.` });
    }
    if (typeof schema.maximum === "number" && value > schema.maximum) {
      issues.push({ path, message: `${where}${value} is greater than the maximum of ${schema.maximum}.` });
    }
  }

  private checkArray(schema: JsonSchema, value: unknown[], path: string, where: string, issues: SchemaIssue[]): void {
    if (typeof schema.maxItems === "number" && value.length > schema.maxItems) {
      issues.push({ path, message: `${where}the array has more than ${schema.maxItems} items.` });
    }
    if (typeof schema.minItems === "number" && value.length < schema.minItems) {
      issues.push({ path, message: `${where}the array has fewer than ${schema.minItems} items.` });
    }
    if (schema.uniqueItems === true && new Set(value.map((item) => JSON.stringify(item))).size !== value.length) {
      issues.push({ path, message: `${where}the array items are not unique.` });
    }
    if (typeof schema.items === "object" && schema.items !== null) {
      value.forEach((item, index) =>
        this.check(schema.items as JsonSchema, item, childPath(path, `items/${index}`), issues),
      );
    }
  }

  private checkObject(
    schema: JsonSchema,
    value: Record<string, unknown>,
    path: string,
    where: string,
    issues: SchemaIssue[],
  ): void {
    const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
    for (const key of (schema.required ?? []) as string[]) {
      if (!Object.hasOwn(value, key)) {
        issues.push({ path: childPath(path, `properties/${key}`), message: `${where}"${key}" wasn't supplied.` });
      }
    }
    if (typeof schema.maxProperties === "number" && Object.keys(value).length > schema.maxProperties) {
      issues.push({ path, message: `${where}the object has more than ${schema.maxProperties} properties.` });
    }
    for (const [key, property] of Object.entries(value)) {
      const propertyPath = childPath(path, `properties/${key}`);
      const propertySchema = properties[key];
      if (propertySchema !== undefined) {
        this.check(propertySchema, property, propertyPath, issues);
      } else if (schema.additionalProperties === false) {
        issues.push({ path: propertyPath, message: `${where}"${key}" is not a permitted key.` });
      } else if (typeof schema.additionalProperties === "object" && schema.additionalProperties !== null) {
        this.check(schema.additionalProperties as JsonSchema, property, propertyPath, issues);
      }
    }
  }
}

const regExpCache = new Map<string, RegExp | undefined>();

/** GitHub's patterns are written for Ruby; one JavaScript cannot compile is skipped rather than failing. */
function safeRegExp(pattern: string): RegExp | undefined {
  if (!regExpCache.has(pattern)) {
    let compiled: RegExp | undefined;
    try {
      compiled = new RegExp(pattern, "u");
    } catch {
      compiled = undefined;
    }
    regExpCache.set(pattern, compiled);
  }
  const compiled = regExpCache.get(pattern);
  return compiled ?? /(?:)/;
}
