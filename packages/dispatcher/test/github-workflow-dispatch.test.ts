import { jobSchema } from "@gantry/classifier";
import { startGitHubEmulator } from "@gantry/testkit";
import { describe, expect, it } from "vitest";
import { dispatchJobToWorkflow, publishPullRequestReport, type DispatchProgress } from "../src/index.js";
import { dispatchedRunCandidates } from "../src/github/workflow-dispatch.js";
import { emulatorOptions, headSha, printed, sampleJob, tokens } from "./github-fixtures.js";

const target = { owner: "acme", repo: "infrastructure-pipelines", workflow: "gantry-execute.yml" } as const;
const fast = { pollIntervalMs: 1, findRunIntervalMs: 1 } as const;

describe("dispatchJobToWorkflow", () => {
  it("dispatches the validated job as the `job` input on main and returns the run's conclusion", async () => {
    await using github = await startGitHubEmulator(emulatorOptions());
    const events: DispatchProgress[] = [];
    const job = sampleJob();
    const result = await dispatchJobToWorkflow({
      ...target,
      ...fast,
      token: tokens.dispatch,
      baseUrl: github.url,
      job,
      onProgress: (event) => events.push(event),
    });
    expect(result.conclusion).toBe("success");
    const [dispatch] = github.dispatches;
    expect(dispatch).toMatchObject({
      repository: "acme/infrastructure-pipelines",
      ref: "main",
      tokenLabel: "dispatch",
      runId: result.runId,
    });
    expect(jobSchema.parse(JSON.parse(String(dispatch?.inputs.job)))).toEqual(job);
    expect(result.runUrl).toBe(`https://github.com/acme/infrastructure-pipelines/actions/runs/${result.runId}`);
    expect(events.map((event) => (event.type === "run-status" ? event.status : event.type))).toEqual([
      "dispatched",
      "run-found",
      "queued",
      "in_progress",
      "completed",
    ]);
    expect(github.violations).toEqual([]);
  });

  it("returns a failed run's conclusion rather than throwing", async () => {
    const options = emulatorOptions();
    const pipelines = options.repositories?.[1];
    await using github = await startGitHubEmulator({
      ...options,
      repositories: [
        options.repositories?.[0] ?? { owner: "acme", name: "infrastructure-live" },
        {
          ...(pipelines ?? { owner: "acme", name: "infrastructure-pipelines" }),
          workflows: [
            {
              file: "gantry-execute.yml",
              inputs: { job: { required: true } },
              runStates: [
                { status: "in_progress", conclusion: null },
                { status: "completed", conclusion: "failure" },
              ],
            },
          ],
        },
      ],
    });
    const result = await dispatchJobToWorkflow({
      ...target,
      ...fast,
      token: tokens.dispatch,
      baseUrl: github.url,
      job: sampleJob(),
    });
    expect(result.conclusion).toBe("failure");
  });

  it("finds the new run by listing runs when GitHub does not return its id", async () => {
    await using github = await startGitHubEmulator(emulatorOptions({ returnRunDetails: false }));
    const options = { ...target, ...fast, token: tokens.dispatch, baseUrl: github.url };
    const first = await dispatchJobToWorkflow({ ...options, job: sampleJob({ id: "apply-one" }) });
    const second = await dispatchJobToWorkflow({ ...options, job: sampleJob({ id: "apply-two" }) });
    expect(second.runId).not.toBe(first.runId);
    expect(github.runs("acme", "infrastructure-pipelines").map((run) => [run.id, run.displayTitle])).toEqual([
      [first.runId, "gantry apply-one"],
      [second.runId, "gantry apply-two"],
    ]);
    expect(github.violations).toEqual([]);
  });

  it("refuses an invalid job before anything reaches GitHub, naming the field", async () => {
    await using github = await startGitHubEmulator(emulatorOptions());
    const error = await dispatchJobToWorkflow({
      ...target,
      token: tokens.dispatch,
      baseUrl: github.url,
      job: { ...sampleJob(), ref: "main" },
    }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: "DISPATCH_JOB_INVALID", exitCode: 36 });
    expect((error as Error).message).toContain('field "ref":');
    expect(github.requests).toEqual([]);
  });

  it("fails with DISPATCH_RUN_NOT_FOUND when no run ever appears", async () => {
    const options = emulatorOptions({ returnRunDetails: false });
    await using github = await startGitHubEmulator({
      ...options,
      repositories: [
        {
          owner: "acme",
          name: "infrastructure-pipelines",
          workflows: [{ file: "gantry-execute.yml", inputs: { job: {} }, runStates: false }],
        },
      ],
    });
    const error = await dispatchJobToWorkflow({
      ...target,
      ...fast,
      timeoutMs: 30,
      token: tokens.dispatch,
      baseUrl: github.url,
      job: sampleJob(),
    }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: "DISPATCH_RUN_NOT_FOUND", exitCode: 37 });
    expect(github.dispatches).toHaveLength(1);
  });

  it("gives up with DISPATCH_TIMEOUT when the run never completes, naming the run", async () => {
    await using github = await startGitHubEmulator({
      ...emulatorOptions(),
      repositories: [
        {
          owner: "acme",
          name: "infrastructure-pipelines",
          workflows: [
            {
              file: "gantry-execute.yml",
              inputs: { job: {} },
              runStates: [{ status: "in_progress", conclusion: null }],
            },
          ],
        },
      ],
    });
    const error = await dispatchJobToWorkflow({
      ...target,
      ...fast,
      timeoutMs: 30,
      token: tokens.dispatch,
      baseUrl: github.url,
      job: sampleJob(),
    }).catch((caught: unknown) => caught);
    const [run] = github.runs("acme", "infrastructure-pipelines");
    expect(error).toMatchObject({ code: "DISPATCH_TIMEOUT", exitCode: 38 });
    expect((error as Error).message).toContain(`/actions/runs/${run?.id}`);
    expect(run?.state.status).toBe("in_progress"); // a timeout stops waiting, not the run
  });

  it("stops on abort and cancels the run on GitHub", async () => {
    await using github = await startGitHubEmulator({
      ...emulatorOptions(),
      repositories: [
        {
          owner: "acme",
          name: "infrastructure-pipelines",
          workflows: [
            {
              file: "gantry-execute.yml",
              inputs: { job: {} },
              runStates: [{ status: "in_progress", conclusion: null }],
            },
          ],
        },
      ],
    });
    const controller = new AbortController();
    const error = await dispatchJobToWorkflow({
      ...target,
      pollIntervalMs: 3_600_000,
      token: tokens.dispatch,
      baseUrl: github.url,
      job: sampleJob(),
      signal: controller.signal,
      onProgress: (event) => {
        if (event.type === "run-status") controller.abort();
      },
    }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: "DISPATCH_CANCELLED", exitCode: 39 });
    expect((error as Error).message).toContain("the run was cancelled on GitHub");
    expect(github.runs("acme", "infrastructure-pipelines")[0]?.state).toEqual({
      status: "completed",
      conclusion: "cancelled",
    });
  });

  it("says nothing was started when aborted before dispatching", async () => {
    await using github = await startGitHubEmulator(emulatorOptions());
    const error = await dispatchJobToWorkflow({
      ...target,
      token: tokens.dispatch,
      baseUrl: github.url,
      job: sampleJob(),
      signal: AbortSignal.abort(),
    }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: "DISPATCH_CANCELLED" });
    expect((error as Error).message).toContain("nothing was started");
    expect(github.dispatches).toEqual([]);
  });

  it("rides out server errors while polling (plugin-retry), and fails once its retries are spent", async () => {
    await using github = await startGitHubEmulator(emulatorOptions());
    const options = { ...target, ...fast, token: tokens.dispatch, baseUrl: github.url, job: sampleJob() };
    github.failNext("actions/get-workflow-run", 502, 3);
    expect((await dispatchJobToWorkflow(options)).conclusion).toBe("success");
    github.failNext("actions/get-workflow-run", 502, 4);
    await expect(dispatchJobToWorkflow(options)).rejects.toMatchObject({ code: "GITHUB_REQUEST_FAILED" });
  });

  it("fails naming the token and the permission when the token may only read Actions", async () => {
    await using github = await startGitHubEmulator(emulatorOptions());
    const error = await dispatchJobToWorkflow({
      ...target,
      token: tokens.actionsRead,
      tokenName: "GANTRY_DISPATCH_TOKEN",
      baseUrl: github.url,
      job: sampleJob(),
    }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: "GITHUB_PERMISSION_DENIED", exitCode: 32 });
    expect((error as Error).message).toContain(
      "GANTRY_DISPATCH_TOKEN may not make POST /repos/acme/infrastructure-pipelines/actions/workflows/gantry-execute.yml/dispatches: it needs the repository permission `actions: write`",
    );
    expect(printed(error)).not.toContain(tokens.actionsRead);
  });

  it("reports GitHub's refusal of the inputs when the workflow does not declare `job`", async () => {
    await using github = await startGitHubEmulator({
      ...emulatorOptions(),
      repositories: [
        {
          owner: "acme",
          name: "infrastructure-pipelines",
          workflows: [{ file: "gantry-execute.yml", inputs: { unit: {} } }],
        },
      ],
    });
    const error = await dispatchJobToWorkflow({
      ...target,
      token: tokens.dispatch,
      baseUrl: github.url,
      job: sampleJob(),
    }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: "GITHUB_VALIDATION_FAILED", exitCode: 34 });
    expect((error as Error).message).toContain('Unexpected inputs provided: ["job"]');
  });
});

