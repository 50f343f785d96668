/**
 * The report renderers on results built here (the slow tests render results of real runs). The markdown is
 * checked as GitHub shows it: rendered by a CommonMark parser, then parsed as a browser parses HTML.
 */
import { appendFileSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { Job, PlanDocument } from "@gantry/classifier";
import {
  appendStepSummary,
  buildRunReport,
  GITHUB_COMMENT_LIMIT,
  renderAnnotations,
  renderJobGraph,
  renderMarkdownReport,
  renderTextReport,
  runReportDocument,
  runReportDocumentSchema,
  SecretMasker,
  type JobResult,
  type UnitResult,
} from "../src/index.js";
import { fairShares } from "../src/report/markdown.js";
import { attribute, elements, renderComment, tagNames, textOf, type Element } from "./comment-dom.js";

const dir = mkdtempSync(join(tmpdir(), "gantry-report-test-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const sha = (c: string) => c.repeat(40);

function job(
  id: string,
  units: string[],
  needs: string[] = [],
  action: Job["action"] = "plan",
  branch = "feature",
): Job {
  return {
    apiVersion: "gantry/v1",
    kind: "Job",
    id,
    action,
    units: [...units],
    ref: sha("a"),
    needs,
    environment: "dev",
    changes: ["UnitChanged"],
    source: {
      event: action.startsWith("plan") ? "pull_request" : "push",
      base: sha("b"),
      head: sha("a"),
      branch,
      deployBranch: "main",
    },
    authentication: null,
    terragrunt: { flags: [], env: {}, parallelism: 2 },
  };
}

function planOutput(unit: string, addresses: string[]): string {
  return [
    "OpenTofu used the selected providers to generate the following execution",
    "plan. Resource actions are indicated with the following symbols:",
    "  + create",
    "",
    "OpenTofu will perform the following actions:",
    "",
    ...addresses.flatMap((address) => [
      `  # ${address} will be created`,
      `  + resource "terraform_data" "x" {`,
      `      + input  = "${unit}"`,
      "    }",
      "",
    ]),
    `Plan: ${addresses.length} to add, 0 to change, 0 to destroy.`,
    "",
  ].join("\n");
}

function unit(name: string, status: UnitResult["status"], extra: Partial<UnitResult> = {}): UnitResult {
  const addresses = [`terraform_data.x["${name}"]`];
  return {
    unit: name,
    status,
    exitCode: status === "failed" ? 1 : status === "succeeded" ? 0 : null,
    durationMs: status === "skipped" ? 0 : 1500,
    logPath: join(dir, "unit.log"),
    planFile: null,
    plan:
      status === "succeeded"
        ? {
            add: 1,
            change: 0,
            destroy: 1,
            import: 0,
            addresses: { create: addresses, update: [], delete: ["terraform_data.old"], replace: [], import: [] },
            outputChanges: false,
          }
        : null,
    reason:
      status === "failed"
        ? "Error: Resource precondition failed"
        : status === "skipped"
          ? "dev/db did not succeed"
          : null,
    commands: [],
    output: status === "succeeded" ? planOutput(name, addresses) : null,
    error:
      status === "failed"
        ? "Error: Resource precondition failed\n\n  on main.tf line 9:\n\nThis unit is broken on purpose.\n"
        : null,
    ...extra,
  };
}

function result(j: Job, units: UnitResult[], extra: Partial<JobResult> = {}): JobResult {
  const failed = units.some((u) => u.status !== "succeeded");
  return {
    apiVersion: "gantry/v1",
    kind: "JobResult",
    job: j,
    status: failed ? "failed" : "succeeded",
    interrupted: false,
    dryRun: false,
    startedAt: new Date(0).toISOString(),
    durationMs: 1,
    runDir: dir,
    worktree: null,
    units,
    error: null,
    ...extra,
  };
}

function plan(jobs: Job[], extra: Partial<PlanDocument> = {}): PlanDocument {
  return {
    apiVersion: "gantry/v1",
    kind: "Plan",
    event: "pull_request",
    base: sha("b"),
    head: sha("a"),
    branch: "feature",
    deployBranch: "main",
    notice: null,
    jobs,
    ...extra,
  };
}

/** The table's body rows as cell texts. */
function tableRows(document: Element): string[][] {
  const [table] = elements(document, "table");
  return elements(elements(table!, "tbody")[0]!, "tr").map((row) =>
    elements(row, "td").map((cell) => textOf(cell).trim()),
  );
}

/** Each collapsible block: its summary's text and its code block (language, text). */
function detailsBlocks(document: Element) {
  return elements(document, "details").map((details) => {
    const codeElement = elements(details, "code")[elements(details, "code").length - 1];
    return {
      summary: textOf(elements(details, "summary")[0]!),
      language: codeElement ? attribute(codeElement, "class") : undefined,
      code: codeElement ? textOf(codeElement) : "",
    };
  });
}

const count = (text: string, needle: string) => text.split(needle).length - 1;

describe("the markdown report", () => {
  const planJob = job("plan-dev", ["dev/app", "dev/db", "dev/consumer"]);
  const destroyJob = job("plan-destroy-dev-queue", ["dev/queue"], ["plan-dev"], "plan-destroy");
  const document = plan([planJob, destroyJob], {
    reasons: {
      "dev/app": [
        {
          file: "_envcommon/app.hcl",
          chain: [
            { file: "dev/app/terragrunt.hcl", via: "unit" },
            { file: "_envcommon/app.hcl", via: "include", from: "dev/app/terragrunt.hcl:3" },
          ],
        },
      ],
      "dev/db": [{ file: "dev/db/terragrunt.hcl", chain: [{ file: "dev/db/terragrunt.hcl", via: "unit" }] }],
    },
    changes: [{ type: "EnvCommonChanged", files: ["_envcommon/app.hcl"], units: ["dev/app"], jobs: ["plan-dev"] }],
  });
  const report = buildRunReport({
    plan: document,
    results: [
      result(planJob, [
        unit("dev/app", "succeeded"),
        unit("dev/db", "failed", {
          diagnostics: [
            { severity: "error", summary: "Resource precondition failed", file: "modules/db/main.tf", line: 9 },
          ],
        }),
        unit("dev/consumer", "skipped", { logPath: null }),
      ]),
    ],
    logs: "https://github.com/acme/infrastructure-pipelines/actions/runs/42",
  });

  it("opens with the commit, a status line, and a table row per unit; each unit's plan in its own collapsible diff block", () => {
    const markdown = renderMarkdownReport(report);
    const { document: dom } = renderComment(markdown);
    expect(textOf(elements(dom, "h2")[0]!)).toBe("Gantry plan for aaaaaaa");
    expect(textOf(elements(dom, "p")[0]!)).toBe(
      "❌ Some jobs did not succeed: 2 jobs (1 failed, 1 skipped), 4 units (1 succeeded, 1 failed, 2 skipped). Event pull_request, base bbbbbbb → head aaaaaaa on feature.",
    );
    expect(tableRows(dom)).toEqual([
      ["✅", "dev/app", "plan", "1", "0", "1 ⚠️", "0", "succeeded", "1.5 s"],
      ["❌", "dev/db", "plan", "–", "–", "–", "–", "failed", "1.5 s"],
      ["⏭️", "dev/consumer", "plan", "–", "–", "–", "–", "skipped", ""],
      ["⏭️", "dev/queue", "plan-destroy", "–", "–", "–", "–", "skipped", ""],
    ]);
    // Destroys stand out above the table.
    expect(textOf(elements(dom, "blockquote")[0]!)).toContain("dev/app: 1 to destroy");
    const blocks = detailsBlocks(dom);
    const appPlan = blocks.find((block) => block.summary === "Plan of dev/app")!;
    expect(appPlan.language).toBe("language-diff");
    // The plan is the tool's own, with its change symbols moved to the front so GitHub colours them.
    expect(appPlan.code).toContain(
      '  # terraform_data.x["dev/app"] will be created\n+   resource "terraform_data" "x" {\n+       input  = "dev/app"',
    );
    expect(appPlan.code).toContain("Plan: 1 to add, 0 to change, 0 to destroy.");
    expect(blocks.find((block) => block.summary === "Job graph")?.language).toBe("language-mermaid");
    expect(count(markdown, "<details>")).toBe(count(markdown, "</details>"));
  });

  it("says why each unit runs, shows the tool's error for a failed one, and links the logs", () => {
    const markdown = renderMarkdownReport(report);
    const { document: dom } = renderComment(markdown);
    const items = elements(dom, "li").map((li) => textOf(li));
    expect(items).toContain("Why: EnvCommonChanged: _envcommon/app.hcl → include → dev/app");
    expect(items).toContain("Why: dev/db/terragrunt.hcl");
    expect(items).toContain("Failed: Error: Resource precondition failed (exit 1)");
    expect(items).toContain("Skipped: dev/db did not succeed");
    expect(items).toContain('to add: terraform_data.x["dev/app"]');
    expect(items).toContain("to destroy: terraform_data.old");
    const errorBlock = elements(dom, "code").find((code) => attribute(code, "class") === "language-text")!;
    expect(textOf(errorBlock)).toContain("This unit is broken on purpose.");
    const links = elements(dom, "a").map((a) => attribute(a, "href"));
    expect(links).toContain("https://github.com/acme/infrastructure-pipelines/actions/runs/42");
  });

  it("shows names of any kind as text: nothing in a unit, branch, address or error can add HTML or break the structure", () => {
    const hostile = [
      "dev/<img src=x onerror=alert(1)>",
      "dev/a`b``c",
      "dev/a|b|c",
      "dev/]]>",
      "dev/</details></summary><script>alert(1)</script>",
      "dev/*x*_y_[l](http://e.vil)",
      "dev/@octocat www.e.vil https://e.vil #1",
    ];
    const attackJob = job("plan-dev", hostile, [], "plan", "feature/<img src=y onerror=alert(2)>|`");
    const units = hostile.map((name) =>
      unit(name, "succeeded", {
        error: null,
        output: `${planOutput(name, [`terraform_data.x["</details><img src=z>"]`])}\`\`\`\`\n</details>\n<script>alert(3)</script>\n`,
        plan: {
          add: 1,
          change: 0,
          destroy: 0,
          import: 0,
          addresses: {
            create: [`terraform_data.x["</code><img src=w>|"]`],
            update: [],
            delete: [],
            replace: [],
            import: [],
          },
          outputChanges: false,
        },
      }),
    );
    units.push(
      unit("dev/failing", "failed", {
        error: "Error: </details><img src=v onerror=alert(4)>\n```\n|",
        reason: "Error: <b>bold</b> | `tick`",
      }),
    );
    attackJob.units.push("dev/failing");
    const markdown = renderMarkdownReport(
      buildRunReport({
        plan: plan([attackJob], { branch: attackJob.source.branch }),
        results: [result(attackJob, units)],
      }),
    );
    const { document: dom } = renderComment(markdown);
    const tags = tagNames(dom);
    expect(tags.has("img")).toBe(false);
    expect(tags.has("script")).toBe(false);
    expect(tags.has("b")).toBe(false);
    expect(tags.has("em")).toBe(false);
    expect(tags.has("a")).toBe(false); // no link from a name
    // Every unit keeps its own row, its name shown exactly, and its own block holding its plan.
    const rows = tableRows(dom);
    expect(rows.map((row) => row[1])).toEqual([...hostile, "dev/failing"]);
    expect(rows.every((row) => row.length === 9)).toBe(true);
    const blocks = detailsBlocks(dom).filter((block) => block.summary.startsWith("Plan of "));
    expect(blocks.map((block) => block.summary)).toEqual(hostile.map((name) => `Plan of ${name}`));
    hostile.forEach((name, index) => expect(blocks[index]!.code).toContain(`input  = "${name}"`));
    expect(blocks[0]!.code).toContain("</details>\n<script>alert(3)</script>");
    expect(textOf(dom)).toContain("feature/<img src=y onerror=alert(2)>|`");
  });

  it("masks secrets before escaping, in outputs, errors and names", () => {
    const secret = "p@ss:w0rd|<x>";
    const j = job("plan-x", ["dev/x"]);
    const markdown = renderMarkdownReport(
      buildRunReport({ results: [result(j, [unit("dev/x", "succeeded", { output: `token = "${secret}"\n` })])] }),
      { masker: new SecretMasker([secret]) },
    );
    expect(textOf(renderComment(markdown).document)).not.toContain(secret);
    expect(markdown).toContain('token = "***"');
  });

  it("fits GitHub's limit with a fair share per unit, saying where the full output is", () => {
    const j = job(
      "plan-huge",
      Array.from({ length: 40 }, (_, i) => `dev/unit-${i}`),
    );
    const units = j.units.map((name, i) =>
      unit(name, "succeeded", {
        output: i === 0 ? "short plan\n" : `HEAD-${i}\n${"  + resource line\n".repeat(20_000)}TAIL-${i}\n`,
      }),
    );
    const markdown = renderMarkdownReport(
      buildRunReport({
        plan: plan([j]),
        results: [result(j, units, { logsUrl: "https://github.com/acme/pipes/actions/runs/7" })],
      }),
    );
    expect(markdown.length).toBeLessThanOrEqual(GITHUB_COMMENT_LIMIT);
    const { document: dom } = renderComment(markdown);
    const blocks = detailsBlocks(dom);
    expect(blocks).toHaveLength(41); // 40 plans and the graph
    expect(blocks[0]!.code).toBe("short plan\n");
    for (let i = 1; i < 40; i++) {
      expect(blocks[i]!.code).toContain(`HEAD-${i}`);
      expect(blocks[i]!.code).toContain(`TAIL-${i}`);
      expect(blocks[i]!.code).toContain("characters truncated");
    }
    // Shares are fair: every cut plan got about the same room.
    const sizes = blocks.slice(1, 40).map((block) => block.code.length);
    expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThan(50);
    expect(
      count(
        markdown,
        "_Cut to fit GitHub's limit; the full text is in [the logs](https://github.com/acme/pipes/actions/runs/7)._",
      ),
    ).toBe(39);
    expect(count(markdown, "<details>")).toBe(count(markdown, "</details>"));
  });

  it("shares room by water-filling: short blocks keep everything, long ones share the rest", () => {
    expect(
      fairShares(
        new Map([
          ["a", 10],
          ["b", 1000],
          ["c", 1000],
        ]),
        610,
      ),
    ).toEqual(
      new Map([
        ["a", 10],
        ["b", 300],
        ["c", 300],
      ]),
    );
  });

  it("fits even when a row per unit exceeds the limit, and says it was cut", () => {
    const j = job(
      "apply-everything",
      Array.from({ length: 3000 }, (_, i) => `prod/us-east-1/prod/service-number-${i}`),
      [],
      "apply",
    );
    const units = j.units.map((name) => unit(name, "succeeded", { logPath: null, output: null }));
    const markdown = renderMarkdownReport(
      buildRunReport({ results: [result(j, units)], logs: "https://github.com/acme/x/actions/runs/1" }),
    );
    expect(markdown.length).toBeLessThanOrEqual(GITHUB_COMMENT_LIMIT);
    expect(markdown.startsWith("## Gantry apply for <code>aaaaaaa</code>")).toBe(true);
    expect(markdown).toMatch(
      /report cut \(\d+ characters left out to fit GitHub's limit\); full logs: \[the run\]\(https:\/\/github\.com\/acme\/x\/actions\/runs\/1\)/,
    );
  });

  it("reports an apply by what it applied, and a unit that may be partially applied", () => {
    const j = job("apply-dev", ["dev/app", "dev/db"], [], "apply");
    const applied = unit("dev/app", "succeeded", {
      applied: { import: 1, add: 2, change: 0, destroy: 1, forget: 0 },
      output: "Apply complete! Resources: 1 imported, 2 added, 0 changed, 1 destroyed.\n",
    });
    const partial = unit("dev/db", "failed", {
      mayBePartiallyApplied: true,
      reason: "apply was killed (killed): it may be partially applied: re-run the job",
    });
    const markdown = renderMarkdownReport(buildRunReport({ results: [result(j, [applied, partial])] }));
    const { document: dom } = renderComment(markdown);
    expect(tableRows(dom)).toEqual([
      ["✅", "dev/app", "apply", "2", "0", "1 ⚠️", "1", "succeeded", "1.5 s"],
      ["❌", "dev/db", "apply", "–", "–", "–", "–", "failed: may be partially applied", "1.5 s"],
    ]);
    expect(elements(dom, "li").map((li) => textOf(li))).toContain(
      "Applied: 1 imported, 2 added, 0 changed, 1 destroyed. · 1.5 s",
    );
    expect(textOf(elements(dom, "blockquote")[0]!)).toContain(
      "dev/db: may be partially applied: apply was killed (killed)",
    );
    expect(detailsBlocks(dom).find((block) => block.summary === "Output of the apply of dev/app")).toBeDefined();
  });

  it("says when nothing changed, and when the pipeline failed before any job", () => {
    const none = renderComment(
      renderMarkdownReport({
        event: "push",
        base: sha("b"),
        head: sha("a"),
        jobs: [],
        interrupted: false,
        notice: "push to <feature> is not the deploy branch",
      }),
    );
    expect(textOf(none.document)).toContain("ℹ️ No infrastructure changes. push to <feature> is not the deploy branch");
    const failed = renderMarkdownReport({
      event: "pull_request",
      base: sha("b"),
      head: sha("a"),
      jobs: [],
      interrupted: false,
      error: {
        code: "CONFIG_INVALID",
        message: "bad key",
        hint: "fix it",
        location: { file: ".gantry/config.yml", line: 3 },
      },
    });
    expect(textOf(renderComment(failed).document)).toContain(
      "❌ The pipeline failed before running any job: CONFIG_INVALID (.gantry/config.yml:3) bad key\nHint: fix it",
    );
  });

  it("draws the job graph with escaped labels", () => {
    const graph = renderJobGraph([
      { job: job("a", ["x"]), status: "succeeded", result: null },
      { job: job("b", ["y", "z"], ["a"]), status: "failed", result: null },
    ]);
    expect(graph.split("\n").slice(0, 4)).toEqual([
      "flowchart LR",
      '  j0["a<br/>plan · x"]:::ok',
      '  j1["b<br/>plan · 2 units"]:::failed',
      "  j0 --> j1",
    ]);
  });

  it("appends to the GitHub step summary only when GITHUB_STEP_SUMMARY is set", () => {
    const file = join(dir, "summary.md");
    appendFileSync(file, "earlier step\n");
    expect(appendStepSummary("## report", { GITHUB_STEP_SUMMARY: file })).toBe(file);
    expect(readFileSync(file, "utf8")).toBe("earlier step\n## report\n");
    expect(appendStepSummary("## report", {})).toBeNull();
  });
});

describe("the report model", () => {
  it("is a gantry/v1 RunReport document for --json, masked", () => {
    const j = job("plan-dev", ["dev/app"]);
    const document = runReportDocument(
      buildRunReport({
        plan: plan([j]),
        results: [result(j, [unit("dev/app", "succeeded", { output: "secret-value-1234\n" })])],
      }),
      { masker: new SecretMasker(["secret-value-1234"]) },
    );
    expect(runReportDocumentSchema.parse(document).jobs[0]!.result!.units[0]!.output).toBe("***\n");
  });
});

describe("annotations", () => {
  it("put each failed unit at its error's file and line, escaped so nothing can start another command", () => {
    const j = job("plan-dev", ["dev/db", "dev/x,y:z"]);
    const failed = unit("dev/db", "failed", {
      diagnostics: [
        {
          severity: "error",
          summary: "Resource precondition failed\n::set-output name=x::y",
          file: "modules/db/main.tf",
          line: 9,
        },
      ],
    });
    const other = unit("dev/x,y:z", "failed", { reason: "100% broken\r\n::add-mask::z" });
    const lines = renderAnnotations(buildRunReport({ results: [result(j, [failed, other])] }));
    expect(lines).toEqual([
      "::error file=modules/db/main.tf,line=9,title=Gantry plan of dev/db failed::Resource precondition failed%0A::set-output name=x::y",
      "::error file=dev/x%2Cy%3Az/terragrunt.hcl,title=Gantry plan of dev/x%2Cy%3Az failed::100%25 broken%0D%0A::add-mask::z",
    ]);
    expect(lines.every((line) => !line.includes("\n"))).toBe(true);
  });

  it("put a pipeline error at the configuration file and line", () => {
    const lines = renderAnnotations({
      event: "pull_request",
      base: "",
      head: sha("a"),
      jobs: [],
      interrupted: false,
      error: { code: "CONFIG_INVALID", message: "unknown key", location: { file: ".gantry/config.yml", line: 4 } },
    });
    expect(lines).toEqual(["::error file=.gantry/config.yml,line=4,title=Gantry%3A CONFIG_INVALID::unknown key"]);
  });
});

describe("text report", () => {
  it("lists jobs and units with a failed unit's error", () => {
    const j = job("plan-dev", ["dev/app", "dev/db"]);
    const text = renderTextReport(
      buildRunReport({ results: [result(j, [unit("dev/app", "succeeded"), unit("dev/db", "failed")])] }),
    );
    expect(text).toContain("✘ job plan-dev (plan, dev): failed");
    expect(text).toContain("    ✔ dev/app  Plan: 1 to add, 0 to change, 1 to destroy. (1.5s)");
    expect(text).toContain("        | This unit is broken on purpose.");
    expect(text).toContain("Failed: units 1 succeeded, 1 failed, 0 skipped, 0 not started.");
  });
});

describe("units and jobs that did not run, and why (a push run from the deployment record)", () => {
  const apply = job("apply-dev", ["dev/app"], [], "apply", "main");
  // A merge landed while the run went: the guards refused this job (its unit changed on main), and the job
  // after it was skipped only because of that refusal.
  const refused = job("apply-dev-db", ["dev/db"], [], "apply", "main");
  const after = job("apply-dev-consumer", ["dev/consumer"], ["apply-dev-db"], "apply", "main");
  const refusal = {
    code: "GUARD_UNIT_SUPERSEDED",
    message: "guard no-rollback refused the job: dev/db changed on main since aaaaaaa",
    hint: "the run of the newer merge applies it",
    exitCode: 53,
  };
  const pushPlan = plan([apply, refused, after], {
    event: "push",
    branch: "main",
    skippedUnits: [
      { unit: "dev/cache", reason: "up-to-date", deployedAt: sha("c") },
      { unit: "dev/queue", reason: "superseded", deployedAt: sha("d") },
    ],
    excludedUnits: [
      { unit: "dev/batch", from: "dev/batch/terragrunt.hcl:4" },
      { unit: "dev/batch-db", from: "dev/batch/terragrunt.hcl:4", dependencyOf: "dev/batch" },
    ],
  });
  const results = [
    result(apply, [unit("dev/app", "succeeded")]),
    result(refused, [unit("dev/db", "not-started", { reason: "refused before running", logPath: null })], {
      status: "failed",
      error: refusal,
    }),
  ];
  const report = buildRunReport({ plan: pushPlan, results, supersededByNewerMerges: true });

  it("reports the refused job and the one skipped only because of it as superseded, and the run as succeeded", () => {
    expect(report.jobs.map((entry) => [entry.job.id, entry.status])).toEqual([
      ["apply-dev", "succeeded"],
      ["apply-dev-db", "superseded"],
      ["apply-dev-consumer", "superseded"],
    ]);
    expect(renderAnnotations(report)).toEqual([]);
    const markdown = renderMarkdownReport(report);
    const { document } = renderComment(markdown);
    expect(textOf(document)).toContain("Every job succeeded or was superseded");
    expect(tableRows(document).map((row) => [row[1], row[7]])).toEqual([
      ["dev/app", "succeeded"],
      ["dev/db", "superseded"],
      ["dev/consumer", "superseded"],
    ]);
    expect(textOf(document)).toContain("Superseded: a merge that landed during this run changed its units");
    expect(renderTextReport(report)).toContain(
      "Succeeded: units 1 succeeded, 0 failed, 0 skipped, 0 not started, 2 superseded.",
    );
  });

  it("lists the units the plan left out in a collapsed list, with the reason and the commit each is deployed as of", () => {
    const { document } = renderComment(renderMarkdownReport(report));
    const notRun = elements(document, "details").find((details) =>
      textOf(elements(details, "summary")[0]!).includes("not run"),
    )!;
    expect(textOf(elements(notRun, "summary")[0]!)).toBe("4 units not run: 1 up to date, 1 superseded, 2 excluded");
    expect(elements(notRun, "li").map((item) => textOf(item))).toEqual([
      "dev/cache: up to date, deployed as of ccccccc (nothing it reads changed since)",
      "dev/queue: superseded, deployed as of ddddddd: newer than this run's head, so running it here would roll it back",
      "dev/batch: excluded by its exclude block at dev/batch/terragrunt.hcl:4",
      "dev/batch-db: excluded as a dependency of dev/batch (exclude_dependencies in its exclude block at dev/batch/terragrunt.hcl:4)",
    ]);
    const text = renderTextReport(report);
    expect(text).toContain(
      "Not run (4): dev/cache (up-to-date, deployed as of ccccccc), dev/queue (superseded, deployed as of ddddddd), dev/batch (excluded, dev/batch/terragrunt.hcl:4)",
    );
  });

  it("carries both in the RunReport document, and the step summary is the comment", () => {
    const document = runReportDocumentSchema.parse(JSON.parse(JSON.stringify(runReportDocument(report))));
    expect(document.jobs.map((entry) => entry.status)).toEqual(["succeeded", "superseded", "superseded"]);
    expect(document.unitsNotRun).toEqual([
      { unit: "dev/cache", reason: "up-to-date", deployedAt: sha("c"), from: null, dependencyOf: null },
      { unit: "dev/queue", reason: "superseded", deployedAt: sha("d"), from: null, dependencyOf: null },
      {
        unit: "dev/batch",
        reason: "excluded",
        deployedAt: null,
        from: "dev/batch/terragrunt.hcl:4",
        dependencyOf: null,
      },
      {
        unit: "dev/batch-db",
        reason: "excluded",
        deployedAt: null,
        from: "dev/batch/terragrunt.hcl:4",
        dependencyOf: "dev/batch",
      },
    ]);
    const summary = join(dir, "summary-not-run.md");
    appendStepSummary(renderMarkdownReport(report), { GITHUB_STEP_SUMMARY: summary });
    expect(readFileSync(summary, "utf8")).toContain("4 units not run: 1 up to date, 1 superseded, 2 excluded");
  });

  it("keeps a refusal a failure when the results came from elsewhere (it may be a replayed job)", () => {
    const elsewhere = buildRunReport({ plan: pushPlan, results });
    expect(elsewhere.jobs.map((entry) => entry.status)).toEqual(["succeeded", "failed", "skipped"]);
    expect(renderAnnotations(elsewhere)).toHaveLength(1);
  });

  it("says there is nothing to run when every affected unit is already deployed, and names at most 30 of thousands", () => {
    const skippedUnits = Array.from({ length: 10_000 }, (_, index) => ({
      unit: `dev/unit-${index}`,
      reason: "up-to-date" as const,
      deployedAt: sha("c"),
    }));
    const nothing = buildRunReport({ plan: plan([], { event: "push", branch: "main", skippedUnits }), results: [] });
    const markdown = renderMarkdownReport(nothing);
    expect(markdown.length).toBeLessThanOrEqual(GITHUB_COMMENT_LIMIT);
    const { document } = renderComment(markdown);
    expect(textOf(document)).toContain(
      "Nothing to run: every unit the change affects is already deployed or excluded (below).",
    );
    const items = elements(document, "li").map((item) => textOf(item));
    expect(items).toHaveLength(31);
    expect(items.at(-1)).toMatch(/^… and 9970 more/);
    expect(renderTextReport(nothing)).toContain("Nothing to run.");
    expect(renderTextReport(nothing)).toContain(", and 9950 more (--json lists them all)");
  });
});
