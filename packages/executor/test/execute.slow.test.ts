/**
 * executeJob against real git repositories with the real terragrunt and tofu binaries. Jobs are built by
 * hand (the same shape `gantry plan` writes), so the minimal guard is used: these tests are about
 * execution; the guards package tests its own refusals.
 */
import { createHash } from "node:crypto";
import { existsSync, readFileSync, readdirSync, readlinkSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  checkJobMinimal,
  executeJob,
  GITHUB_COMMENT_LIMIT,
  renderMarkdownReport,
  renderTextReport,
  reportForJob,
  SecretMasker,
  type ExecuteOptions,
  type ExecutionEvent,
} from "../src/index.js";
import { commitFiles, DEV, extraUnits } from "./fixtures.js";
import { createDemoRepo, iacToolsEnv, makeJob, stateResources, worktreeList, type DemoRepo } from "./helpers.js";
import type { Job } from "@gantry/classifier";

function recorder() {
  const events: string[] = [];
  const onEvent = (event: ExecutionEvent) => {
    if (event.type === "unit-started") events.push(`start ${event.unit}`);
    if (event.type === "unit-finished") events.push(`${event.result.status} ${event.result.unit}`);
  };
  return { events, onEvent };
}

function run(repo: DemoRepo, job: Job, extra: Partial<ExecuteOptions> = {}) {
  return executeJob(job, {
    repo: repo.dir,
    env: { ...process.env, ...iacToolsEnv() },
    stateDir: repo.stateDir,
    runDir: join(repo.runsDir, `${job.id}-${Date.now()}`),
    guard: checkJobMinimal,
    ...extra,
  });
}

