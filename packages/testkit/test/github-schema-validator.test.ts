import { describe, expect, it } from "vitest";
import { validateSchema, type JsonSchema } from "../src/github-emulator/json-schema.js";
import { loadGitHubOpenApi, OperationMatcher } from "../src/github-emulator/openapi.js";

const document = {
  components: {
    schemas: {
      user: { type: "object", properties: { login: { type: "string" } }, required: ["login"] },
      cat: {
        type: "object",
        properties: { kind: { type: "string" }, meows: { type: "boolean" } },
        required: ["kind", "meows"],
      },
      dog: {
        type: "object",
        properties: { kind: { type: "string" }, barks: { type: "boolean" } },
        required: ["kind", "barks"],
      },
    },
  },
};
const check = (schema: JsonSchema, value: unknown) =>
  validateSchema(document, schema, value).map((issue) => issue.message);

describe("validateSchema (OpenAPI 3.0 dialect)", () => {
  it("checks types, with integer distinct from number", () => {
    expect(check({ type: "integer" }, 3)).toEqual([]);
    expect(check({ type: "integer" }, 3.5)).toEqual(["3.5 is not an integer."]);
    expect(check({ type: "string" }, 5)).toEqual(["5 is not a string."]);
    expect(check({ type: "array" }, {})).toHaveLength(1);
    expect(check({ type: "object" }, [])).toHaveLength(1);
  });

  it("names the failing property like GitHub's 422 messages", () => {
    const schema = { type: "object", properties: { body: { type: "string" } }, required: ["body"] };
    expect(check(schema, { body: 5 })).toEqual(["For 'properties/body', 5 is not a string."]);
    expect(check(schema, {})).toEqual([`"body" wasn't supplied.`]);
  });

  it("allows null only where the schema is nullable", () => {
    expect(check({ type: "string", nullable: true }, null)).toEqual([]);
    expect(check({ type: "string" }, null)).toEqual(["null is not a string."]);
    expect(check({ type: "string", enum: ["a"], nullable: true }, null)).toEqual([]);
  });

  it("checks enum, bounds, pattern and formats", () => {
    expect(check({ enum: ["queued", "completed"] }, "running")).toHaveLength(1);
    expect(check({ type: "string", maxLength: 3 }, "abcd")).toHaveLength(1);
    expect(check({ type: "integer", minimum: 1, maximum: 100 }, 101)).toHaveLength(1);
    expect(check({ type: "array", maxItems: 1, items: { type: "string" } }, ["a", 2])).toHaveLength(2);
    expect(check({ type: "string", pattern: "^[a-z]+$" }, "ABC")).toHaveLength(1);
    expect(check({ type: "string", format: "date-time" }, "2026-11-22T02:00:00Z")).toEqual([]);
    expect(check({ type: "string", format: "date-time" }, "yesterday")).toHaveLength(1);
    expect(check({ type: "string", format: "uri" }, "not a uri")).toHaveLength(1);
  });

  it("checks additionalProperties as false and as a schema", () => {
    expect(check({ type: "object", properties: { a: {} }, additionalProperties: false }, { a: 1, b: 2 })).toEqual([
      `"b" is not a permitted key.`,
    ]);
    expect(check({ type: "object", additionalProperties: { type: "string" } }, { a: "x", b: 2 })).toHaveLength(1);
  });

  it("resolves $ref and combines with allOf, anyOf and oneOf", () => {
    expect(check({ $ref: "#/components/schemas/user" }, { login: 1 })).toHaveLength(1);
    expect(
      check({ allOf: [{ $ref: "#/components/schemas/user" }, { required: ["id"] }] }, { login: "a" }),
    ).toHaveLength(1);
    expect(check({ anyOf: [{ type: "string" }, { type: "integer" }] }, true)).toHaveLength(1);
    expect(check({ oneOf: [{ type: "integer" }, { type: "string" }] }, "main.yml")).toEqual([]);
    // A value matching both alternatives breaks oneOf.
    expect(check({ oneOf: [{ type: "number" }, { type: "integer" }] }, 3)).toHaveLength(1);
  });

  it("uses the discriminator to pick the oneOf alternative", () => {
    const schema = {
      oneOf: [{ $ref: "#/components/schemas/cat" }, { $ref: "#/components/schemas/dog" }],
      discriminator: {
        propertyName: "kind",
        mapping: { cat: "#/components/schemas/cat", dog: "#/components/schemas/dog" },
      },
    };
    expect(check(schema, { kind: "dog", barks: true })).toEqual([]);
    expect(check(schema, { kind: "dog", meows: true })).toEqual([`"barks" wasn't supplied.`]);
  });

  it("throws on a $ref that does not resolve", () => {
    expect(() => check({ $ref: "#/components/schemas/missing" }, 1)).toThrow(/does not resolve/);
  });
});

describe("GitHub's description", () => {
  const github = loadGitHubOpenApi();

  it("validates GitHub's own examples for the objects the emulator serves", () => {
    for (const name of ["issue-comment", "workflow-run", "private-user", "workflow-dispatch-response"]) {
      const example = (github.components.examples?.[name] as { value: unknown }).value;
      expect(validateSchema(github, { $ref: `#/components/schemas/${name}` }, example), name).toEqual([]);
    }
  });

  it("catches the one inconsistency in GitHub's pull-request example (a team without its required type)", () => {
    const example = (github.components.examples?.["pull-request"] as { value: unknown }).value;
    const issues = validateSchema(github, { $ref: "#/components/schemas/pull-request" }, example);
    expect(issues.map((issue) => issue.path)).toEqual(["properties/requested_teams/items/0/properties/type"]);
  });

  it("matches literal path segments before templated ones", () => {
    const matcher = new OperationMatcher(github);
    const comments = matcher.findOperation("GET", "/repos/acme/live/issues/comments");
    const issue = matcher.findOperation("GET", "/repos/acme/live/issues/12");
    expect(typeof comments === "string" ? comments : comments.operation.operationId).toBe(
      "issues/list-comments-for-repo",
    );
    expect(typeof issue === "string" ? issue : issue.operation.operationId).toBe("issues/get");
    expect(matcher.findOperation("GET", "/repos/acme/live/no-such-thing")).toBe("no-path");
    expect(matcher.findOperation("PUT", "/user")).toBe("no-method");
  });
});
