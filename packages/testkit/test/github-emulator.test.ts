import { describe, expect, it } from "vitest";
import {
  startGitHubEmulator,
  validateGitHubResponse,
  type GitHubTokenSpec,
  type GitHubEmulatorOptions,
} from "../src/index.js";

const headSha = "a".repeat(40);
const mainSha = "b".repeat(40);
const tokens = {
  classic: "ghp_classicReadToken000000000000000000",
  classicNoRepo: "ghp_classicNoRepoScope0000000000000000",
  report: "github_pat_report_0000000000000000000000",
  dispatch: "github_pat_dispatch_00000000000000000000",
};
const tokenSpecs: GitHubTokenSpec[] = [
  { token: tokens.classic, label: "code-read", kind: "classic", scopes: ["repo", "workflow"] },
  { token: tokens.classicNoRepo, label: "no-repo", kind: "classic", scopes: ["read:org"] },
  {
    token: tokens.report,
    label: "infra-live-write",
    kind: "fine-grained",
    repositories: ["acme/infrastructure-live"],
    permissions: { pull_requests: "write", issues: "write" },
  },
  {
    token: tokens.dispatch,
    label: "dispatch",
    kind: "fine-grained",
    repositories: ["acme/infrastructure-pipelines"],
    permissions: { actions: "write" },
  },
];
const options: GitHubEmulatorOptions = {
  tokens: tokenSpecs,
  repositories: [
    { owner: "acme", name: "infrastructure-live", pullRequests: [{ number: 7, headSha }] },
    { owner: "acme", name: "public-docs", visibility: "public", pullRequests: [{ number: 1, headSha }] },
    {
      owner: "acme",
      name: "infrastructure-pipelines",
      branches: { main: mainSha },
      workflows: [
        {
          file: "gantry-execute.yml",
          name: "Gantry execute",
          inputs: { job: { required: true }, note: {} },
          runName: (inputs) => `gantry ${String(inputs.note ?? "")}`,
        },
        { file: "not-dispatchable.yml", dispatchable: false },
      ],
    },
  ],
};

async function call(baseUrl: string, token: string | undefined, method: string, path: string, body?: unknown) {
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers: {
      accept: "application/vnd.github+json",
      ...(token ? { authorization: `token ${token}` } : {}),
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
  });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    body: text === "" ? undefined : (JSON.parse(text) as any),
  };
}

