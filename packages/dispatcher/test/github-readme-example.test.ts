// The "Try it against the emulator" example of README.md (## GitHub), kept runnable: keep the two in step.
import { startGitHubEmulator } from "@gantry/testkit";
import { expect, it } from "vitest";
import { checkTokenScopes, dispatchJobToWorkflow, publishPullRequestReport } from "../src/index.js";
import { sampleJob } from "./github-fixtures.js";

it("runs the README example", async () => {
  // --- README example start ---
  await using github = await startGitHubEmulator({
    tokens: [
      { token: "ghp_example", kind: "classic", scopes: ["repo", "workflow"] },
      {
        token: "github_pat_infra_live",
        kind: "fine-grained",
        repositories: ["acme/infrastructure-live"],
        permissions: { pull_requests: "write" },
      },
      {
        token: "github_pat_dispatch",
        kind: "fine-grained",
        repositories: ["acme/infrastructure-pipelines"],
        permissions: { actions: "write" },
      },
    ],
    repositories: [
      { owner: "acme", name: "infrastructure-live", pullRequests: [{ number: 1, headSha: "a".repeat(40) }] },
      {
        owner: "acme",
        name: "infrastructure-pipelines",
        workflows: [{ file: "plan.yml", inputs: { job: { required: true } } }],
      },
    ],
  });
  const baseUrl = github.url;

  const scopes = await checkTokenScopes("ghp_example", { baseUrl, role: "code-read" });
  // { kind: "classic", scopes: ["repo", "workflow"], broaderThanNeeded: ["workflow"], missing: [], login: "gantry-bot" }

  const report = await publishPullRequestReport({
    token: "github_pat_infra_live",
    baseUrl,
    owner: "acme",
    repo: "infrastructure-live",
    pullNumber: 1,
    headSha: "a".repeat(40),
    body: "## Gantry plan\nPlan: 1 to add, 0 to change, 0 to destroy.",
  });
  // { action: "created", commentId: ..., url: ..., truncated: false, superseded: false, outdatedCommentIds: [] }

  const run = await dispatchJobToWorkflow({
    token: "github_pat_dispatch",
    baseUrl,
    owner: "acme",
    repo: "infrastructure-pipelines",
    workflow: "plan.yml",
    job: sampleJob(), // one element of `gantry plan --json`'s `jobs`
    pollIntervalMs: 10,
  });
  // { runId: ..., runUrl: "https://github.com/acme/infrastructure-pipelines/actions/runs/...", conclusion: "success" }
  // --- README example end ---

  expect(scopes.broaderThanNeeded).toEqual(["workflow"]);
  expect(report.action).toBe("created");
  expect(run.conclusion).toBe("success");
  expect(github.violations).toEqual([]);
});
