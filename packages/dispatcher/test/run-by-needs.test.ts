import { describe, expect, it } from "vitest";
import { runByNeeds } from "../src/run-by-needs.js";

describe("runByNeeds", () => {
  it("skips everything downstream of a failure and runs the rest", async () => {
    const ran: string[] = [];
    const nodes = new Map<string, string[]>([
      ["a", []],
      ["b", ["a"]],
      ["c", ["b"]],
      ["d", []],
    ]);
    const status = await runByNeeds(nodes, {
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
    await runByNeeds(new Map(["a", "b", "c", "d", "e"].map((id) => [id, []])), {
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
    const status = await runByNeeds(
      new Map<string, string[]>([
        ["a", []],
        ["b", ["a"]],
        ["c", []],
      ]),
      {
        parallelism: 1,
        signal: controller.signal,
        run: async (id) => {
          controller.abort();
          return id === "a" ? "failed" : "succeeded";
        },
      },
    );
    expect(Object.fromEntries(status)).toEqual({ a: "failed", b: "not-started", c: "not-started" });
  });
});
