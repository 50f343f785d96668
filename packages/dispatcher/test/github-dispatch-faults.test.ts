/**
 * Dispatching under GitHub's faults, through the emulator: whatever fails, the run is started exactly once
 * (the emulator counts accepted dispatches) and followed to its conclusion.
 */
import { startGitHubEmulator, type GitHubFault } from "@gantry/testkit";
import { describe, expect, it } from "vitest";
import { dispatchJobToWorkflow, requestDeployment, type DispatchProgress } from "../src/index.js";
import { emulatorOptions, headSha, sampleJob, splitWorkflowOptions, tokens } from "./github-fixtures.js";

const fast = { pollIntervalMs: 5, findRunIntervalMs: 5, lostResponseWindowMs: 1_000 } as const;
const connection = (url: string) => ({
  token: tokens.dispatch,
  baseUrl: url,
  owner: "acme",
  repo: "infrastructure-pipelines",
  ...fast,
});
const planJob = sampleJob({
  id: "plan-prod",
  action: "plan",
  source: { event: "pull_request", base: "2".repeat(40), head: headSha, branch: "change", deployBranch: "main" },
});

const faults: [string, GitHubFault][] = [
  ["a 502 (not processed)", { status: 502 }],
  ["a secondary rate limit with retry-after", { secondaryRateLimit: { retryAfterSeconds: 1 } }],
  ["a primary rate limit until its reset", { primaryRateLimit: { resetInSeconds: 1 } }],
  ["a connection reset before GitHub processed it", { resetBeforeProcessing: true }],
  ["an answer lost after GitHub started the run", { loseResponse: true }],
  ["an answer lost, and the run shown late", { loseResponse: true, runAppearsAfterMs: 300 }],
];

describe("a job dispatched with a correlation id", () => {
  for (const [name, fault] of faults) {
    it(`starts exactly one run through ${name}`, async () => {
      await using github = await startGitHubEmulator(splitWorkflowOptions());
      github.injectFault("actions/create-workflow-dispatch", fault);
      const events: DispatchProgress["type"][] = [];
      const run = await dispatchJobToWorkflow({
        ...connection(github.url),
        workflow: "plan.yml",
        job: planJob,
        correlation: "c-1",
        onProgress: (event) => events.push(event.type),
      });
      expect(run.conclusion).toBe("success");
      expect(github.dispatches).toHaveLength(1);
      expect(github.runs("acme", "infrastructure-pipelines").map((candidate) => candidate.id)).toEqual([run.runId]);
      // Only an uncertain failure (no answer, or a 5xx) makes Gantry look for the run before sending again.
      expect(events.includes("dispatch-uncertain")).toBe(
        fault.status !== undefined || fault.resetBeforeProcessing === true || fault.loseResponse === true,
      );
      expect(github.violations).toEqual([]);
    });
  }

  it("is found by its correlation id when GitHub does not return run ids, even among older runs of the same job", async () => {
    await using github = await startGitHubEmulator({ ...splitWorkflowOptions(), returnRunDetails: false });
    const first = await dispatchJobToWorkflow({
      ...connection(github.url),
      workflow: "plan.yml",
      job: planJob,
      correlation: "c-1",
    });
    github.injectFault("actions/create-workflow-dispatch", { loseResponse: true, runAppearsAfterMs: 200 });
    const second = await dispatchJobToWorkflow({
      ...connection(github.url),
      workflow: "plan.yml",
      job: planJob,
      correlation: "c-2",
    });
    expect(second.runId).not.toBe(first.runId);
    expect(github.dispatches.map((dispatch) => dispatch.inputs.correlation)).toEqual(["c-1", "c-2"]);
  });

  it("gives up after three uncertain failures with no run, having sent the dispatch three times and started nothing", async () => {
    await using github = await startGitHubEmulator(splitWorkflowOptions());
    github.injectFault("actions/create-workflow-dispatch", { resetBeforeProcessing: true }, 3);
    const error = await dispatchJobToWorkflow({
      ...connection(github.url),
      workflow: "plan.yml",
      job: planJob,
      correlation: "c-1",
      lostResponseWindowMs: 20,
    }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: "GITHUB_REQUEST_FAILED" });
    expect(
      github.requests.filter((request) => request.operationId === "actions/create-workflow-dispatch"),
    ).toHaveLength(3);
    expect(github.dispatches).toEqual([]);
  });
});

