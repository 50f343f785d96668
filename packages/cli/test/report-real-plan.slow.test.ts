import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { executeDryRun, gantry, pullRequestFixture, readJson } from "./report-fixtures.js";

describe("gantry report with results of real terragrunt runs", () => {
  it("shows each job's plan counts and resources from OpenTofu's plans, and appends them to the step summary", async () => {
    const fixture = await pullRequestFixture();
    await using _repo = fixture.repo;
    const files: string[] = [];
    for (const job of fixture.plan.jobs) {
      const run = await executeDryRun(fixture.repo.dir, fixture.work, fixture.plan, job.id, {
        dryRun: false,
        name: `real-${job.id}`,
      });
      expect(run.exitCode, run.stdout).toBe(0);
      files.push(run.file);
    }
    const result = readJson(files[0]!) as { dryRun: boolean; units: { plan: { add: number } | null }[] };
    expect(result.dryRun).toBe(false);
    const summary = join(fixture.work, "summary.md");
    const report = await gantry(
      fixture.work,
      { GITHUB_STEP_SUMMARY: summary },
      "report",
      "--plan",
      fixture.planFile,
      "--results",
      ...files,
    );
    expect(report.exitCode).toBe(0);
    // live/vpc is new to the state of this fresh run: its terraform_data is to be added; live/old's plan-destroy
    // has no state in a fresh run, so nothing to destroy.
    expect(report.stdout).toContain("| ✅ | <code>live/vpc</code> | plan | 1 | 0 | 0 | 0 | succeeded |");
    expect(report.stdout).toContain("- to add: <code>terraform&#95;data.noop</code>");
    expect(report.stdout).toContain("| ✅ | <code>live/old</code> | plan-destroy | 0 | 0 | 0 | 0 | succeeded |");
    // The plan itself travelled in the result document: the roll-up shows OpenTofu's own rendering.
    expect(report.stdout).toMatch(
      /<details><summary>Plan of <code>live\/vpc<\/code><\/summary>\n\n```diff\n[\s\S]*# terraform_data\.noop will be created/,
    );
    expect(readFileSync(summary, "utf8")).toBe(report.stdout);
  });
});
