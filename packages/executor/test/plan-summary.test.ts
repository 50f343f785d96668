import { describe, expect, it } from "vitest";
import { formatPlanCounts, parseJsonPlan, sensitiveValuesInPlan, summarisePlan } from "../src/index.js";

const change = (address: string, actions: string[], extra: Record<string, unknown> = {}) => ({
  address,
  mode: "managed",
  change: { actions, before: null, after: null, ...extra },
});

const plan = parseJsonPlan(
  JSON.stringify({
    format_version: "1.2",
    variables: { db_password: { value: "var-secret-1" }, region: { value: "us-east-1" } },
    planned_values: { outputs: { token: { sensitive: true, value: { nested: ["out-secret-1"] } }, name: { sensitive: false, value: "public" } } },
    resource_changes: [
      change("terraform_data.a", ["create"]),
      change("terraform_data.b", ["update"], {
        before: { input: { user: "admin", pass: "old-pass-1" } },
        after: { input: { user: "admin", pass: "new-pass-1" } },
        before_sensitive: { input: { pass: true } },
        after_sensitive: { input: { pass: true } },
      }),
      change("terraform_data.c", ["delete", "create"]),
      change("terraform_data.d", ["delete"]),
      change("terraform_data.e", ["no-op"], { importing: { id: "e-1" } }),
      { address: "data.terraform_remote_state.x", mode: "data", change: { actions: ["read"] } },
    ],
    output_changes: { name: { actions: ["no-op"] }, token: { actions: ["create"], after: "out-secret-2", after_sensitive: true } },
    configuration: { root_module: { variables: { db_password: { sensitive: true }, region: {} } } },
  }),
);

describe("plan summary", () => {
  it("counts like OpenTofu: a replacement is one add and one destroy; imports are counted apart; data reads are not", () => {
    const summary = summarisePlan(plan);
    expect(summary).toMatchObject({ add: 2, change: 1, destroy: 2, import: 1, outputChanges: true });
    expect(summary.addresses).toEqual({
      create: ["terraform_data.a"],
      update: ["terraform_data.b"],
      replace: ["terraform_data.c"],
      delete: ["terraform_data.d"],
      import: ["terraform_data.e"],
    });
    expect(formatPlanCounts(summary)).toBe("Plan: 1 to import, 2 to add, 1 to change, 2 to destroy.");
  });

  it("collects every value marked sensitive and nothing else", () => {
    expect(sensitiveValuesInPlan(plan).sort()).toEqual(["new-pass-1", "old-pass-1", "out-secret-1", "out-secret-2", "var-secret-1"]);
  });

  it("rejects a document that is not a JSON plan", () => {
    expect(() => parseJsonPlan('{"hello": 1}')).toThrow(/format_version/);
  });
});
