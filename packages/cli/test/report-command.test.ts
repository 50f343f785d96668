import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startGitHubEmulator, type GitHubTokenSpec } from "@gantry/testkit";
import { planDocumentSchema } from "@gantry/classifier";
import { executeDryRun, gantry, pullRequestFixture, pushPlanFixture, readJson } from "./report-fixtures.js";

const tokens = {
  infraLive: "github_pat_11infralive_00000000000000000000",
  dispatch: "github_pat_11dispatch_0000000000000000000000",
  codeRead: "github_pat_11coderead_0000000000000000000000",
  infraLiveIssues: "github_pat_11infraliveissues_0000000000000",
};
// Exactly the least rights of `TOKEN_SETTINGS` (@gantry/guards): pull_requests: write for the report comment.
const tokenSpecs: GitHubTokenSpec[] = [
  {
    token: tokens.infraLive,
    label: "infra-live-write",
    kind: "fine-grained",
    repositories: ["acme/infrastructure-live"],
    permissions: { pull_requests: "write" },
  },
  {
    token: tokens.dispatch,
    label: "dispatch",
    kind: "fine-grained",
    repositories: ["acme/infrastructure-pipelines"],
    permissions: { actions: "write" },
  },
  {
    token: tokens.codeRead,
    label: "code-read",
    kind: "fine-grained",
    repositories: ["acme/infrastructure-live"],
    permissions: { contents: "read" },
  },
  // For --open-issue-on-failure: the report token's rights plus issues: write.
  {
    token: tokens.infraLiveIssues,
    label: "infra-live-write+issues",
    kind: "fine-grained",
    repositories: ["acme/infrastructure-live"],
    permissions: { pull_requests: "write", issues: "write" },
  },
];

/** The GitHub emulator holding infrastructure-live's open pull request #7 at the fixture's head. */
const pullRequest7Emulator = () =>
  startGitHubEmulator({
    tokens: tokenSpecs,
    repositories: [
      { owner: "acme", name: "infrastructure-live", pullRequests: [{ number: 7, headSha: fixture.head }] },
    ],
  });
/** What a report step that publishes to infrastructure-live sees, with the report token. */
const publishEnv = (url: string) => ({
  GITHUB_API_URL: url,
  GITHUB_REPOSITORY: "acme/infrastructure-live",
  GANTRY_INFRA_LIVE_TOKEN: tokens.infraLive,
});

let fixture: Awaited<ReturnType<typeof pullRequestFixture>>;
/** `gantry report --plan <the fixture's plan> …`, run in the fixture's work directory. */
const reportOfPlan = (env: NodeJS.ProcessEnv, ...argv: string[]) =>
  gantry(fixture.work, env, "report", "--plan", fixture.planFile, ...argv);
let planJobId: string;
let destroyJobId: string;
let planResult: string;
let destroyResult: string;
let failedPlanResult: string;

beforeAll(async () => {
  fixture = await pullRequestFixture();
  planJobId = fixture.plan.jobs.find((job) => job.action === "plan")!.id;
  destroyJobId = fixture.plan.jobs.find((job) => job.action === "plan-destroy")!.id;
  // The fixture's premise: the destroy plan needs the plan job.
  expect(fixture.plan.jobs.find((job) => job.id === destroyJobId)!.needs).toEqual([planJobId]);
  const plan = await executeDryRun(fixture.repo.dir, fixture.work, fixture.plan, planJobId);
  const destroy = await executeDryRun(fixture.repo.dir, fixture.work, fixture.plan, destroyJobId);
  expect([plan.exitCode, destroy.exitCode]).toEqual([0, 0]);
  planResult = plan.file;
  destroyResult = destroy.file;
  // The same job on a runner without terragrunt: a real failed result.
  const failing = await executeDryRun(fixture.repo.dir, fixture.work, fixture.plan, planJobId, {
    withTools: false,
    name: "failed-plan",
  });
  expect(failing.exitCode).toBe(31);
  failedPlanResult = failing.file;
});
afterAll(async () => {
  await fixture?.repo[Symbol.asyncDispose]();
});

