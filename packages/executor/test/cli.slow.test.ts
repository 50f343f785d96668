/**
 * End to end through the `gantry` binary (spawned from source, real processes): `gantry run` over the
 * example repository's history with the real guards, and Ctrl-C to `gantry execute` in the middle of a
 * unit.
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { elements, renderComment, textOf } from "./comment-dom.js";
import { planChange } from "@gantry/classifier";
import { jobResultSchema } from "../src/index.js";
import { commitFiles, DEV, extraUnits } from "./fixtures.js";
import { createDemoRepo, gantryArgs, iacToolsEnv, stateResources, worktreeList, type DemoRepo } from "./helpers.js";

function gantry(repo: DemoRepo, ...args: string[]) {
  const result = spawnSync(process.execPath, gantryArgs(...args), {
    cwd: repo.dir,
    env: {
      ...process.env,
      ...iacToolsEnv(),
      GANTRY_STATE_DIR: repo.stateDir,
      GITHUB_ACTIONS: "",
      GITHUB_STEP_SUMMARY: "",
    },
    encoding: "utf8",
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe("gantry run and gantry execute", () => {
  it("runs the example's history: apply everything, plan a pull request, then apply and destroy after the merge", async () => {
    await using repo = createDemoRepo();
    const report = join(repo.runsDir, "..", "report.md");

    const initial = gantry(
      repo,
      "run",
      "--repo",
      repo.dir,
      "--base",
      repo.root,
      "--head",
      repo.base,
      "--event",
      "push",
      "--report",
      report,
    );
    expect(initial.stderr).not.toMatch(/gantry run: error/);
    expect(initial.code).toBe(0);
    expect(initial.stdout).toMatch(/Succeeded: units 5 succeeded, 0 failed, 0 skipped, 0 not started\./);
    expect(stateResources(repo.stateDir, `${DEV}/queue`)!.size).toBe(1);

    const pr = gantry(
      repo,
      "run",
      "--repo",
      repo.dir,
      "--base",
      repo.base,
      "--head",
      repo.head,
      "--event",
      "pull_request",
      "--branch",
      "change",
      "--report",
      report,
    );
    expect(pr.code).toBe(0);
    const comment = readFileSync(report, "utf8");
    expect(comment.length).toBeLessThanOrEqual(65_536);
    const { document } = renderComment(comment);
    expect(textOf(elements(document, "h2")[0]!)).toBe(`Gantry plan for ${repo.head.slice(0, 7)}`);
    const rows = elements(elements(document, "tbody")[0]!, "tr").map((row) =>
      elements(row, "td")
        .map((cell) => textOf(cell).trim())
        .slice(0, 7),
    );
    expect(rows).toEqual([
      ["✅", "dev/us-east-1/dev/app", "plan", "1", "0", "0", "0"],
      ["✅", "dev/us-east-1/dev/database", "plan", "1", "0", "0", "0"],
      ["✅", "dev/us-east-1/dev/queue", "plan-destroy", "0", "0", "1 ⚠️", "0"],
    ]);
    // Each unit's block holds its own plan.
    const plans = elements(document, "details").filter((details) =>
      textOf(elements(details, "summary")[0]!).startsWith("Plan of "),
    );
    expect(plans.map((details) => textOf(elements(details, "summary")[0]!))).toEqual(
      rows.map((row) => `Plan of ${row[1]}`),
    );
    expect(textOf(elements(plans[1]!, "code")[1]!)).toContain("# terraform_data.database will be created");
    expect(textOf(elements(plans[2]!, "code")[1]!)).toContain("# terraform_data.queue will be destroyed");
    expect(comment).toContain("```mermaid");
    expect(stateResources(repo.stateDir, `${DEV}/database`)).toBeNull();
    expect(stateResources(repo.stateDir, `${DEV}/queue`)!.size).toBe(1);

    repo.git("merge", "-q", "--ff-only", "change");
    const push = gantry(
      repo,
      "run",
      "--repo",
      repo.dir,
      "--base",
      repo.base,
      "--head",
      repo.head,
      "--event",
      "push",
      "--report",
      report,
    );
    expect(push.code).toBe(0);
    expect(stateResources(repo.stateDir, `${DEV}/database`)!.size).toBe(1);
    expect(stateResources(repo.stateDir, `${DEV}/app`)!.size).toBe(2);
    expect(stateResources(repo.stateDir, `${DEV}/queue`)!.size).toBe(0);
    expect(readFileSync(report, "utf8")).toContain(`## Gantry apply for <code>${repo.head.slice(0, 7)}</code>`);
    expect(worktreeList(repo.dir)).toHaveLength(1);
  });

  it("exits non-zero when a job fails, with the failing unit's error in the report", async () => {
    await using repo = createDemoRepo();
    const broken = commitFiles(repo, extraUnits.failure!, "add a broken unit");
    const run = gantry(repo, "run", "--repo", repo.dir, "--base", repo.base, "--head", broken, "--event", "push");
    expect(run.code).toBe(30);
    expect(run.stdout).toContain("This unit is broken on purpose.");
    expect(run.stdout).toMatch(/⏭ dev\/us-east-1\/dev\/broken-consumer/);
  });

  it("on SIGINT, gantry execute stops the running unit, removes its worktree and reports what never started", async () => {
    await using repo = createDemoRepo();
    const slow = commitFiles(repo, extraUnits.slow!, "add a slow unit");
    const plan = await planChange({ repo: repo.dir, base: repo.base, head: slow, event: "push", branch: "main" });
    const job = plan.jobs.find((j) => j.units.includes(`${DEV}/slow`))!;
    expect(job.units).toEqual(expect.arrayContaining([`${DEV}/slow`, `${DEV}/after-slow`]));
    const jobFile = join(repo.runsDir, "..", "job.json");
    writeFileSync(jobFile, JSON.stringify(job));
    const runDir = join(repo.runsDir, "interrupted");

    const child = spawn(
      process.execPath,
      gantryArgs("execute", "--repo", repo.dir, "--job", jobFile, "--json", "--run-dir", runDir),
      {
        env: { ...process.env, ...iacToolsEnv(), GANTRY_STATE_DIR: repo.stateDir, GITHUB_ACTIONS: "" },
      },
    );
    let stdout = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on("close", resolve));
    // Interrupt once the slow unit's provisioner is running.
    const slowLog = join(runDir, "dev__us-east-1__dev__slow.log");
    await new Promise<void>((resolve) => {
      const poll = setInterval(() => {
        if (existsSync(slowLog) && readFileSync(slowLog, "utf8").includes("Provisioning with 'local-exec'")) {
          clearInterval(poll);
          child.kill("SIGINT");
          resolve();
        }
      }, 100);
    });
    expect(await exited).toBe(130);

    const result = jobResultSchema.parse(JSON.parse(stdout));
    expect(result.interrupted).toBe(true);
    const byUnit = Object.fromEntries(result.units.map((u) => [u.unit, u]));
    expect(byUnit[`${DEV}/slow`]).toMatchObject({
      status: "failed",
      reason: expect.stringMatching(/^interrupted during apply: it may be partially applied/),
      mayBePartiallyApplied: true,
    });
    expect(byUnit[`${DEV}/after-slow`]!.status).toBe("not-started");
    expect(result.worktree).toEqual(expect.any(String));
    expect(existsSync(result.worktree!)).toBe(false);
    expect(worktreeList(repo.dir)).toHaveLength(1);
    expect(stateResources(repo.stateDir, `${DEV}/after-slow`)).toBeNull();
  });

  it("on a second SIGINT exits at once, still removing the worktree", async () => {
    await using repo = createDemoRepo();
    const slow = commitFiles(repo, extraUnits.slow!, "add a slow unit");
    const plan = await planChange({ repo: repo.dir, base: repo.base, head: slow, event: "push", branch: "main" });
    const jobFile = join(repo.runsDir, "..", "job.json");
    writeFileSync(jobFile, JSON.stringify(plan.jobs.find((j) => j.units.includes(`${DEV}/slow`))));
    const runDir = join(repo.runsDir, "twice");
    const child = spawn(
      process.execPath,
      gantryArgs("execute", "--repo", repo.dir, "--job", jobFile, "--run-dir", runDir, "--json"),
      {
        env: { ...process.env, ...iacToolsEnv(), GANTRY_STATE_DIR: repo.stateDir, GITHUB_ACTIONS: "" },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let stdout = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    // The second SIGINT goes only once the first is acknowledged, so they cannot merge into one.
    child.stderr.on("data", (chunk: Buffer) => {
      if (chunk.toString().includes("SIGINT received")) child.kill("SIGINT");
    });
    const exited = new Promise<number | null>((resolve) => child.on("close", resolve));
    const slowLog = join(runDir, "dev__us-east-1__dev__slow.log");
    const worktree = await new Promise<string>((resolve) => {
      const poll = setInterval(() => {
        const text = existsSync(slowLog) ? readFileSync(slowLog, "utf8") : "";
        if (text.includes("Provisioning with 'local-exec'")) {
          clearInterval(poll);
          child.kill("SIGINT");
          resolve(/\$WORKTREE=(\S+)/.exec(readFileSync(join(runDir, "terragrunt.log"), "utf8"))![1]!);
        }
      }, 100);
    });
    expect(await exited).toBe(130);
    expect(stdout).toBe(""); // exited before any report: the immediate path, not the graceful one
    expect(existsSync(worktree)).toBe(false);
    expect(worktreeList(repo.dir)).toHaveLength(1);
  });
});