describe("each Gantry token is used only for its own calls", () => {
  it("reports with the infra-live token and dispatches with the dispatch token, each with least privilege", async () => {
    await using github = await startGitHubEmulator(emulatorOptions());
    await publishPullRequestReport({
      owner: "acme",
      repo: "infrastructure-live",
      pullNumber: 42,
      headSha,
      body: "plan",
      token: tokens.report,
      baseUrl: github.url,
    });
    await dispatchJobToWorkflow({ ...target, ...fast, token: tokens.dispatch, baseUrl: github.url, job: sampleJob() });
    const operationsBy = (label: string) =>
      new Set(github.requests.filter((request) => request.tokenLabel === label).map((request) => request.operationId));
    expect(operationsBy("infra-live-write")).toEqual(
      new Set(["users/get-authenticated", "issues/list-comments", "pulls/get", "issues/create-comment"]),
    );
    expect(operationsBy("dispatch")).toEqual(
      new Set(["actions/list-workflow-runs-for-repo", "actions/create-workflow-dispatch", "actions/get-workflow-run"]),
    );
    expect(github.requests.every((request) => request.status < 400)).toBe(true);
    expect(github.violations).toEqual([]);
  });
});

describe("dispatchedRunCandidates (finding the run when GitHub does not return its id)", () => {
  const run = (id: number, title: string) => ({ id, name: "Gantry execute", display_title: title });

  it("takes the run whose title names the job, not one whose id merely starts the same", () => {
    const runs = [run(1, "gantry apply-10"), run(2, "gantry apply-1")];
    expect(dispatchedRunCandidates(runs, "apply-1").map((candidate) => candidate.id)).toEqual([2]);
  });

  it("never takes a run titled after another job, even when it is the only new one", () => {
    expect(dispatchedRunCandidates([run(1, "gantry destroy-dev")], "apply-1")).toEqual([]);
  });

  it("falls back to runs with the workflow's plain name, all of them, so the caller can refuse ambiguity", () => {
    expect(dispatchedRunCandidates([run(1, "Gantry execute")], "apply-1").map((candidate) => candidate.id)).toEqual([
      1,
    ]);
    expect(dispatchedRunCandidates([run(1, "Gantry execute"), run(2, "Gantry execute")], "apply-1")).toHaveLength(2);
  });
});