describe("startGitHubEmulator: requests are checked against GitHub's description", () => {
  it("rejects an unknown path and an unknown method with 404 and records each", async () => {
    await using github = await startGitHubEmulator(options);
    const unknownPath = await call(github.url, tokens.classic, "GET", "/repos/acme/infrastructure-live/no-such-thing");
    const unknownMethod = await call(github.url, tokens.classic, "PUT", "/user");
    expect(unknownPath.status).toBe(404);
    expect(unknownMethod.status).toBe(404);
    expect(github.violations.map((violation) => violation.kind)).toEqual(["unknown-path", "unknown-method"]);
  });

  it("rejects a body field of the wrong type with GitHub's 422 message", async () => {
    await using github = await startGitHubEmulator(options);
    const result = await call(github.url, tokens.report, "POST", "/repos/acme/infrastructure-live/issues/7/comments", {
      body: 5,
    });
    expect(result.status).toBe(422);
    expect(result.body.message).toContain("For 'properties/body', 5 is not a string.");
    expect(github.violations).toMatchObject([{ kind: "request-body", operationId: "issues/create-comment" }]);
    expect(github.comments("acme", "infrastructure-live", 7)).toEqual([]);
  });

  it("rejects a missing required body field, a missing body and unparseable JSON", async () => {
    await using github = await startGitHubEmulator(options);
    const dispatchPath = "/repos/acme/infrastructure-pipelines/actions/workflows/gantry-execute.yml/dispatches";
    const missingRef = await call(github.url, tokens.dispatch, "POST", dispatchPath, { inputs: { job: "{}" } });
    const noBody = await call(github.url, tokens.dispatch, "POST", dispatchPath);
    const badJson = await call(github.url, tokens.dispatch, "POST", dispatchPath, "{not json");
    expect(missingRef.status).toBe(422);
    expect(missingRef.body.message).toContain(`"ref" wasn't supplied.`);
    expect(noBody.status).toBe(422);
    expect(badJson.status).toBe(400);
    expect(badJson.body.message).toBe("Problems parsing JSON");
    expect(github.violations.map((violation) => violation.kind)).toEqual([
      "request-body",
      "request-body",
      "request-body",
    ]);
    expect(github.dispatches).toEqual([]);
  });

  it("checks path and query parameters, and records unknown query parameters GitHub would ignore", async () => {
    await using github = await startGitHubEmulator(options);
    const badNumber = await call(
      github.url,
      tokens.report,
      "GET",
      "/repos/acme/infrastructure-live/issues/seven/comments",
    );
    const badStatus = await call(
      github.url,
      tokens.dispatch,
      "GET",
      "/repos/acme/infrastructure-pipelines/actions/runs?status=running",
    );
    const typo = await call(
      github.url,
      tokens.dispatch,
      "GET",
      "/repos/acme/infrastructure-pipelines/actions/runs?headSha=abc",
    );
    expect(badNumber.status).toBe(404);
    expect(badStatus.status).toBe(422);
    expect(typo.status).toBe(200);
    expect(github.violations.map((violation) => violation.kind)).toEqual([
      "path-parameter",
      "query-parameter",
      "unknown-query-parameter",
    ]);
  });

  it("rejects an API version GitHub does not support", async () => {
    await using github = await startGitHubEmulator(options);
    const response = await fetch(`${github.url}/user`, {
      headers: { authorization: `token ${tokens.classic}`, "x-github-api-version": "2021-01-01" },
    });
    expect(response.status).toBe(400);
    expect(github.violations.map((violation) => violation.kind)).toEqual(["api-version"]);
  });

  it("answers a valid operation it does not emulate with 501 and records it", async () => {
    await using github = await startGitHubEmulator(options);
    const result = await call(github.url, tokens.classic, "GET", "/repos/acme/infrastructure-live/issues/7");
    expect(result.status).toBe(501);
    expect(github.violations).toMatchObject([{ kind: "not-emulated", operationId: "issues/get" }]);
  });
});