describe("a job whose first run GitHub shows only after the dispatch was sent again", () => {
  it("runs once: the copy that has not started is cancelled, whichever it is, and the started one is followed", async () => {
    // The plan workflow's concurrency group is keyed by the correlation id (packages/init's plan.yml).
    const options = splitWorkflowOptions();
    const pipelines = options.repositories!.find((repository) => repository.name === "infrastructure-pipelines")!;
    const plan = pipelines.workflows!.find((workflow) => workflow.file === "plan.yml")!;
    Object.assign(plan, {
      concurrency: { group: (inputs: Record<string, unknown>) => `gantry-plan-${String(inputs.correlation)}` },
      runStates: [
        { status: "in_progress", conclusion: null },
        { status: "in_progress", conclusion: null },
        { status: "completed", conclusion: "success" },
      ],
    });
    await using github = await startGitHubEmulator(options);
    // The first dispatch is accepted and its run starts, but GitHub lists it only after the lost-response window.
    github.injectFault("actions/create-workflow-dispatch", { loseResponse: true, runAppearsAfterMs: 150 });
    const events: DispatchProgress[] = [];
    const run = await dispatchJobToWorkflow({
      ...connection(github.url),
      lostResponseWindowMs: 50,
      workflow: "plan.yml",
      job: planJob,
      correlation: "c-late",
      onProgress: (event) => events.push(event),
    });
    const runs = github.runs("acme", "infrastructure-pipelines");
    expect(github.dispatches.map((dispatch) => dispatch.inputs.correlation)).toEqual(["c-late", "c-late"]);
    expect(runs).toHaveLength(2);
    const [first, second] = runs;
    // The late first run had started; the second waited in the group and was cancelled before it ran.
    expect(second!.state.conclusion).toBe("cancelled");
    expect(first!.state.conclusion).toBe("success");
    expect(run).toMatchObject({ runId: first!.id, conclusion: "success" });
    expect(events).toContainEqual({ type: "duplicate-cancelled", runId: second!.id, kept: first!.id });
    expect(github.violations).toEqual([]);
  });
});

describe("a job dispatched to a workflow without a correlation input (one workflow for every job)", () => {
  it("finds a run whose answer was lost by its job id, and never sends the dispatch again when none appears", async () => {
    await using github = await startGitHubEmulator(emulatorOptions());
    const options = { ...connection(github.url), workflow: "gantry-execute.yml", job: sampleJob() };
    github.injectFault("actions/create-workflow-dispatch", { loseResponse: true, runAppearsAfterMs: 200 });
    expect((await dispatchJobToWorkflow(options)).conclusion).toBe("success");
    github.injectFault("actions/create-workflow-dispatch", { resetBeforeProcessing: true });
    const error = await dispatchJobToWorkflow({ ...options, lostResponseWindowMs: 30 }).catch(
      (caught: unknown) => caught,
    );
    expect(error).toMatchObject({ code: "DISPATCH_UNCERTAIN", exitCode: 37 });
    expect(github.dispatches).toHaveLength(1);
  });
});

describe("requestDeployment (the apply workflow, one run at a time)", () => {
  it("follows a request whose pending run GitHub's concurrency cancelled to the newer run that deploys instead", async () => {
    await using github = await startGitHubEmulator(
      splitWorkflowOptions({ runStates: [{ status: "in_progress", conclusion: null }] }),
    );
    const request = (commit: string) => requestDeployment({ ...connection(github.url), workflow: "apply.yml", commit });
    const first = request("a".repeat(40));
    const second = request("b".repeat(40));
    // Wait until both runs exist: the first in progress, the second pending.
    while (github.runs("acme", "infrastructure-pipelines").length < 2)
      await new Promise((resolve) => setTimeout(resolve, 5));
    const third = request("c".repeat(40));
    while (github.runs("acme", "infrastructure-pipelines").length < 3)
      await new Promise((resolve) => setTimeout(resolve, 5));
    const [one, two, three] = github.runs("acme", "infrastructure-pipelines");
    expect([one!.state.status, two!.state.conclusion, three!.state.status]).toEqual([
      "in_progress",
      "cancelled",
      "pending",
    ]);
    github.setRunState(one!.id, { status: "completed", conclusion: "success" });
    while (github.runs("acme", "infrastructure-pipelines")[2]!.state.status === "pending")
      await new Promise((resolve) => setTimeout(resolve, 5));
    github.setRunState(three!.id, { status: "completed", conclusion: "success" });
    const outcomes = await Promise.all([first, second, third]);
    expect(outcomes.map((outcome) => [outcome.runId, outcome.conclusion])).toEqual([
      [one!.id, "success"],
      [three!.id, "success"],
      [three!.id, "success"],
    ]);
    expect(outcomes[1]!.supersededRuns.map((run) => run.runId)).toEqual([two!.id]);
    expect(github.dispatches).toHaveLength(3);
    expect(github.violations).toEqual([]);
  });

  it("never cancels the apply run when the caller is cancelled: it only stops following it", async () => {
    await using github = await startGitHubEmulator(
      splitWorkflowOptions({ runStates: [{ status: "in_progress", conclusion: null }] }),
    );
    const controller = new AbortController();
    const error = await requestDeployment({
      ...connection(github.url),
      workflow: "apply.yml",
      commit: headSha,
      signal: controller.signal,
      onProgress: (event) => {
        if (event.type === "run-status") controller.abort();
      },
    }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: "DISPATCH_CANCELLED" });
    expect((error as Error).message).toContain("the run goes on");
    expect(github.runs("acme", "infrastructure-pipelines")[0]!.state.status).toBe("in_progress");
    expect(github.requests.some((request) => request.operationId === "actions/cancel-workflow-run")).toBe(false);
  });

  it("survives the dispatch faults too: one run, whatever happened to the answer", async () => {
    await using github = await startGitHubEmulator(splitWorkflowOptions());
    github.injectFault("actions/create-workflow-dispatch", { loseResponse: true, runAppearsAfterMs: 200 });
    github.injectFault("actions/list-workflow-runs-for-repo", { resetBeforeProcessing: true });
    github.injectFault("actions/get-workflow-run", { status: 503 }, 2);
    const outcome = await requestDeployment({ ...connection(github.url), workflow: "apply.yml", commit: headSha });
    expect(outcome.conclusion).toBe("success");
    expect(github.dispatches).toHaveLength(1);
  });
});