describe("gantry report", () => {
  it("rolls up every job's result into one markdown report, appends it to the step summary, and exits 0 when all succeeded", async () => {
    const summary = join(fixture.work, "summary-ok.md");
    writeFileSync(summary, "earlier step\n");
    const env = {
      GITHUB_STEP_SUMMARY: summary,
      GITHUB_SERVER_URL: "https://github.com",
      GITHUB_REPOSITORY: "acme/infrastructure-live",
      GITHUB_RUN_ID: "77",
    };
    const run = await reportOfPlan(env, "--results", planResult, destroyResult);
    expect(run.stderr).toBe("");
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toMatch(
      new RegExp(
        `^## Gantry plan for <code>${fixture.head.slice(0, 7)}</code>\n\n✅ \\*\\*All jobs succeeded\\*\\*: 2 jobs \\(2 succeeded\\), 2 units \\(2 not started\\)\\.`,
      ),
    );
    expect(run.stdout).toContain(`### ✅ Plan <code>${planJobId}</code>`);
    expect(run.stdout).toContain(`### ✅ Plan (destroy) <code>${destroyJobId}</code>`);
    expect(run.stdout).toContain("Full logs: [the run](https://github.com/acme/infrastructure-live/actions/runs/77)");
    expect(readFileSync(summary, "utf8")).toBe(`earlier step\n${run.stdout}`);
  });

  it("reports a job without a result as skipped when a job it needs failed, and exits nonzero", async () => {
    const output = join(fixture.work, "report.txt");
    const run = await reportOfPlan({}, "--results", failedPlanResult, "--format", "text", "--output", output);
    expect(run.exitCode).toBe(30);
    expect(run.stdout).toBe("");
    const text = readFileSync(output, "utf8");
    expect(text).toContain("EXEC_TOOL_NOT_FOUND");
    expect(text).toMatch(new RegExp(`job ${destroyJobId} \\(plan-destroy, default\\): skipped`));
    expect(text).toContain(`job ${planJobId} did not succeed`);
    // --json: the same roll-up as a gantry/v1 RunReport document, as `--format json` prints it.
    const json = await reportOfPlan({}, "--results", failedPlanResult, "--json");
    expect(json.exitCode).toBe(30);
    expect(json.stdout).toBe((await reportOfPlan({}, "--results", failedPlanResult, "--format", "json")).stdout);
    expect(JSON.parse(json.stdout)).toMatchObject({ apiVersion: "gantry/v1", kind: "RunReport" });
  });

  it("reports a job with no result and no failed need as not started (results found in a directory)", async () => {
    const run = await reportOfPlan({}, "--results", join(fixture.work, "runs-none"), planResult);
    expect(run.exitCode).toBe(20); // the directory does not exist: named, not ignored
    expect(run.stderr).toContain("runs-none");
    // As actions/download-artifact lays results out: one directory per artifact.
    const collected = join(fixture.work, "collected");
    mkdirSync(join(collected, `gantry-result-${planJobId}`), { recursive: true });
    copyFileSync(planResult, join(collected, `gantry-result-${planJobId}`, "result.json"));
    writeFileSync(join(collected, "notes.txt"), "not a result");
    const partial = await reportOfPlan({}, "--results", "collected");
    expect(partial.exitCode).toBe(30);
    expect(partial.stdout).toContain("2 jobs (1 succeeded, 1 not started)");
    expect(partial.stdout).toContain("no result: the job did not run, or its result was not collected");
  });

  it("says when no infrastructure changed (a plan with no jobs) and exits 0", async () => {
    const empty = {
      ...fixture.plan,
      jobs: [],
      changes: [],
      notice: "push to 'feature', which is not the deploy branch 'main': nothing is planned",
    };
    const file = join(fixture.work, "empty-plan.json");
    writeFileSync(file, JSON.stringify(empty));
    const run = await gantry(fixture.work, {}, "report", "--plan", file);
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toContain("ℹ️ **No infrastructure changes.** push to 'feature'");
  });

  it("refuses invalid documents, naming the file and the field", async () => {
    const badPlan = join(fixture.work, "bad-plan.json");
    writeFileSync(badPlan, JSON.stringify({ ...fixture.plan, apiVersion: "gantry/v0" }));
    const plan = await gantry(fixture.work, {}, "report", "--plan", badPlan, "--results", planResult);
    expect(plan.exitCode).toBe(20);
    expect(plan.stderr).toContain("REPORT_PLAN_INVALID");
    expect(plan.stderr).toContain('field "apiVersion"');
    expect(plan.stderr).toContain("bad-plan.json");

    const badResult = join(fixture.work, "bad-result.json");
    writeFileSync(badResult, JSON.stringify({ ...(readJson(planResult) as object), status: "done" }));
    const result = await reportOfPlan({}, "--results", badResult);
    expect(result.exitCode).toBe(20);
    expect(result.stderr).toContain("REPORT_RESULT_INVALID");
    expect(result.stderr).toContain('field "status"');

    const notJson = join(fixture.work, "not-json.json");
    writeFileSync(notJson, "{");
    const notJsonResult = await reportOfPlan({}, "--results", notJson);
    expect(notJsonResult.stderr).toContain("REPORT_RESULT_INVALID");
    expect(notJsonResult.stderr).toContain("not-json.json:1:2: the JobResult is not JSON");

    const otherJob = join(fixture.work, "other-job.json");
    const document = readJson(planResult) as { job: { id: string; ref: string } };
    writeFileSync(otherJob, JSON.stringify({ ...document, job: { ...document.job, id: "plan-elsewhere" } }));
    const unknown = await reportOfPlan({}, "--results", otherJob);
    expect(unknown.stderr).toContain("REPORT_RESULT_NOT_IN_PLAN");
    const staleRef = join(fixture.work, "stale-ref.json");
    writeFileSync(staleRef, JSON.stringify({ ...document, job: { ...document.job, ref: fixture.base } }));
    const stale = await reportOfPlan({}, "--results", staleRef);
    expect(stale.stderr).toContain("REPORT_RESULT_MISMATCH");
    const duplicate = await reportOfPlan({}, "--results", planResult, "--results", failedPlanResult);
    expect(duplicate.stderr).toContain("REPORT_DUPLICATE_RESULT");

    expect((await gantry(fixture.work, {}, "report", "--results", planResult)).exitCode).toBe(2);
    expect((await reportOfPlan({}, "--format", "html")).exitCode).toBe(2);
  });

  it("publishes the report to the pull request with GANTRY_INFRA_LIVE_TOKEN only, and updates it in place", async () => {
    await using github = await pullRequest7Emulator();
    const env = {
      ...publishEnv(github.url),
      GANTRY_DISPATCH_TOKEN: tokens.dispatch,
      GANTRY_CODE_READ_TOKEN: tokens.codeRead,
    };
    const first = await reportOfPlan(env, "--results", failedPlanResult, "--publish-pr", "7");
    expect(first.exitCode).toBe(30);
    expect(first.stderr).toMatch(/created the report comment on acme\/infrastructure-live#7: /);
    const second = await reportOfPlan(
      env,
      "--results",
      planResult,
      destroyResult,
      "--publish-pr",
      "7",
      "--repository",
      "acme/infrastructure-live",
    );
    expect(second.exitCode).toBe(0);
    expect(second.stderr).toMatch(/updated the report comment/);

    const comments = github.comments("acme", "infrastructure-live", 7);
    expect(comments).toHaveLength(1);
    expect(comments[0]!.body.startsWith(`<!-- gantry:report sha=${fixture.head} -->\n## Gantry plan`)).toBe(true);
    expect(comments[0]!.body).toContain(second.stdout.trim());
    expect(github.violations).toEqual([]);
    expect(new Set(github.requests.map((request) => request.tokenLabel))).toEqual(new Set(["infra-live-write"]));
    for (const run of [first, second]) expect(run.stdout + run.stderr).not.toContain("github_pat_");
  });

  it("publishes a push's apply report on the pull request whose merge made the pushed commit, leaving its plan report alone", async () => {
    // The pull request's change pushed to main (a fast-forward merge): the push plan applies and destroys.
    const { planned, file: pushPlan } = await pushPlanFixture(fixture, "push-plan.json");
    expect(planned.exitCode).toBe(0);
    expect((readJson(pushPlan) as { jobs: Array<{ action: string }> }).jobs.map((job) => job.action).sort()).toEqual([
      "apply",
      "destroy",
    ]);
    await using github = await startGitHubEmulator({
      tokens: tokenSpecs,
      repositories: [
        {
          owner: "acme",
          name: "infrastructure-live",
          pullRequests: [
            { number: 7, headSha: fixture.head, state: "closed", merged: true },
            { number: 9, headSha: fixture.head },
          ],
        },
      ],
    });
    github.addComment(
      "acme",
      "infrastructure-live",
      7,
      `<!-- gantry:report sha=${fixture.head} -->\n## Gantry plan`,
      "gantry-ci",
    );
    const env = publishEnv(github.url);
    // No job has run yet (the roll-up before the matrix finished): published, and the exit code says so.
    const first = await gantry(fixture.work, env, "report", "--plan", pushPlan, "--publish-merged-pr");
    expect(first.exitCode).toBe(30);
    expect(first.stderr).toMatch(/created the apply report comment on acme\/infrastructure-live#7: /);
    const again = await gantry(fixture.work, env, "report", "--plan", pushPlan, "--publish-merged-pr");
    expect(again.stderr).toMatch(/unchanged the apply report comment on acme\/infrastructure-live#7/);

    const [planReport, applyReport, ...rest] = github.comments("acme", "infrastructure-live", 7);
    expect(rest).toEqual([]);
    expect(planReport!.body).toBe(`<!-- gantry:report sha=${fixture.head} -->\n## Gantry plan`);
    expect(applyReport!.body.startsWith(`<!-- gantry:apply-report sha=${fixture.head} -->\n`)).toBe(true);
    expect(applyReport!.body).toContain(first.stdout.trim());
    expect(github.comments("acme", "infrastructure-live", 9)).toEqual([]);
    expect(github.issues("acme", "infrastructure-live")).toEqual([]);

    // A job that failed (here refused by its guards: main does not hold the change): with
    // --open-issue-on-failure, an issue assigned to whoever merged, besides the comment.
    const pushDocument = planDocumentSchema.parse(readJson(pushPlan));
    const apply = pushDocument.jobs.find((job) => job.action === "apply")!;
    const failedApply = await executeDryRun(fixture.repo.dir, fixture.work, pushDocument, apply.id, {
      name: "failed-apply",
    });
    expect(failedApply.exitCode).not.toBe(0);
    const withIssue = await gantry(
      fixture.work,
      { ...env, GANTRY_INFRA_LIVE_TOKEN: tokens.infraLiveIssues },
      "report",
      "--plan",
      pushPlan,
      "--results",
      failedApply.file,
      "--publish-merged-pr",
      "--open-issue-on-failure",
    );
    expect(withIssue.exitCode).toBe(30);
    expect(withIssue.stderr).toMatch(
      /created the failed-apply issue acme\/infrastructure-live#10 \(assigned to @acme\)/,
    );
    const [issue, ...others] = github.issues("acme", "infrastructure-live");
    expect(others).toEqual([]);
    expect(issue).toMatchObject({ number: 10, state: "open", assignees: ["acme"] });
    expect(issue!.body).toContain(`<!-- gantry:apply-failure sha=${fixture.head} -->`);
    expect(issue!.body).toContain(withIssue.stdout.trim().split("\n")[0]!);
    expect(github.violations).toEqual([]);
    expect((await gantry(fixture.work, env, "report", "--plan", pushPlan, "--open-issue-on-failure")).stderr).toContain(
      "--open-issue-on-failure goes with --publish-merged-pr",
    );
  });

  it("does not publish a push that no pull request made, and refuses --publish-merged-pr for a pull request's plan", async () => {
    await using github = await pullRequest7Emulator();
    const env = publishEnv(github.url);
    const { file: pushPlan } = await pushPlanFixture(fixture, "direct-push-plan.json");
    const direct = await gantry(fixture.work, env, "report", "--plan", pushPlan, "--publish-merged-pr");
    expect(direct.exitCode).toBe(30);
    expect(direct.stderr).toContain(
      `no pull request merged into main of acme/infrastructure-live made ${fixture.head.slice(0, 12)}`,
    );
    expect(github.comments("acme", "infrastructure-live", 7)).toEqual([]);

    const wrongEvent = await reportOfPlan(env, "--publish-merged-pr");
    expect(wrongEvent.exitCode).toBe(2);
    expect(wrongEvent.stderr).toContain("the plan is for a pull_request event");
    const both = await gantry(
      fixture.work,
      env,
      "report",
      "--plan",
      pushPlan,
      "--publish-merged-pr",
      "--publish-pr",
      "7",
    );
    expect(both.exitCode).toBe(2);
    expect(both.stderr).toContain("cannot be combined");
    expect(github.violations).toEqual([]);
  });

  it("reports a run that failed before planning (GANTRY_ERROR_FILE) as the pull request's report, replaced in place by the next good run", async () => {
    await using github = await pullRequest7Emulator();
    const env = publishEnv(github.url);
    const errorFile = join(fixture.work, "plan-error.json");
    // A real failure of `gantry plan`: an unknown ref.
    const failed = await gantry(
      fixture.repo.dir,
      { GANTRY_ERROR_FILE: errorFile },
      "plan",
      "--base",
      fixture.base,
      "--head",
      "no-such-branch",
      "--event",
      "pull_request",
      "--json",
    );
    expect(failed.exitCode).not.toBe(0);
    expect(readJson(errorFile)).toMatchObject({
      apiVersion: "gantry/v1",
      kind: "Error",
      command: "plan",
      exitCode: failed.exitCode,
    });

    const run = await gantry(
      fixture.work,
      env,
      "report",
      "--error",
      errorFile,
      "--head",
      fixture.head,
      "--publish-pr",
      "7",
    );
    expect(run.exitCode).toBe(30);
    expect(run.stdout).toContain("The pipeline failed before running any job");
    expect(run.stdout).toContain("gantry plan failed");
    expect(run.stdout).toContain("no-such-branch");
    const good = await reportOfPlan(env, "--results", planResult, destroyResult, "--publish-pr", "7");
    expect(good.stderr).toMatch(/updated the report comment/);
    const comments = github.comments("acme", "infrastructure-live", 7);
    expect(comments).toHaveLength(1);
    expect(comments[0]!.body).not.toContain("failed before running");
    expect(github.violations).toEqual([]);

    // Bad input: no --head, --plan as well, or a file that is not an Error document.
    expect((await gantry(fixture.work, {}, "report", "--error", errorFile)).stderr).toContain("--error needs --head");
    expect((await gantry(fixture.work, {}, "report", "--error", errorFile, "--plan", fixture.planFile)).exitCode).toBe(
      2,
    );
    expect((await reportOfPlan({}, "--head", fixture.head)).stderr).toContain("--head and --event go with --error");
    const notError = await gantry(fixture.work, {}, "report", "--error", fixture.planFile, "--head", fixture.head);
    expect(notError.exitCode).toBe(20);
    expect(notError.stderr).toMatch(/REPORT_ERROR_INVALID.*not a valid gantry\/v1 Error: field "kind": /);
  });

  it("refuses to publish without GANTRY_INFRA_LIVE_TOKEN, never falling back to another token", async () => {
    await using github = await pullRequest7Emulator();
    const env = {
      GITHUB_API_URL: github.url,
      GITHUB_REPOSITORY: "acme/infrastructure-live",
      GANTRY_DISPATCH_TOKEN: tokens.dispatch,
      GANTRY_CODE_READ_TOKEN: tokens.codeRead,
    };
    const run = await reportOfPlan(env, "--results", planResult, "--publish-pr", "7");
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toContain("REPORT_TOKEN_MISSING");
    expect(run.stderr).toContain("GANTRY_INFRA_LIVE_TOKEN");
    expect(github.requests).toEqual([]);
    // A token without the permission: GitHub's 403 names what is missing.
    const weak = await reportOfPlan(
      { ...env, GANTRY_INFRA_LIVE_TOKEN: tokens.codeRead },
      "--results",
      planResult,
      "--publish-pr",
      "7",
    );
    expect(weak.exitCode).toBe(32);
    expect(weak.stderr).toContain("GANTRY_INFRA_LIVE_TOKEN may not make");
    expect(github.violations).toEqual([]);
  });
});
