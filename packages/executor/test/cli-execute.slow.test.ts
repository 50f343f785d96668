/** `gantry execute`'s input handling and dry run, through the real binary (no terragrunt runs). */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { planChange } from "@gantry/classifier";
import { createDemoRepo, gantryArgs, iacToolsEnv, worktreeList, type DemoRepo } from "./helpers.js";

function gantry(repo: DemoRepo, args: string[], input?: string) {
  const result = spawnSync(process.execPath, gantryArgs(...args), {
    cwd: repo.dir,
    env: { ...process.env, ...iacToolsEnv(), GANTRY_STATE_DIR: repo.stateDir, GITHUB_ACTIONS: "" },
    encoding: "utf8",
    ...(input === undefined ? {} : { input }),
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe("gantry execute", () => {
  it("names the field of an invalid job and the problem with unreadable input", async () => {
    await using repo = createDemoRepo();
    const bad = gantry(
      repo,
      ["execute", "--repo", repo.dir, "--job", "-"],
      JSON.stringify({ apiVersion: "gantry/v1", kind: "Job", id: "x", action: "deploy" }),
    );
    expect(bad.code).toBe(33);
    expect(bad.stderr).toContain('error [EXEC_JOB_INVALID]: <stdin>: not a valid gantry/v1 Job: field "action"');
    const notJson = gantry(repo, ["execute", "--job", "-"], "{oops");
    expect(notJson.code).toBe(33);
    expect(notJson.stderr).toContain(
      "<stdin>:1:2: the Job is not JSON: expected a property name in double quotes at line 1, column 2",
    );
    const missing = gantry(repo, ["execute", "--job", "nope.json"]);
    expect(missing.code).toBe(33);
    expect(missing.stderr).toContain("EXEC_JOB_INVALID]: nope.json: cannot read the Job nope.json: no such file");
    expect(gantry(repo, ["execute"]).code).toBe(2);
  });

  it("on --dry-run runs the guards and prints the commands without running anything", async () => {
    await using repo = createDemoRepo();
    const plan = await planChange({ repo: repo.dir, base: repo.root, head: repo.base, event: "push", branch: "main" });
    const jobFile = join(repo.runsDir, "..", "job.json");
    writeFileSync(jobFile, JSON.stringify(plan.jobs.find((job) => job.environment === "dev")));
    const dry = gantry(repo, ["execute", "--repo", repo.dir, "--job", jobFile, "--dry-run"]);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(
      /\$ terragrunt run --all .*--working-dir \$WORKTREE .*--filter \.\/dev\/us-east-1\/dev\/network .*-- apply /,
    );
    expect(existsSync(repo.stateDir)).toBe(false);
    expect(worktreeList(repo.dir)).toHaveLength(1);

    // The real guards refuse an apply from a branch that is not the deploy branch, even on a dry run.
    const forged = { ...plan.jobs[0]!, source: { ...plan.jobs[0]!.source, branch: "feature" } };
    const refused = gantry(repo, ["execute", "--repo", repo.dir, "--job", "-", "--dry-run"], JSON.stringify(forged));
    expect(refused.code).toBeGreaterThanOrEqual(40);
    expect(refused.code).toBeLessThan(60);
    expect(refused.stdout).toContain("not from the deploy branch");
  });

  it("gantry run reports a pipeline that fails before any job in the markdown report, and exits with the error's code", async () => {
    await using repo = createDemoRepo();
    const report = join(repo.runsDir, "..", "report.md");
    const run = gantry(repo, [
      "run",
      "--repo",
      repo.dir,
      "--base",
      "no-such-ref",
      "--head",
      repo.head,
      "--event",
      "pull_request",
      "--report",
      report,
    ]);
    expect(run.code).toBeGreaterThanOrEqual(10);
    expect(run.code).toBeLessThan(20);
    expect(run.stderr).toContain("no-such-ref");
    expect(readFileSync(report, "utf8")).toMatch(
      /^## Gantry plan for <code>[0-9a-f]{7}<\/code>\n\n❌ \*\*The pipeline failed before running any job\*\*: <code>DETECT&#95;/,
    );
    expect(
      gantry(repo, ["run", "--repo", repo.dir, "--base", repo.base, "--head", repo.head, "--event", "merge"]).code,
    ).toBe(2);
  });
});