describe("startGitHubEmulator: tokens", () => {
  it("sends X-OAuth-Scopes for classic tokens only", async () => {
    await using github = await startGitHubEmulator(options);
    const classic = await call(github.url, tokens.classic, "GET", "/user");
    const fineGrained = await call(github.url, tokens.report, "GET", "/user");
    expect(classic.status).toBe(200);
    expect(classic.headers.get("x-oauth-scopes")).toBe("repo, workflow");
    expect(fineGrained.status).toBe(200);
    expect(fineGrained.headers.get("x-oauth-scopes")).toBeNull();
    expect(validateGitHubResponse("GET", "/user", 200, classic.body)).toEqual([]);
  });

  it("answers 401 without a token and for an unknown one", async () => {
    await using github = await startGitHubEmulator(options);
    expect((await call(github.url, undefined, "GET", "/user")).body.message).toBe("Requires authentication");
    expect((await call(github.url, "ghp_unknown", "GET", "/user")).body.message).toBe("Bad credentials");
    expect(github.violations).toEqual([]); // the 401 bodies match the description's requires_authentication response
  });

  it("answers 403 with the accepted permissions when a fine-grained token lacks the permission", async () => {
    await using github = await startGitHubEmulator(options);
    const result = await call(
      github.url,
      tokens.report,
      "POST",
      "/repos/acme/infrastructure-live/actions/workflows/x.yml/dispatches",
      { ref: "main" },
    );
    expect(result.status).toBe(403);
    expect(result.body.message).toBe("Resource not accessible by personal access token");
    expect(result.headers.get("x-accepted-github-permissions")).toBe("actions=write");
    const pull = await call(github.url, tokens.dispatch, "GET", "/repos/acme/infrastructure-pipelines/pulls/1");
    expect(pull.status).toBe(403); // permission is checked before the pull request is looked up, as on GitHub
    expect(pull.headers.get("x-accepted-github-permissions")).toBe("pull_requests=read");
    const comment = await call(
      github.url,
      tokens.dispatch,
      "POST",
      "/repos/acme/infrastructure-pipelines/issues/1/comments",
      { body: "x" },
    );
    expect(comment.headers.get("x-accepted-github-permissions")).toBe("issues=write; pull_requests=write");
  });

  it("hides repositories a fine-grained token was not given, and private ones from classic tokens without repo", async () => {
    await using github = await startGitHubEmulator(options);
    const notSelected = await call(github.url, tokens.dispatch, "GET", "/repos/acme/infrastructure-live/pulls/7");
    const noRepoScope = await call(github.url, tokens.classicNoRepo, "GET", "/repos/acme/infrastructure-live/pulls/7");
    const publicWrite = await call(
      github.url,
      tokens.classicNoRepo,
      "POST",
      "/repos/acme/public-docs/issues/1/comments",
      { body: "hi" },
    );
    const publicRead = await call(github.url, tokens.classicNoRepo, "GET", "/repos/acme/public-docs/pulls/1");
    expect(notSelected.status).toBe(404);
    expect(noRepoScope.status).toBe(404);
    expect(publicWrite.status).toBe(403);
    expect(publicWrite.headers.get("x-accepted-oauth-scopes")).toBe("repo, public_repo");
    expect(publicRead.status).toBe(200);
    const fineGrainedPublicRead = await call(
      github.url,
      tokens.report,
      "GET",
      "/repos/acme/public-docs/issues/1/comments",
    );
    const fineGrainedPublicWrite = await call(
      github.url,
      tokens.report,
      "POST",
      "/repos/acme/public-docs/issues/1/comments",
      { body: "hi" },
    );
    expect(fineGrainedPublicRead.status).toBe(200);
    expect(fineGrainedPublicWrite.status).toBe(403);
    expect(github.violations).toEqual([]);
  });

  it("records which token made each call, never the token itself", async () => {
    await using github = await startGitHubEmulator(options);
    await call(github.url, tokens.report, "GET", "/repos/acme/infrastructure-live/pulls/7");
    await call(github.url, tokens.dispatch, "GET", "/repos/acme/infrastructure-pipelines/actions/runs");
    expect(github.requests.map(({ tokenLabel, operationId, status }) => ({ tokenLabel, operationId, status }))).toEqual(
      [
        { tokenLabel: "infra-live-write", operationId: "pulls/get", status: 200 },
        { tokenLabel: "dispatch", operationId: "actions/list-workflow-runs-for-repo", status: 200 },
      ],
    );
    expect(JSON.stringify(github.requests)).not.toContain("github_pat_");
  });
});

