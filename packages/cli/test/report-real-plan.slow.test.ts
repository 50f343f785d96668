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
      const run = await executeDryRun(fixture.repo.dir, fixture.work, fixture.plan, job.id, { dryRun: false, name: `real-${job.id}` });
      expect(run.exitCode, run.stdout).toBe(0);
      files.push(run.file);
    }
    const result = readJson(files[0]!) as { dryRun: boolean; units: { plan: { add: number } | null }[] };
    expect(result.dryRun).toBe(false);
    const summary = join(fixture.work, "summary.md");
    const report = await gantry(fixture.work, { GITHUB_STEP_SUMMARY: summary }, "report", "--plan", fixture.planFile, "--results", ...files);
    expect(report.exitCode).toBe(0);
    // live/vpc is new to the state of this fresh run: its terraform_data is to be added; live/old's plan-destroy
    // has no state in a fresh run, so nothing to destroy.
    expect(report.stdout).toMatch(/- ✅ `live\/vpc`: Plan: 1 to add, 0 to change, 0 to destroy\./);
    expect(report.stdout).toContain("to add: `terraform_data.noop`");
    expect(report.stdout).toMatch(/- ✅ `live\/old`: Plan: 0 to add, 0 to change, 0 to destroy\./);
    expect(readFileSync(summary, "utf8")).toBe(report.stdout);
  });
});
