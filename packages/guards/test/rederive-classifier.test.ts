/**
 * The default re-derivation: `planChange` from @gantry/classifier (real detection and planning) on real
 * repositories. Jobs exactly as planned pass; edited or stale ones are refused.
 */
import { describe, expect, it } from "vitest";
import { planChange, type Job } from "@gantry/classifier";
import { createTempGitRepo } from "@gantry/testkit";
import { checkJob, GuardRefusedError } from "../src/index.js";

const include = 'include "root" {\n  path = find_in_parent_folders("root.hcl")\n}\n';

function liveRepository() {
  return createTempGitRepo({
    "root.hcl": "locals {}\n",
    "prod/app/terragrunt.hcl": include,
    "prod/db/terragrunt.hcl": include,
    "prod/old/terragrunt.hcl": include,
  });
}

async function refusedGuard(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => null,
    (caught: unknown) => caught,
  );
  if (!GuardRefusedError.isGuardRefusal(error)) throw error ?? new Error("expected a refusal");
  return error.guard;
}

describe("re-derivation with the classifier", () => {
  it("passes the apply and destroy jobs planned for a push to the deploy branch, and refuses edited copies", async () => {
    await using repo = liveRepository();
    const base = repo.sha();
    const head = repo.commit({
      "prod/app/terragrunt.hcl": `${include}inputs = { size = 2 }\n`,
      "prod/old/terragrunt.hcl": null,
    });
    const plan = await planChange({ repo: repo.dir, base, head, event: "push", branch: "main" });
    const byAction = (action: Job["action"]) => plan.jobs.find((job) => job.action === action)!;
    expect(plan.jobs.map((job) => job.action).sort()).toEqual(["apply", "destroy"]);

    for (const job of plan.jobs) {
      const report = await checkJob(job, { repo: repo.dir, env: {}, dryRun: false });
      expect(report.passed.at(-1)).toEqual({ guard: "re-derive", detail: `matches re-derived job ${job.id}` });
    }
    const apply = byAction("apply");
    expect(
      await refusedGuard(checkJob({ ...apply, units: ["prod/db"] }, { repo: repo.dir, env: {}, dryRun: false })),
    ).toBe("re-derive");
    expect(
      await refusedGuard(
        checkJob(
          { ...apply, terragrunt: { ...apply.terragrunt, env: { TF_CLI_ARGS: "-target=x" } } },
          { repo: repo.dir, env: {}, dryRun: false },
        ),
      ),
    ).toBe("trusted-settings");
  });

  it("refuses a job planned for commits that were never merged, even with a forged source", async () => {
    await using repo = liveRepository();
    const base = repo.sha();
    repo.checkout("feature", { create: true });
    const head = repo.commit({ "prod/db/terragrunt.hcl": `${include}inputs = { evil = true }\n` });
    repo.checkout("main");
    // What an attacker would dispatch: planning run as if the feature commit were pushed to main.
    const plan = await planChange({ repo: repo.dir, base, head, event: "push", branch: "main" });
    const forged = plan.jobs.find((job) => job.action === "apply");
    expect(forged?.units).toEqual(["prod/db"]);
    expect(await refusedGuard(checkJob(forged!, { repo: repo.dir, env: {}, dryRun: false }))).toBe(
      "apply-ref-on-deploy-branch",
    );
  });

  it("passes a pull request's plan job when the branch is ahead of the deploy branch", async () => {
    await using repo = liveRepository();
    const base = repo.sha();
    repo.checkout("feature", { create: true });
    const head = repo.commit({ "prod/app/terragrunt.hcl": `${include}inputs = { size = 3 }\n` });
    const plan = await planChange({ repo: repo.dir, base, head, event: "pull_request", branch: "feature" });
    const job = plan.jobs[0]!;
    expect(job.action).toBe("plan");
    const report = await checkJob(job, { repo: repo.dir, env: {}, dryRun: true });
    expect(report.passed.map((entry) => entry.guard)).toContain("pull-request-preflight");
  });
});
