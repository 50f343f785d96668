import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import {
  startGitHubEmulator,
  type GitHubEmulatorOptions,
  type GitHubRunConclusion,
  type GitHubWorkflowSpec,
} from "../src/index.js";

const token = "github_pat_dispatch_00000000000000000000";
const runName = (inputs: Readonly<Record<string, unknown>>) => `gantry ${String(inputs.correlation ?? "")}`;

function options(workflow: Partial<GitHubWorkflowSpec> = {}): GitHubEmulatorOptions {
  return {
    tokens: [
      {
        token,
        label: "dispatch",
        kind: "fine-grained",
        repositories: ["acme/infrastructure-pipelines"],
        permissions: { actions: "write" },
      },
    ],
    repositories: [
      {
        owner: "acme",
        name: "infrastructure-pipelines",
        workflows: [
          {
            file: "apply.yml",
            name: "Gantry apply",
            inputs: { correlation: { required: true } },
            runName,
            ...workflow,
          },
        ],
      },
    ],
  };
}

async function call(baseUrl: string, method: string, path: string, body?: unknown) {
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers: {
      accept: "application/vnd.github+json",
      authorization: `token ${token}`,
      "x-github-api-version": "2022-11-28",
      ...(body ? { "content-type": "application/json" } : {}),
    },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    body: text === "" ? undefined : (JSON.parse(text) as any),
  };
}

const dispatch = (url: string, correlation: string) =>
  call(url, "POST", "/repos/acme/infrastructure-pipelines/actions/workflows/apply.yml/dispatches", {
    ref: "main",
    inputs: { correlation },
    return_run_details: true,
  });
const listRuns = async (url: string) =>
  (
    (await call(url, "GET", "/repos/acme/infrastructure-pipelines/actions/runs?event=workflow_dispatch")).body
      .workflow_runs as { display_title: string; status: string }[]
  ).map((run) => `${run.display_title}: ${run.status}`);

describe("the GitHub emulator's workflow runs", () => {
  it("keeps one run in progress and one pending per concurrency group, cancelling the older pending run", async () => {
    await using github = await startGitHubEmulator(
      options({
        concurrency: { group: () => "gantry-apply" },
        runStates: [{ status: "in_progress", conclusion: null }],
      }),
    );
    for (const correlation of ["one", "two", "three"])
      expect((await dispatch(github.url, correlation)).status).toBe(200);
    expect(await listRuns(github.url)).toEqual([
      "gantry three: pending",
      "gantry two: completed",
      "gantry one: in_progress",
    ]);
    expect(github.runs("acme", "infrastructure-pipelines").map((run) => run.state.conclusion)).toEqual([
      null,
      "cancelled",
      null,
    ]);
    // When the running one completes, the pending one starts.
    github.setRunState(github.runs("acme", "infrastructure-pipelines")[0]!.id, {
      status: "completed",
      conclusion: "success",
    });
    expect(await listRuns(github.url)).toEqual([
      "gantry three: in_progress",
      "gantry two: completed",
      "gantry one: completed",
    ]);
    expect(github.dispatches).toHaveLength(3);
    expect(github.violations).toEqual([]);
  });

  it("with cancel-in-progress, a new run cancels the running one", async () => {
    await using github = await startGitHubEmulator(
      options({
        concurrency: { group: () => "plans", cancelInProgress: true },
        runStates: [{ status: "in_progress", conclusion: null }],
      }),
    );
    await dispatch(github.url, "one");
    await dispatch(github.url, "two");
    expect(await listRuns(github.url)).toEqual(["gantry two: in_progress", "gantry one: completed"]);
  });

  it("runs each run with the workflow's executor, and aborts it when the run is cancelled", async () => {
    const seen: string[] = [];
    const conclusions: Record<string, GitHubRunConclusion> = { ok: "success", broken: "failure" };
    await using github = await startGitHubEmulator(
      options({
        execute: async (run, signal) => {
          seen.push(String(run.inputs.correlation));
          if (run.inputs.correlation === "forever")
            await new Promise((_, reject) => signal.addEventListener("abort", () => reject(new Error("aborted"))));
          return conclusions[String(run.inputs.correlation)] ?? "success";
        },
      }),
    );
    await dispatch(github.url, "ok");
    await dispatch(github.url, "broken");
    const forever = (await dispatch(github.url, "forever")).body.workflow_run_id as number;
    await sleep(10);
    expect(
      (await call(github.url, "POST", `/repos/acme/infrastructure-pipelines/actions/runs/${forever}/cancel`)).status,
    ).toBe(202);
    expect(
      github.runs("acme", "infrastructure-pipelines").map((run) => [run.inputs.correlation, run.state.conclusion]),
    ).toEqual([
      ["ok", "success"],
      ["broken", "failure"],
      ["forever", "cancelled"],
    ]);
    expect(seen).toEqual(["ok", "broken", "forever"]);
  });
});

describe("the GitHub emulator's faults", () => {
  it("answers a secondary rate limit with retry-after and a primary one with its reset, processing neither", async () => {
    await using github = await startGitHubEmulator(options());
    github.injectFault("actions/create-workflow-dispatch", { secondaryRateLimit: { retryAfterSeconds: 7 } });
    github.injectFault("actions/create-workflow-dispatch", { primaryRateLimit: { resetInSeconds: 30 } });
    const secondary = await dispatch(github.url, "a");
    expect([secondary.status, secondary.headers.get("retry-after"), secondary.body.message]).toEqual([
      403,
      "7",
      expect.stringContaining("secondary rate limit"),
    ]);
    const primary = await dispatch(github.url, "b");
    expect([primary.status, primary.headers.get("x-ratelimit-remaining")]).toEqual([403, "0"]);
    expect(Number(primary.headers.get("x-ratelimit-reset"))).toBeGreaterThan(Date.now() / 1000);
    expect(github.dispatches).toEqual([]);
    expect((await dispatch(github.url, "c")).status).toBe(200);
    expect(github.dispatches).toHaveLength(1);
  });

  it("resets the connection before processing, or after processing (the dispatch counts, the answer is lost)", async () => {
    await using github = await startGitHubEmulator(options());
    github.injectFault("actions/create-workflow-dispatch", { resetBeforeProcessing: true });
    await expect(dispatch(github.url, "before")).rejects.toThrow();
    expect(github.dispatches).toEqual([]);
    github.injectFault("actions/create-workflow-dispatch", { loseResponse: true });
    await expect(dispatch(github.url, "after")).rejects.toThrow();
    expect(github.dispatches.map((recorded) => recorded.inputs.correlation)).toEqual(["after"]);
    expect(github.requests.filter((request) => request.fault).map((request) => request.status)).toEqual([0, 0]);
  });

  it("shows a late run only after its delay: not listed, and 404 when read", async () => {
    await using github = await startGitHubEmulator(options());
    github.injectFault("actions/create-workflow-dispatch", { runAppearsAfterMs: 300 });
    const id = (await dispatch(github.url, "late")).body.workflow_run_id as number;
    expect(await listRuns(github.url)).toEqual([]);
    expect((await call(github.url, "GET", `/repos/acme/infrastructure-pipelines/actions/runs/${id}`)).status).toBe(404);
    await sleep(350);
    expect(await listRuns(github.url)).toEqual(["gantry late: queued"]);
    expect(github.violations).toEqual([]);
  });
});
