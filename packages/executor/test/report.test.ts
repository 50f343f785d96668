import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { Job } from "@gantry/classifier";
import { appendStepSummary, GITHUB_COMMENT_LIMIT, renderJobGraph, renderMarkdownReport, renderTextReport, SecretMasker, type JobResult, type RunReport, type UnitResult } from "../src/index.js";

const dir = mkdtempSync(join(tmpdir(), "gantry-report-test-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const sha = (c: string) => c.repeat(40);

function job(id: string, units: string[], needs: string[] = [], action: Job["action"] = "plan"): Job {
  return {
    apiVersion: "gantry/v1",
    kind: "Job",
    id,
    action,
    units,
    ref: sha("a"),
    needs,
    environment: "dev",
    changes: ["UnitChanged"],
    source: { event: "pull_request", base: sha("b"), head: sha("a"), branch: "feature", deployBranch: "main" },
    authentication: null,
    terragrunt: { flags: [], env: {}, parallelism: 2 },
  };
}

function unit(name: string, status: UnitResult["status"], log: string | null, add = 1): UnitResult {
  let logPath: string | null = null;
  if (log !== null) {
    logPath = join(dir, `${name.replace(/\//g, "_")}.log`);
    writeFileSync(logPath, log);
  }
  return {
    unit: name,
    status,
    exitCode: status === "failed" ? 1 : 0,
    durationMs: 1500,
    logPath,
    planFile: null,
    plan: status === "succeeded" ? { add, change: 0, destroy: 1, import: 0, addresses: { create: Array.from({ length: add }, (_, i) => `terraform_data.x[${i}]`), update: [], delete: ["terraform_data.old"], replace: [], import: [] }, outputChanges: false } : null,
    reason: status === "failed" ? "plan failed with exit code 1" : null,
    commands: [],
  };
}

function result(j: Job, units: UnitResult[]): JobResult {
  const failed = units.some((u) => u.status !== "succeeded");
  return { apiVersion: "gantry/v1", kind: "JobResult", job: j, status: failed ? "failed" : "succeeded", interrupted: false, dryRun: false, startedAt: new Date(0).toISOString(), durationMs: 1, runDir: dir, worktree: null, units, error: null };
}

function fencesBalanced(markdown: string): boolean {
  const open: string[] = [];
  for (const line of markdown.split("\n")) {
    const fence = /^(`{3,})/.exec(line)?.[1];
    if (!fence) continue;
    if (open.length > 0 && line === open[open.length - 1]) open.pop();
    else if (open.length === 0) open.push(fence);
  }
  return open.length === 0;
}

const count = (text: string, needle: string) => text.split(needle).length - 1;

describe("markdown report", () => {
  const planJob = job("plan-dev", ["dev/app", "dev/db"]);
  const destroyJob = job("plan-destroy-dev-queue", ["dev/queue"], ["plan-dev"], "plan-destroy");
  const report: RunReport = {
    event: "pull_request",
    base: sha("b"),
    head: sha("a"),
    branch: "feature",
    interrupted: false,
    logs: dir,
    jobs: [
      { job: planJob, status: "failed", result: result(planJob, [unit("dev/app", "succeeded", "Plan: 1 to add\n```inner fence```\n"), unit("dev/db", "failed", "Error: boom\n")]) },
      { job: destroyJob, status: "skipped", result: null, reason: "job plan-dev did not succeed" },
    ],
  };

  it("has the commit, a status line per job and unit, plan counts, resources, collapsible output and the job graph", () => {
    const markdown = renderMarkdownReport(report);
    expect(markdown.split("\n")[0]).toBe("## Gantry plan for `aaaaaaa`");
    expect(markdown).toContain("❌ **Some jobs did not succeed**: 2 jobs, 0 succeeded, 1 failed, 1 skipped.");
    expect(markdown).toContain("### ❌ Plan `plan-dev` · environment `dev`");
    expect(markdown).toContain("- ✅ `dev/app`: Plan: 1 to add, 0 to change, 1 to destroy.");
    expect(markdown).toContain("  - to add: `terraform_data.x[0]`");
    expect(markdown).toContain("  - to destroy: `terraform_data.old`");
    expect(markdown).toContain("- ❌ `dev/db`: plan failed with exit code 1");
    expect(markdown).toContain("- ⏭️ `dev/queue`: job plan-dev did not succeed");
    expect(markdown).toContain("<details><summary>Output of <code>dev/db</code></summary>");
    expect(markdown).toContain("Error: boom");
    expect(markdown).toContain("```mermaid\nflowchart LR");
    expect(markdown).toContain("j0 --> j1");
    expect(fencesBalanced(markdown)).toBe(true);
    expect(count(markdown, "<details>")).toBe(count(markdown, "</details>"));
  });

  it("masks secrets in unit output", () => {
    const secret = "sekrit-value-in-output";
    const j = job("plan-x", ["dev/x"]);
    const r: RunReport = { ...report, jobs: [{ job: j, status: "succeeded", result: result(j, [unit("dev/x", "succeeded", `token = "${secret}"\n`)]) }] };
    const markdown = renderMarkdownReport(r, { masker: new SecretMasker([secret]) });
    expect(markdown).not.toContain(secret);
    expect(markdown).toContain('token = "***"');
  });

  it("truncates huge output to fit GitHub's limit and stays valid", () => {
    const j = job("plan-huge", Array.from({ length: 40 }, (_, i) => `dev/unit-${i}`));
    const units = j.units.map((name, i) => unit(name, "succeeded", `HEAD-${i}\n${"resource line\n".repeat(20_000)}TAIL-${i}\n`, 30));
    const markdown = renderMarkdownReport({ ...report, jobs: [{ job: j, status: "succeeded", result: result(j, units) }] });
    expect(markdown.length).toBeLessThanOrEqual(GITHUB_COMMENT_LIMIT);
    expect(markdown).toContain("characters truncated; see the full log");
    // Every unit keeps its status line and both ends of its output.
    for (let i = 0; i < 40; i++) {
      expect(markdown).toContain(`- ✅ \`dev/unit-${i}\`: Plan: 30 to add`);
      expect(markdown).toContain(`HEAD-${i}`);
      expect(markdown).toContain(`TAIL-${i}`);
    }
    expect(fencesBalanced(markdown)).toBe(true);
    expect(count(markdown, "<details>")).toBe(count(markdown, "</details>"));
  });

  it("fits even when the unit lines alone exceed the limit", () => {
    const j = job("apply-everything", Array.from({ length: 3000 }, (_, i) => `prod/us-east-1/prod/service-number-${i}`), [], "apply");
    const units = j.units.map((name) => unit(name, "succeeded", null, 50));
    const markdown = renderMarkdownReport({ ...report, event: "push", jobs: [{ job: j, status: "succeeded", result: result(j, units) }] });
    expect(markdown.length).toBeLessThanOrEqual(GITHUB_COMMENT_LIMIT);
    expect(markdown.startsWith("## Gantry apply for `aaaaaaa`")).toBe(true);
    expect(markdown).toMatch(/report truncated \(\d+ characters left out/);
    expect(fencesBalanced(markdown)).toBe(true);
  });

  it("says when nothing changed, and when the pipeline failed before any job", () => {
    expect(renderMarkdownReport({ ...report, jobs: [], notice: "push to feature is not the deploy branch" })).toContain("ℹ️ **No infrastructure changes.** push to feature is not the deploy branch");
    expect(renderMarkdownReport({ ...report, jobs: [], error: { code: "CONFIG_INVALID", message: "bad key", hint: "fix it" } })).toContain("❌ **The pipeline failed before running any job**: `CONFIG_INVALID` bad key (fix it)");
  });

  it("draws the job graph with escaped labels", () => {
    const graph = renderJobGraph([{ job: job("a", ["x"]), status: "succeeded", result: null }, { job: job("b", ["y", "z"], ["a"]), status: "failed", result: null }]);
    expect(graph).toBe(
      [
        "flowchart LR",
        '  j0["a<br/>plan · x"]:::ok',
        '  j1["b<br/>plan · 2 units"]:::failed',
        "  j0 --> j1",
        "  classDef ok fill:#dafbe1,stroke:#1a7f37",
        "  classDef failed fill:#ffebe9,stroke:#cf222e",
        "  classDef skipped fill:#f6f8fa,stroke:#8c959f,stroke-dasharray: 4 2",
        "  classDef waiting fill:#fff8c5,stroke:#9a6700",
      ].join("\n"),
    );
  });

  it("appends to the GitHub step summary only when GITHUB_STEP_SUMMARY is set", () => {
    const file = join(dir, "summary.md");
    appendFileSync(file, "earlier step\n");
    expect(appendStepSummary("## report", { GITHUB_STEP_SUMMARY: file })).toBe(file);
    expect(readFileSync(file, "utf8")).toBe("earlier step\n## report\n");
    expect(appendStepSummary("## report", {})).toBeNull();
  });
});

describe("text report", () => {
  it("lists jobs and units with the end of a failed unit's log", () => {
    const j = job("plan-dev", ["dev/app", "dev/db"]);
    const text = renderTextReport({
      event: "pull_request",
      base: sha("b"),
      head: sha("a"),
      interrupted: false,
      jobs: [{ job: j, status: "failed", result: result(j, [unit("dev/app", "succeeded", "ok\n"), unit("dev/db", "failed", "line 1\nError: boom\n")]) }],
    });
    expect(text).toContain("✘ job plan-dev (plan, dev): failed");
    expect(text).toContain("    ✔ dev/app  Plan: 1 to add, 0 to change, 1 to destroy. (1.5s)");
    expect(text).toContain("        | Error: boom");
    expect(text).toContain("Failed: units 1 succeeded, 1 failed, 0 skipped, 0 not started.");
  });
});