describe("startGitHubEmulator: stateful operations", () => {
  it("creates, lists (paginated), updates and deletes pull-request comments; every response validates", async () => {
    await using github = await startGitHubEmulator(options);
    const base = "/repos/acme/infrastructure-live/issues";
    const created = [];
    for (let index = 0; index < 3; index++) {
      const result = await call(github.url, tokens.report, "POST", `${base}/7/comments`, { body: `comment ${index}` });
      expect(result.status).toBe(201);
      expect(validateGitHubResponse("POST", `${base}/7/comments`, 201, result.body)).toEqual([]);
      created.push(result.body.id as number);
    }
    const firstPage = await call(github.url, tokens.report, "GET", `${base}/7/comments?per_page=2`);
    expect(firstPage.body.map((comment: { body: string }) => comment.body)).toEqual(["comment 0", "comment 1"]);
    const next = /<([^>]+)>; rel="next"/.exec(firstPage.headers.get("link") ?? "")?.[1];
    expect(next).toBeDefined();
    const secondPage = await call(
      github.url,
      tokens.report,
      "GET",
      new URL(next ?? "").pathname + new URL(next ?? "").search,
    );
    expect(secondPage.body.map((comment: { body: string }) => comment.body)).toEqual(["comment 2"]);
    expect(secondPage.headers.get("link")).not.toContain('rel="next"');
    expect(validateGitHubResponse("GET", `${base}/7/comments`, 200, firstPage.body)).toEqual([]);

    const updated = await call(github.url, tokens.report, "PATCH", `${base}/comments/${created[1]}`, {
      body: "edited",
    });
    expect(updated.status).toBe(200);
    expect(validateGitHubResponse("PATCH", `${base}/comments/${created[1]}`, 200, updated.body)).toEqual([]);
    expect((await call(github.url, tokens.report, "DELETE", `${base}/comments/${created[0]}`)).status).toBe(204);
    expect((await call(github.url, tokens.report, "DELETE", `${base}/comments/${created[0]}`)).status).toBe(404);
    expect(github.comments("acme", "infrastructure-live", 7).map((comment) => comment.body)).toEqual([
      "edited",
      "comment 2",
    ]);
    expect(github.violations).toEqual([]);
  });

  it("refuses a comment over GitHub's 65,536-character limit and one on a missing pull request", async () => {
    await using github = await startGitHubEmulator(options);
    const path = "/repos/acme/infrastructure-live/issues/7/comments";
    const tooLong = await call(github.url, tokens.report, "POST", path, { body: "x".repeat(65_537) });
    const atLimit = await call(github.url, tokens.report, "POST", path, { body: "x".repeat(65_536) });
    const missing = await call(
      github.url,
      tokens.report,
      "POST",
      "/repos/acme/infrastructure-live/issues/99/comments",
      { body: "x" },
    );
    expect(tooLong.status).toBe(422);
    expect(tooLong.body.errors[0].message).toContain("maximum is 65536 characters");
    expect(atLimit.status).toBe(201);
    expect(missing.status).toBe(404);
    expect(validateGitHubResponse("POST", path, 422, tooLong.body)).toEqual([]);
    expect(github.violations).toEqual([]);
  });

  it("serves a pull request that validates against the pull-request schema and follows a new head", async () => {
    await using github = await startGitHubEmulator(options);
    const path = "/repos/acme/infrastructure-live/pulls/7";
    const before = await call(github.url, tokens.report, "GET", path);
    github.setPullRequestHead("acme", "infrastructure-live", 7, "c".repeat(40));
    const after = await call(github.url, tokens.report, "GET", path);
    expect(before.body.head.sha).toBe(headSha);
    expect(after.body.head.sha).toBe("c".repeat(40));
    expect(validateGitHubResponse("GET", path, 200, after.body)).toEqual([]);
    expect(github.violations).toEqual([]);
  });

  it("records a dispatch, creates a run, filters runs and moves the run through its states", async () => {
    await using github = await startGitHubEmulator(options);
    const repo = "/repos/acme/infrastructure-pipelines";
    const dispatch = await call(
      github.url,
      tokens.dispatch,
      "POST",
      `${repo}/actions/workflows/gantry-execute.yml/dispatches`,
      {
        ref: "main",
        inputs: { job: '{"id":"apply-1"}', note: "apply-1" },
        return_run_details: true,
      },
    );
    expect(dispatch.status).toBe(200);
    expect(
      validateGitHubResponse("POST", `${repo}/actions/workflows/gantry-execute.yml/dispatches`, 200, dispatch.body),
    ).toEqual([]);
    const runId = dispatch.body.workflow_run_id as number;
    expect(github.dispatches).toEqual([
      {
        repository: "acme/infrastructure-pipelines",
        workflow: "gantry-execute.yml",
        ref: "main",
        inputs: { job: '{"id":"apply-1"}', note: "apply-1" },
        tokenLabel: "dispatch",
        runId,
      },
    ]);

    const listed = await call(
      github.url,
      tokens.dispatch,
      "GET",
      `${repo}/actions/runs?event=workflow_dispatch&branch=main&created=%3E%3D2000-01-01T00:00:00Z`,
    );
    expect(listed.body.workflow_runs.map((run: { id: number }) => run.id)).toEqual([runId]);
    expect(listed.body.workflow_runs[0]).toMatchObject({
      display_title: "gantry apply-1",
      head_sha: mainSha,
      path: ".github/workflows/gantry-execute.yml",
    });
    expect(validateGitHubResponse("GET", `${repo}/actions/runs`, 200, listed.body)).toEqual([]);
    for (const filter of ["branch=other", "event=push", "status=completed", "created=%3C2000-01-01"]) {
      expect(
        (await call(github.url, tokens.dispatch, "GET", `${repo}/actions/runs?${filter}`)).body.total_count,
        filter,
      ).toBe(0);
    }

    const seen = [];
    for (let read = 0; read < 4; read++) {
      const run = await call(github.url, tokens.dispatch, "GET", `${repo}/actions/runs/${runId}`);
      expect(validateGitHubResponse("GET", `${repo}/actions/runs/${runId}`, 200, run.body)).toEqual([]);
      seen.push(`${run.body.status}/${run.body.conclusion}`);
    }
    expect(seen).toEqual(["queued/null", "in_progress/null", "completed/success", "completed/success"]);
    expect(
      (await call(github.url, tokens.dispatch, "GET", `${repo}/actions/runs?status=success`)).body.total_count,
    ).toBe(1);
    expect(github.violations).toEqual([]);
  });

  it("lets the test set a run's state, and cancels a run that is not completed", async () => {
    await using github = await startGitHubEmulator({ ...options, returnRunDetails: false });
    const repo = "/repos/acme/infrastructure-pipelines";
    const dispatch = await call(
      github.url,
      tokens.dispatch,
      "POST",
      `${repo}/actions/workflows/gantry-execute.yml/dispatches`,
      {
        ref: "main",
        inputs: { job: "{}" },
        return_run_details: true,
      },
    );
    expect(dispatch.status).toBe(204);
    const [run] = github.runs("acme", "infrastructure-pipelines");
    github.setRunState(run?.id ?? 0, { status: "in_progress", conclusion: null });
    expect((await call(github.url, tokens.dispatch, "POST", `${repo}/actions/runs/${run?.id}/cancel`)).status).toBe(
      202,
    );
    expect(github.runs("acme", "infrastructure-pipelines")[0]?.state).toEqual({
      status: "completed",
      conclusion: "cancelled",
    });
    expect((await call(github.url, tokens.dispatch, "POST", `${repo}/actions/runs/${run?.id}/cancel`)).status).toBe(
      409,
    );
    expect(github.violations).toEqual([]);
  });

  it("checks dispatch inputs, the ref and the workflow like GitHub", async () => {
    await using github = await startGitHubEmulator(options);
    const dispatch = (workflow: string, body: unknown) =>
      call(
        github.url,
        tokens.dispatch,
        "POST",
        `/repos/acme/infrastructure-pipelines/actions/workflows/${workflow}/dispatches`,
        body,
      );
    expect(
      (await dispatch("gantry-execute.yml", { ref: "main", inputs: { job: "{}", extra: "x" } })).body.message,
    ).toBe('Unexpected inputs provided: ["extra"]');
    expect((await dispatch("gantry-execute.yml", { ref: "main", inputs: {} })).body.message).toBe(
      "Required input 'job' not provided",
    );
    expect((await dispatch("gantry-execute.yml", { ref: "nope", inputs: { job: "{}" } })).body.message).toBe(
      "No ref found for: nope",
    );
    expect((await dispatch("missing.yml", { ref: "main" })).status).toBe(404);
    expect((await dispatch("not-dispatchable.yml", { ref: "main" })).status).toBe(422);
    expect(github.dispatches).toEqual([]);
    expect(github.violations).toEqual([]);
  });

  it("validateGitHubResponse catches a response that breaks the schema", () => {
    expect(validateGitHubResponse("GET", "/repos/a/b/actions/runs/1", 200, { id: "1" }).length).toBeGreaterThan(0);
    expect(validateGitHubResponse("GET", "/repos/a/b/nothing", 200, {})).toHaveLength(1);
    expect(validateGitHubResponse("DELETE", "/repos/a/b/issues/comments/1", 200, {})).toEqual([
      { path: "", message: "status 200 is not documented for issues/delete-comment" },
    ]);
  });
});