function stateFingerprint(stateDir: string): Record<string, string> {
  const files: Record<string, string> = {};
  if (!existsSync(stateDir)) return files;
  for (const entry of readdirSync(stateDir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    files[path] = createHash("sha256").update(readFileSync(path)).digest("hex");
  }
  return files;
}

const baseUnits = [`${DEV}/network`, `${DEV}/app`, `${DEV}/queue`];

describe("executeJob with real terragrunt and tofu", () => {
  it("applies from scratch in dependency order, in a worktree that is removed afterwards", async () => {
    await using repo = createDemoRepo();
    const { events, onEvent } = recorder();
    // Listed dependents first on purpose: the order must come from the dependency graph.
    const job = makeJob({ action: "apply", units: [`${DEV}/app`, `${DEV}/queue`, `${DEV}/network`], ref: repo.base });
    const result = await run(repo, job, { onEvent });

    expect(result.error).toBeNull();
    expect(result.status).toBe("succeeded");
    expect(result.units.map((u) => [u.unit, u.status])).toEqual([
      [`${DEV}/app`, "succeeded"],
      [`${DEV}/queue`, "succeeded"],
      [`${DEV}/network`, "succeeded"],
    ]);
    expect(events.indexOf(`succeeded ${DEV}/network`)).toBeLessThan(events.indexOf(`start ${DEV}/app`));
    const app = result.units[0]!;
    expect(app.plan).toMatchObject({ add: 1, change: 0, destroy: 0, import: 0 });
    expect(app.plan!.addresses.create).toEqual(["terraform_data.app[0]"]);
    // The app got the network's real output, not the mock.
    const appState = stateResources(repo.stateDir, `${DEV}/app`)!;
    expect((appState.get("terraform_data.app[0]")!.input as Record<string, unknown>).network_id).toBe(
      "net-dev-us-east-1",
    );
    expect(stateResources(repo.stateDir, `${DEV}/network`)!.has("terraform_data.network")).toBe(true);
    // What was applied is the apply's own account: its closing line and the plan it printed first.
    expect(app.applied).toEqual({ import: 0, add: 1, change: 0, destroy: 0, forget: 0 });
    expect(app.output).toMatch(
      /# terraform_data\.app\[0\] will be created[\s\S]*Apply complete! Resources: 1 added, 0 changed, 0 destroyed\./,
    );
    expect(app.output).not.toMatch(/Initializing|\.terragrunt-cache/); // no init noise, no runner paths
    // Logs are kept, one per unit, and only the user may read them; the worktree is gone; the user's tree is untouched.
    for (const unit of result.units) {
      expect(readFileSync(unit.logPath!, "utf8")).toContain("Apply complete!");
      expect(statSync(unit.logPath!).mode & 0o777).toBe(0o600);
      expect(unit.planFile).toBeNull(); // an apply plans and applies in one step
    }
    expect(statSync(result.runDir!).mode & 0o777).toBe(0o700);
    expect(worktreeList(repo.dir)).toHaveLength(1);
    expect(existsSync(result.worktree!)).toBe(false);
    // One terragrunt queue ran exactly the job's units.
    expect(result.command).toMatch(
      /^terragrunt run --all .*--filter \.\/dev\/us-east-1\/dev\/app --filter \.\/dev\/us-east-1\/dev\/queue --filter \.\/dev\/us-east-1\/dev\/network .*-- apply -input=false -no-color -lock-timeout=60s -auto-approve$/,
    );
    expect(repo.git("status", "--porcelain")).toBe("");
  });

  it("plans a pull request's changes without changing any state, and a second apply has nothing to do", async () => {
    await using repo = createDemoRepo();
    expect((await run(repo, makeJob({ action: "apply", units: baseUnits, ref: repo.base }))).status).toBe("succeeded");
    const before = stateFingerprint(repo.stateDir);

    const plan = await run(
      repo,
      makeJob({ action: "plan", units: [`${DEV}/app`, `${DEV}/database`], ref: repo.head, base: repo.base }),
    );
    expect(plan.status).toBe("succeeded");
    const [app, database] = plan.units;
    expect(app!.plan).toMatchObject({ add: 1, change: 0, destroy: 0 });
    expect(app!.plan!.addresses.create).toEqual(["terraform_data.app[1]"]);
    expect(database!.plan).toMatchObject({ add: 1, change: 0, destroy: 0 });
    expect(database!.plan!.addresses.create).toEqual(["terraform_data.database"]);
    // The saved plans are kept beside the logs, readable by the user alone; the rendered plan is the tool's own.
    for (const unit of plan.units) expect(statSync(unit.planFile!).mode & 0o777).toBe(0o600);
    expect(app!.output).toMatch(
      /^OpenTofu used the selected providers[\s\S]*# terraform_data\.app\[1\] will be created[\s\S]*Plan: 1 to add, 0 to change, 0 to destroy\./,
    );
    expect(app!.output).not.toMatch(/Saved the plan to|tofu apply|\$RUN_DIR|gantry\/runs/);
    expect(stateFingerprint(repo.stateDir)).toEqual(before);
    expect(stateResources(repo.stateDir, `${DEV}/database`)).toBeNull();

    const again = await run(repo, makeJob({ action: "apply", units: baseUnits, ref: repo.base }));
    expect(again.status).toBe("succeeded");
    expect(again.units.map((u) => u.applied?.add)).toEqual([0, 0, 0]);
  });

  it("destroys a deleted unit from the base commit, after a plan -destroy that changes nothing", async () => {
    await using repo = createDemoRepo();
    expect((await run(repo, makeJob({ action: "apply", units: baseUnits, ref: repo.base }))).status).toBe("succeeded");
    expect(stateResources(repo.stateDir, `${DEV}/queue`)!.has("terraform_data.queue")).toBe(true);

    const preview = await run(
      repo,
      makeJob({ action: "plan-destroy", units: [`${DEV}/queue`], ref: repo.base, head: repo.head }),
    );
    expect(preview.status).toBe("succeeded");
    expect(preview.units[0]!.plan).toMatchObject({ add: 0, change: 0, destroy: 1 });
    expect(stateResources(repo.stateDir, `${DEV}/queue`)!.has("terraform_data.queue")).toBe(true);

    const destroy = await run(
      repo,
      makeJob({ action: "destroy", units: [`${DEV}/queue`], ref: repo.base, head: repo.head }),
    );
    expect(destroy.status).toBe("succeeded");
    expect(destroy.units[0]!.plan!.addresses.delete).toEqual(["terraform_data.queue"]);
    expect(stateResources(repo.stateDir, `${DEV}/queue`)!.size).toBe(0);
    expect(stateResources(repo.stateDir, `${DEV}/network`)!.size).toBe(1);
  });

  it("destroys dependents before their dependencies", async () => {
    await using repo = createDemoRepo();
    expect((await run(repo, makeJob({ action: "apply", units: baseUnits, ref: repo.base }))).status).toBe("succeeded");
    const { events, onEvent } = recorder();
    const destroy = await run(
      repo,
      makeJob({ action: "destroy", units: [`${DEV}/network`, `${DEV}/app`], ref: repo.base }),
      { onEvent },
    );
    expect(destroy.status).toBe("succeeded");
    expect(events.indexOf(`succeeded ${DEV}/app`)).toBeLessThan(events.indexOf(`start ${DEV}/network`));
    expect(stateResources(repo.stateDir, `${DEV}/network`)!.size).toBe(0);
  });

  it("skips the dependents of a failing unit, runs the independent ones, and fails the job", async () => {
    await using repo = createDemoRepo();
    const ref = commitFiles(repo, extraUnits.failure!, "add a broken unit");
    const job = makeJob({
      action: "apply",
      units: [`${DEV}/broken`, `${DEV}/broken-consumer`, `${DEV}/network`, `${DEV}/hcl-broken`],
      ref,
    });
    const result = await run(repo, job);

    expect(result.status).toBe("failed");
    const byUnit = Object.fromEntries(result.units.map((u) => [u.unit, u]));
    expect(byUnit[`${DEV}/broken`]!.status).toBe("failed");
    expect(byUnit[`${DEV}/broken`]!.exitCode).toBe(1);
    // The tool's own error, and where it points in the repository (the module the unit copied).
    expect(byUnit[`${DEV}/broken`]!.reason).toBe("Error: Resource precondition failed");
    expect(byUnit[`${DEV}/broken`]!.error).toContain("This unit is broken on purpose.");
    expect(byUnit[`${DEV}/broken`]!.diagnostics).toEqual([
      { severity: "error", summary: "Resource precondition failed", file: "modules/broken/main.tf", line: 9 },
    ]);
    expect(readFileSync(byUnit[`${DEV}/broken`]!.logPath!, "utf8")).toContain("This unit is broken on purpose.");
    expect(byUnit[`${DEV}/broken-consumer`]!).toMatchObject({ status: "skipped", logPath: null, commands: [] });
    // Terragrunt's own configuration error points at the unit's file and line.
    expect(byUnit[`${DEV}/hcl-broken`]!).toMatchObject({ status: "failed", reason: "Error: Unsupported attribute" });
    expect(byUnit[`${DEV}/hcl-broken`]!.diagnostics).toEqual([
      { severity: "error", summary: "Unsupported attribute", file: `${DEV}/hcl-broken/terragrunt.hcl`, line: 10 },
    ]);
    expect(byUnit[`${DEV}/network`]!.status).toBe("succeeded");
    expect(stateResources(repo.stateDir, `${DEV}/broken-consumer`)).toBeNull();

    const text = renderTextReport(reportForJob(result));
    expect(text).toContain("This unit is broken on purpose.");
    expect(text).toMatch(/1 succeeded, 2 failed, 1 skipped/);
    expect(worktreeList(repo.dir)).toHaveLength(1);
  });

  it("masks credentials, tokens from the environment and sensitive outputs in logs, result and reports", async () => {
    await using repo = createDemoRepo();
    const ref = commitFiles(repo, extraUnits.secrets!, "add units that handle secrets");
    const awsSecret = "wJalrXUtnFEMI-test-credential-value";
    const apiToken = "tok-3f9a8c2e-from-the-job-environment";
    const sensitive = "hunter2-vault-sensitive";
    const masker = new SecretMasker();
    const job = makeJob({
      action: "apply",
      units: [`${DEV}/vault`, `${DEV}/reader`],
      ref,
      env: { TF_VAR_api_token: apiToken },
    });
    const result = await run(repo, job, {
      masker,
      credentials: async () => ({
        env: { AWS_ACCESS_KEY_ID: "ASIATESTKEYID", AWS_SECRET_ACCESS_KEY: awsSecret },
        secrets: [awsSecret],
      }),
    });
    expect(result.status).toBe("succeeded");

    // The values really flowed through OpenTofu (state is not output, and holds them)...
    const reader = stateResources(repo.stateDir, `${DEV}/reader`)!.get("terraform_data.reader")!.input as Record<
      string,
      string
    >;
    expect(reader).toEqual({ password: sensitive, api_token: apiToken, aws_secret: awsSecret });
    // ...but appear in no output.
    const outputs = [
      ...result.units.map((u) => readFileSync(u.logPath!, "utf8")),
      masker.mask(JSON.stringify(result)), // what `gantry execute --json` prints
      renderMarkdownReport(reportForJob(result), { masker }),
      renderTextReport(reportForJob(result), { masker }),
    ];
    for (const output of outputs) {
      for (const secret of [awsSecret, apiToken, sensitive]) expect(output).not.toContain(secret);
    }
    const readerLog = readFileSync(result.units[1]!.logPath!, "utf8");
    expect(readerLog).toMatch(/password\s+= "\*\*\*"/);
    expect(readerLog).toMatch(/api_token\s+= "\*\*\*"/);
    expect(readerLog).toMatch(/aws_secret\s+= "\*\*\*"/);
  });

  it("fits a plan with huge output into one pull-request comment", async () => {
    await using repo = createDemoRepo();
    const ref = commitFiles(repo, extraUnits.huge!, "add a unit with 1,500 resources");
    const result = await run(repo, makeJob({ action: "plan", units: [`${DEV}/huge`, `${DEV}/network`], ref }));
    expect(result.status).toBe("succeeded");
    expect(result.units[0]!.plan!.add).toBe(1500);
    expect(readFileSync(result.units[0]!.logPath!, "utf8").length).toBeGreaterThan(GITHUB_COMMENT_LIMIT * 4);

    const markdown = renderMarkdownReport(reportForJob(result));
    expect(markdown.length).toBeLessThanOrEqual(GITHUB_COMMENT_LIMIT);
    expect(markdown).toContain("| ✅ | <code>dev/us-east-1/dev/huge</code> | plan | 1500 | 0 | 0 | 0 | succeeded |");
    expect(markdown).toContain("characters truncated; see the full log");
    expect(markdown).toContain("\nPlan: 1500 to add, 0 to change, 0 to destroy.\n"); // OpenTofu's own line: the tail of the output is kept
    expect(markdown).toContain("<details><summary>Plan of <code>dev/us-east-1/dev/network</code></summary>");
    expect(markdown.split("<details>").length).toBe(markdown.split("</details>").length);
  });

  it("on a dry run checks the job and prints the commands but runs nothing", async () => {
    await using repo = createDemoRepo();
    const job = makeJob({ action: "apply", units: baseUnits, ref: repo.base });
    const result = await run(repo, job, { dryRun: true });
    expect(result.status).toBe("succeeded");
    expect(result.dryRun).toBe(true);
    expect(result.units.every((u) => u.status === "not-started" && u.logPath === null)).toBe(true);
    expect(result.command).toMatch(
      /^terragrunt run --all .* --working-dir \$WORKTREE .*--filter \.\/dev\/us-east-1\/dev\/network .*-- apply -input=false .*-auto-approve$/,
    );
    expect(existsSync(repo.stateDir)).toBe(false);
    expect(worktreeList(repo.dir)).toHaveLength(1);
    const text = renderTextReport(reportForJob(result));
    expect(text).toContain("$ terragrunt run");

    const missing = await run(repo, makeJob({ action: "apply", units: [`${DEV}/database`], ref: repo.base }), {
      dryRun: true,
    });
    expect(missing.status).toBe("failed");
    expect(missing.error).toMatchObject({ code: "GUARD_UNIT_MISSING_AT_REF", exitCode: 51 });
  });

  it("on abort interrupts the running unit, starts nothing new, removes the worktree and says what never started", async () => {
    await using repo = createDemoRepo();
    const ref = commitFiles(repo, extraUnits.slow!, "add a slow unit");
    const controller = new AbortController();
    const result = await run(
      repo,
      makeJob({ action: "apply", units: [`${DEV}/slow`, `${DEV}/after-slow`, `${DEV}/network`], ref, parallelism: 1 }),
      {
        signal: controller.signal,
        killGraceMs: 2000,
        onEvent: (event) => {
          if (event.type === "unit-started" && event.unit.endsWith("/slow")) {
            // Interrupt once the provisioner is sleeping (the log shows the resource being created).
            const poll = setInterval(() => {
              const log = readdirSync(repo.runsDir, { recursive: true }).find((file) =>
                String(file).endsWith("__slow.log"),
              );
              const text = log ? readFileSync(join(repo.runsDir, String(log)), "utf8") : "";
              if (text.includes("Provisioning with 'local-exec'")) {
                clearInterval(poll);
                controller.abort();
              }
            }, 100);
          }
        },
      },
    );
    expect(result.interrupted).toBe(true);
    expect(result.status).toBe("failed");
    const byUnit = Object.fromEntries(result.units.map((u) => [u.unit, u]));
    expect(byUnit[`${DEV}/slow`]).toMatchObject({
      status: "failed",
      reason: expect.stringMatching(/^interrupted during apply: it may be partially applied: re-run the job/),
      mayBePartiallyApplied: true,
    });
    expect(byUnit[`${DEV}/after-slow`]!.status).toBe("not-started");
    // With parallelism 1 the independent network either finished first or never started; never skipped.
    expect(["succeeded", "not-started"]).toContain(byUnit[`${DEV}/network`]!.status);
    expect(result.worktree).toEqual(expect.any(String));
    expect(existsSync(result.worktree!)).toBe(false);
    expect(worktreeList(repo.dir)).toHaveLength(1);
    expect(renderTextReport(reportForJob(result))).toMatch(/Interrupted: .*not started/);
  });

  it("starts no tool when mayStart says no (a deployment whose lease may have expired), and says so per unit", async () => {
    await using repo = createDemoRepo();
    let asked = 0;
    const result = await run(repo, makeJob({ action: "apply", units: baseUnits, ref: repo.base }), {
      mayStart: () => (asked++, false),
    });
    expect(asked).toBe(1);
    expect(result.status).toBe("failed");
    expect(result.units.map((unit) => [unit.status, unit.reason])).toEqual(
      baseUnits.map(() => ["not-started", "not started: the deployment's lease may have expired"]),
    );
    expect(stateFingerprint(repo.stateDir)).toEqual({});
    expect(worktreeList(repo.dir)).toHaveLength(1);
  });

  it("when the tool dies during an apply (killed, as by the OOM killer), says the unit may be partially applied", async () => {
    await using repo = createDemoRepo();
    const ref = commitFiles(repo, extraUnits.slow!, "add a slow unit");
    const id = `apply-killed-${process.pid}`;
    const result = await run(repo, makeJob({ id, action: "apply", units: [`${DEV}/slow`, `${DEV}/after-slow`], ref }), {
      onEvent: (event) => {
        if (event.type !== "unit-started") return;
        // Kill only this test's tofu: the apply whose working directory is inside this job's worktree.
        const poll = setInterval(() => {
          for (const pid of readdirSync("/proc").filter((name) => /^\d+$/.test(name))) {
            try {
              const cwd = readlinkSync(`/proc/${pid}/cwd`);
              const args = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
              if (cwd.includes(`gantry-${id}-`) && args.includes("apply") && /tofu$/.test(args[0]!)) {
                clearInterval(poll);
                process.kill(Number(pid), "SIGKILL");
              }
            } catch {
              // The process is gone, or not ours to read.
            }
          }
        }, 100);
        setTimeout(() => clearInterval(poll), 60_000).unref();
      },
    });
    const [slow, after] = result.units;
    expect(slow).toMatchObject({
      status: "failed",
      mayBePartiallyApplied: true,
      reason: expect.stringMatching(
        /^apply was killed \(killed\): it may be partially applied: re-run the job; if OpenTofu then reports the state locked/,
      ),
    });
    expect(after).toMatchObject({ status: "skipped" });
    expect(result.status).toBe("failed");
    expect(worktreeList(repo.dir)).toHaveLength(1);
  });
});
