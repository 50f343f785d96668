import { describe, expect, it } from "vitest";
import { unitNeeds } from "../src/unit-graph.js";

describe("unitNeeds", () => {
  const graph = new Map([
    ["app", ["network"]],
    ["network", ["vpc-lookup"]],
    ["vpc-lookup", ["account"]],
    ["account", []],
    ["db", ["network"]],
  ]);

  it("orders a job's units by dependencies, also through units outside the job", () => {
    const needs = unitNeeds(["app", "account", "db"], "apply", graph);
    expect(needs).toEqual(new Map([["app", ["account"]], ["account", []], ["db", ["account"]]]));
  });

  it("reverses the edges for destroys: dependents go first", () => {
    const needs = unitNeeds(["network", "app", "db"], "destroy", graph);
    expect(needs.get("network")!.sort()).toEqual(["app", "db"]);
    expect(needs.get("app")).toEqual([]);
  });

  it("falls back to the job's order when terragrunt could not tell", () => {
    expect(unitNeeds(["a", "b", "c"], "plan", null)).toEqual(new Map([["a", []], ["b", ["a"]], ["c", ["b"]]]));
  });
});
