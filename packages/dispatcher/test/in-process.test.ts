import { describe, expect, it } from "vitest";
import type { Job, PlanDocument } from "@gantry/classifier";
import { dispatchInProcess } from "../src/in-process.js";

const sha = "a".repeat(40);

function job(id: string, needs: string[] = []): Job {
  return {
    apiVersion: "gantry/v1",
    kind: "Job",
    id,
    action: "apply",
    units: [`dev/${id}`],
    ref: sha,
    needs,
    environment: "dev",
    changes: ["UnitChanged"],
    source: { event: "push", base: sha, head: sha, branch: "main", deployBranch: "main" },
    authentication: null,
    terragrunt: { flags: [], env: {}, parallelism: 1 },
  };
}

function plan(jobs: Job[]): PlanDocument {
  return {
    apiVersion: "gantry/v1",
    kind: "Plan",
    event: "push",
    base: sha,
    head: sha,
    branch: "main",
    deployBranch: "main",
    notice: null,
    jobs,
  };
}

const statuses = (result: { jobs: { job: Job; status: string }[] }) =>
  Object.fromEntries(result.jobs.map((j) => [j.job.id, j.status]));

describe("dispatchInProcess", () => {
  it("runs each job after the jobs it needs, and reports every job's result", async () => {
    const order: string[] = [];
    const result = await dispatchInProcess(
      plan([job("destroy", ["apply-a", "apply-b"]), job("apply-a"), job("apply-b", ["apply-a"])]),
      {
        runJob: async (j) => (order.push(j.id), `ran ${j.id}`),
        isSuccess: () => true,
      },
    );
    expect(order).toEqual(["apply-a", "apply-b", "destroy"]);
    expect(result.succeeded).toBe(true);
    expect(result.jobs.map((j) => [j.job.id, j.status, j.result])).toEqual([
      ["destroy", "succeeded", "ran destroy"],
      ["apply-a", "succeeded", "ran apply-a"],
      ["apply-b", "succeeded", "ran apply-b"],
    ]);
  });

  it("skips the dependents of a failed job (transitively) and still runs independent jobs", async () => {
    const result = await dispatchInProcess(plan([job("a"), job("b", ["a"]), job("c", ["b"]), job("d")]), {
      runJob: async (j) => j.id !== "a",
      isSuccess: (ok) => ok,
    });
    expect(statuses(result)).toEqual({ a: "failed", b: "skipped", c: "skipped", d: "succeeded" });
    expect(result.jobs[1]!.reason).toBe("job a did not succeed");
    expect(result.succeeded).toBe(false);
  });

  it("treats a runner that throws as a failed job with its message", async () => {
    const result = await dispatchInProcess(plan([job("a"), job("b", ["a"])]), {
      runJob: async () => {
        throw new Error("no tools");
      },
      isSuccess: () => true,
    });
    expect(result.jobs[0]).toMatchObject({ status: "failed", result: null, reason: "no tools" });
    expect(statuses(result)).toEqual({ a: "failed", b: "skipped" });
  });

  it("respects the parallelism limit", async () => {
    let active = 0;
    let peak = 0;
    await dispatchInProcess(plan(["a", "b", "c", "d"].map((id) => job(id))), {
      parallelism: 3,
      runJob: async () => {
        peak = Math.max(peak, ++active);
        for (let i = 0; i < 3; i++) await new Promise((resolve) => setImmediate(resolve));
        active--;
        return true;
      },
      isSuccess: (ok) => ok,
    });
    expect(peak).toBe(3);
  });

  it("on interruption passes the abort on, starts nothing new and reports the rest as not-started", async () => {
    const controller = new AbortController();
    const seen: boolean[] = [];
    const result = await dispatchInProcess(plan([job("a"), job("b", ["a"]), job("c")]), {
      parallelism: 1,
      signal: controller.signal,
      runJob: async (_j, { signal }) => {
        controller.abort();
        seen.push(signal.aborted);
        return false;
      },
      isSuccess: (ok) => ok,
    });
    expect(seen).toEqual([true]);
    expect(result.interrupted).toBe(true);
    expect(statuses(result)).toEqual({ a: "failed", b: "not-started", c: "not-started" });
    expect(result.jobs[2]!.reason).toBe("interrupted before it started");
  });

  it("refuses a plan whose needs name a missing job or form a cycle, naming the field", async () => {
    const options = { runJob: async () => true, isSuccess: () => true };
    await expect(dispatchInProcess(plan([job("a", ["ghost"])]), options)).rejects.toMatchObject({
      code: "DISPATCH_PLAN_INVALID",
      message: expect.stringContaining('field "jobs[0].needs[0]": job "a" needs "ghost", which is not in the plan'),
    });
    await expect(dispatchInProcess(plan([job("a", ["b"]), job("b", ["a"])]), options)).rejects.toMatchObject({
      code: "DISPATCH_PLAN_INVALID",
      message: expect.stringContaining("a -> b -> a"),
    });
    await expect(dispatchInProcess(plan([job("a", ["a"])]), options)).rejects.toMatchObject({
      code: "DISPATCH_PLAN_INVALID",
      message: expect.stringContaining("a -> a"),
    });
    await expect(dispatchInProcess(plan([job("a", []), job("a", [])]), options)).rejects.toMatchObject({
      code: "DISPATCH_PLAN_INVALID",
      message: expect.stringContaining('field "jobs[1].id": two jobs have the id "a"'),
    });
    await expect(
      dispatchInProcess({ ...plan([]), apiVersion: "v0" } as unknown as PlanDocument, options),
    ).rejects.toMatchObject({ code: "DISPATCH_PLAN_INVALID" });
  });
});
