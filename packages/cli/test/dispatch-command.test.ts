import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startGitHubEmulator, type GitHubEmulator, type GitHubRunState, type GitHubTokenSpec } from "@gantry/testkit";
import { gantry, pullRequestFixture } from "./report-fixtures.js";

const tokens = {
  dispatch: "github_pat_11dispatch_0000000000000000000000",
  infraLive: "github_pat_11infralive_00000000000000000000",
  codeRead: "github_pat_11coderead_0000000000000000000000",
};
// Exactly the least rights of `TOKEN_SETTINGS` (@gantry/guards): actions: write on the pipelines repository.
const tokenSpecs: GitHubTokenSpec[] = [
  {
    token: tokens.dispatch,
    label: "dispatch",
    kind: "fine-grained",
    repositories: ["acme/infrastructure-pipelines"],
    permissions: { actions: "write" },
  },
  {
    token: tokens.infraLive,
    label: "infra-live-write",
    kind: "fine-grained",
    repositories: ["acme/infrastructure-live"],
    permissions: { pull_requests: "write" },
  },
  {
    token: tokens.codeRead,
    label: "code-read",
    kind: "fine-grained",
    repositories: ["acme/infrastructure-live"],
    permissions: { contents: "read" },
  },
];

function emulator() {
  return splitEmulator({ main: "a".repeat(40), "try-runner": "b".repeat(40) });
}

/**
 * Plays the pipelines repository's workflow: concludes each run with the conclusion given for its job, and
 * records, for each job, which jobs' runs had completed when its run first appeared.
 */
function concludeRuns(github: GitHubEmulator, conclusions: Record<string, GitHubRunState["conclusion"]>) {
  const completedWhenSeen = new Map<string, string[]>();
  // A deployment request (apply workflow) has no job: it is named by its correlation id.
  const jobOf = (inputs: Readonly<Record<string, unknown>>) =>
    inputs.job === undefined ? String(inputs.correlation) : (JSON.parse(String(inputs.job)) as { id: string }).id;
  const timer = setInterval(() => {
    const runs = github.runs("acme", "infrastructure-pipelines");
    for (const run of runs) {
      const job = jobOf(run.inputs);
      if (!completedWhenSeen.has(job))
        completedWhenSeen.set(
          job,
          runs.filter((other) => other.state.status === "completed").map((other) => jobOf(other.inputs)),
        );
      if (run.state.status !== "completed")
        github.setRunState(run.id, { status: "completed", conclusion: conclusions[job] ?? "success" });
    }
  }, 5);
  return { completedWhenSeen, [Symbol.dispose]: () => clearInterval(timer) };
}

let fixture: Awaited<ReturnType<typeof pullRequestFixture>>;
let planJobId: string;
let destroyJobId: string;

beforeAll(async () => {
  fixture = await pullRequestFixture();
  planJobId = fixture.plan.jobs.find((job) => job.action === "plan")!.id;
  destroyJobId = fixture.plan.jobs.find((job) => job.action === "plan-destroy")!.id;
  expect(fixture.plan.jobs.find((job) => job.id === destroyJobId)!.needs).toEqual([planJobId]);
});
afterAll(async () => {
  await fixture?.repo[Symbol.asyncDispose]();
});

/** `gantry dispatch --plan <plan> --repository acme/infrastructure-pipelines`, then the given options. */
const dispatchArgs = (plan: string) => ["dispatch", "--plan", plan, "--repository", "acme/infrastructure-pipelines"];
const args = () => [...dispatchArgs(fixture.planFile), "--plan-workflow", "plan.yml", "--poll-interval", "0.01"];
/** The fixture's plan with its jobs turned into a push's (apply, destroy), written to `<work>/<name>`. */
function writeApplyPlan(name: string): string {
  const file = join(fixture.work, name);
  const jobs = fixture.plan.jobs.map((job) => ({ ...job, action: job.action === "plan" ? "apply" : "destroy" }));
  writeFileSync(file, JSON.stringify({ ...fixture.plan, jobs }));
  return file;
}
const allTokens = (url: string) => ({
  GITHUB_API_URL: url,
  GANTRY_DISPATCH_TOKEN: tokens.dispatch,
  GANTRY_INFRA_LIVE_TOKEN: tokens.infraLive,
  GANTRY_CODE_READ_TOKEN: tokens.codeRead,
});

