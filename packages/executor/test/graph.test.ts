import { describe, expect, it } from "vitest";
import { runDependencyGraph } from "../src/graph-run.js";
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

describe("runDependencyGraph", () => {
  it("skips everything downstream of a failure and runs the rest", async () => {
    const ran: string[] = [];
    const nodes = new Map<string, string[]>([["a", []], ["b", ["a"]], ["c", ["b"]], ["d", []]]);
    const status = await runDependencyGraph(nodes, {
      parallelism: 2,
      run: async (id) => (ran.push(id), id === "a" ? "failed" : "succeeded"),
    });
    expect(Object.fromEntries(status)).toEqual({ a: "failed", b: "skipped", c: "skipped", d: "succeeded" });
    expect(ran.sort()).toEqual(["a", "d"]);
  });

  it("never runs more than the parallelism limit at once", async () => {
    let active = 0;
    let peak = 0;
    const started: string[] = [];
    await runDependencyGraph(new Map(["a", "b", "c", "d", "e"].map((id) => [id, []])), {
      parallelism: 2,
      run: async (id) => {
        started.push(id);
        peak = Math.max(peak, ++active);
        for (let i = 0; i < 3; i++) await new Promise((resolve) => setImmediate(resolve));
        active--;
        return "succeeded";
      },
    });
    expect(started.sort()).toEqual(["a", "b", "c", "d", "e"]);
    expect(peak).toBe(2);
  });

  it("after an abort starts nothing new and reports the rest as not-started, not skipped", async () => {
    const controller = new AbortController();
    const status = await runDependencyGraph(new Map<string, string[]>([["a", []], ["b", ["a"]], ["c", []]]), {
      parallelism: 1,
      signal: controller.signal,
      run: async (id) => {
        controller.abort();
        return id === "a" ? "failed" : "succeeded";
      },
    });
    expect(Object.fromEntries(status)).toEqual({ a: "failed", b: "not-started", c: "not-started" });
  });
});