describe("gantry dispatch", () => {
  it("dispatches each job to main once the jobs it needs succeeded, with the dispatch token only, and exits 0", async () => {
    await using github = await emulator();
    using runner = concludeRuns(github, {});
    const output = join(fixture.work, "outcome.json");
    const run = await gantry(fixture.work, allTokens(github.url), ...args(), "--output", output);
    expect(run.exitCode).toBe(0);
    expect(github.dispatches.map((dispatch) => [JSON.parse(String(dispatch.inputs?.job)).id, dispatch.ref])).toEqual([
      [planJobId, "main"],
      [destroyJobId, "main"],
    ]);
    // The job sent is the plan's job, unchanged.
    expect(JSON.parse(String(github.dispatches[1]!.inputs?.job))).toEqual(
      fixture.plan.jobs.find((job) => job.id === destroyJobId),
    );
    expect(runner.completedWhenSeen.get(destroyJobId)).toEqual([planJobId]);
    expect(run.stdout).toMatch(
      new RegExp(`✅ succeeded +${planJobId} https://github.com/acme/infrastructure-pipelines/actions/runs/\\d+\\n`),
    );
    expect(run.stdout).toContain(
      "2 job(s) on acme/infrastructure-pipelines (plan.yml on main): 2 succeeded, 0 failed, 0 skipped, 0 not started.",
    );
    const outcome = JSON.parse(readFileSync(output, "utf8")) as {
      apiVersion: string;
      kind: string;
      succeeded: boolean;
      jobs: { job: { id: string }; status: string; run: { runId: number } | null }[];
    };
    expect([outcome.apiVersion, outcome.kind, outcome.succeeded]).toEqual(["gantry/v1", "DispatchOutcome", true]);
    expect(outcome.jobs.map((job) => [job.job.id, job.status, typeof job.run?.runId])).toEqual([
      [planJobId, "succeeded", "number"],
      [destroyJobId, "succeeded", "number"],
    ]);
    expect(github.violations).toEqual([]);
    expect(new Set(github.requests.map((request) => request.tokenLabel))).toEqual(new Set(["dispatch"]));
    expect(run.stdout + run.stderr).not.toContain("github_pat_");
  });

  it("does not dispatch the dependents of a job whose run failed: they are reported skipped, and it exits nonzero", async () => {
    await using github = await emulator();
    using _runner = concludeRuns(github, { [planJobId]: "failure" });
    const run = await gantry(fixture.work, allTokens(github.url), ...args());
    expect(run.exitCode).toBe(30);
    expect(github.dispatches).toHaveLength(1);
    expect(run.stdout).toMatch(new RegExp(`❌ failed +${planJobId} \\S+: the run concluded failure`));
    expect(run.stdout).toContain(`⏭️ skipped     ${destroyJobId}: job ${planJobId} did not succeed`);
    expect(run.stdout).toContain("1 failed, 1 skipped");
    expect(github.violations).toEqual([]);
  });

  it("refuses a ref other than main unless --allow-non-main-ref is given, then warns", async () => {
    await using github = await emulator();
    using _runner = concludeRuns(github, {});
    const refused = await gantry(fixture.work, allTokens(github.url), ...args(), "--ref", "try-runner");
    expect(refused.exitCode).toBe(2);
    expect(refused.stderr).toContain("DISPATCH_REF_NOT_TRUSTED");
    expect(github.requests).toEqual([]);
    const allowed = await gantry(
      fixture.work,
      allTokens(github.url),
      ...args(),
      "--ref",
      "try-runner",
      "--allow-non-main-ref",
    );
    expect(allowed.exitCode).toBe(0);
    expect(allowed.stderr).toContain("warning: dispatching to 'try-runner', not main");
    expect(github.dispatches.map((dispatch) => dispatch.ref)).toEqual(["try-runner", "try-runner"]);
    expect(github.violations).toEqual([]);
  });

  it("needs GANTRY_DISPATCH_TOKEN (no fallback), and reports a token without actions: write as the job's failure", async () => {
    await using github = await emulator();
    const missing = await gantry(
      fixture.work,
      { GITHUB_API_URL: github.url, GANTRY_INFRA_LIVE_TOKEN: tokens.infraLive },
      ...args(),
    );
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr).toContain("DISPATCH_TOKEN_MISSING");
    expect(github.requests).toEqual([]);
    const weak = await gantry(
      fixture.work,
      { GITHUB_API_URL: github.url, GANTRY_DISPATCH_TOKEN: tokens.infraLive },
      ...args(),
    );
    expect(weak.exitCode).toBe(30);
    expect(weak.stdout).toMatch(new RegExp(`❌ failed +${planJobId}: GitHub answered 404 .* GANTRY_DISPATCH_TOKEN`));
    expect(weak.stdout).toContain(`⏭️ skipped     ${destroyJobId}`);
    expect(github.dispatches).toHaveLength(0);
    expect(github.violations).toEqual([]);
  });

  it("dispatches nothing for a plan with no jobs, and says no infrastructure changed", async () => {
    await using github = await emulator();
    const empty = join(fixture.work, "empty-plan.json");
    writeFileSync(empty, JSON.stringify({ ...fixture.plan, jobs: [], changes: [] }));
    const run = await gantry(
      fixture.work,
      allTokens(github.url),
      ...dispatchArgs(empty),
      "--plan-workflow",
      "plan.yml",
    );
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toBe("No jobs to dispatch: no infrastructure changed.\n");
    expect(github.requests).toEqual([]);
  });

  it("rejects bad options and plans before any request", async () => {
    await using github = await emulator();
    const env = allTokens(github.url);
    expect(
      (
        await gantry(
          fixture.work,
          env,
          "dispatch",
          "--plan",
          fixture.planFile,
          "--repository",
          "not-a-repo",
          "--plan-workflow",
          "plan.yml",
        )
      ).exitCode,
    ).toBe(2);
    expect((await gantry(fixture.work, env, ...args(), "--timeout", "-1")).exitCode).toBe(2);
    expect((await gantry(fixture.work, env, ...dispatchArgs(fixture.planFile))).exitCode).toBe(2);
    const missingPlan = await gantry(fixture.work, env, ...dispatchArgs("nope.json"), "--plan-workflow", "plan.yml");
    expect(missingPlan.exitCode).toBe(20);
    expect(missingPlan.stderr).toContain("nope.json");
    expect(github.requests).toEqual([]);
  });

  it("routes plan jobs to the plan workflow with correlation ids, and prints the outcome with --json", async () => {
    await using github = await splitEmulator();
    using _runner = concludeRuns(github, {});
    const run = await gantry(
      fixture.work,
      { ...allTokens(github.url), GANTRY_GITHUB_WRITE_INTERVAL_MS: "0" },
      ...splitArgs(),
      "--json",
    );
    expect(run.exitCode).toBe(0);
    expect(
      github.dispatches.map((dispatch) => [dispatch.workflow, JSON.parse(String(dispatch.inputs.job)).id]),
    ).toEqual([
      ["plan.yml", planJobId],
      ["plan.yml", destroyJobId],
    ]);
    const correlations = github.dispatches.map((dispatch) => String(dispatch.inputs.correlation));
    expect(new Set(correlations).size).toBe(2);
    expect(
      github.runs("acme", "infrastructure-pipelines").map((candidate) => candidate.displayTitle.split(" ").pop()),
    ).toEqual(correlations);
    const outcome = JSON.parse(run.stdout) as { kind: string; succeeded: boolean; deployment?: unknown };
    expect(outcome).toMatchObject({ kind: "DispatchOutcome", succeeded: true, deployment: null });
    expect(run.stderr).toContain("2 job(s) on acme/infrastructure-pipelines (plan.yml on main): 2 succeeded");
    expect(github.violations).toEqual([]);
  });

  it("--deploy asks the apply workflow for one deployment and follows it, without a plan", async () => {
    await using github = await splitEmulator();
    using _runner = concludeRuns(github, {});
    const commit = "c".repeat(40);
    const run = await gantry(
      fixture.work,
      { ...allTokens(github.url), GANTRY_GITHUB_WRITE_INTERVAL_MS: "0" },
      "dispatch",
      "--deploy",
      "--commit",
      commit,
      "--repository",
      "acme/infrastructure-pipelines",
      "--apply-workflow",
      "apply.yml",
      "--poll-interval",
      "0.01",
      "--json",
    );
    expect(run.exitCode).toBe(0);
    expect(github.dispatches.map((dispatch) => [dispatch.workflow, dispatch.inputs.commit])).toEqual([
      ["apply.yml", commit],
    ]);
    expect(JSON.parse(run.stdout)).toMatchObject({
      jobs: [],
      succeeded: true,
      deployment: { conclusion: "success", workflow: "apply.yml", supersededRuns: [] },
    });
    expect(run.stderr).toMatch(
      /deployment success https:\/\/github.com\/acme\/infrastructure-pipelines\/actions\/runs\/\d+/,
    );
  });

  it("(G2) refuses --workflow, one pipelines workflow for pull requests' plans and applies, before any request", async () => {
    // Pull requests' code planned in the workflow that applies could mint the OIDC token the apply role trusts.
    await using github = await splitEmulator();
    const env = allTokens(github.url);
    const push = writeApplyPlan("push-plan-one-workflow.json");
    for (const plan of [fixture.planFile, push]) {
      const run = await gantry(fixture.work, env, ...dispatchArgs(plan), "--workflow", "deploy.yml");
      expect(run.exitCode).toBe(2);
      expect(run.stderr).toContain("--plan-workflow plan.yml");
      expect(run.stderr).toContain("--apply-workflow apply.yml");
    }
    expect(github.requests).toEqual([]);
  });

  it("refuses a plan with apply jobs but no apply workflow, and mixing --workflow with the split workflows", async () => {
    await using github = await splitEmulator();
    const push = writeApplyPlan("push-plan.json");
    const env = allTokens(github.url);
    const missing = await gantry(fixture.work, env, ...dispatchArgs(push), "--plan-workflow", "plan.yml");
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr).toContain("pass --apply-workflow");
    const mixed = await gantry(fixture.work, env, ...splitArgs(), "--workflow", "deploy.yml");
    expect(mixed.exitCode).toBe(2);
    expect(github.dispatches).toEqual([]);
  });
});

const splitArgs = () => [
  ...dispatchArgs(fixture.planFile),
  "--plan-workflow",
  "plan.yml",
  "--apply-workflow",
  "apply.yml",
  "--poll-interval",
  "0.01",
];

function splitEmulator(branches?: Record<string, string>) {
  return startGitHubEmulator({
    tokens: tokenSpecs,
    repositories: [
      {
        owner: "acme",
        name: "infrastructure-pipelines",
        ...(branches ? { branches } : {}),
        workflows: [
          {
            file: "plan.yml",
            inputs: { job: { required: true }, correlation: { required: true } },
            runName: (inputs) =>
              `gantry ${(JSON.parse(String(inputs.job)) as { id: string }).id} ${String(inputs.correlation)}`,
            runStates: [
              { status: "queued", conclusion: null },
              { status: "in_progress", conclusion: null },
            ],
          },
          {
            file: "apply.yml",
            inputs: { commit: { required: true }, correlation: { required: true } },
            runName: (inputs) => `gantry deploy ${String(inputs.correlation)}`,
            concurrency: { group: () => "gantry-apply" },
          },
        ],
      },
    ],
  });
}
