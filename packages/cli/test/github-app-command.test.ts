/**
 * The commands infrastructure-live's workflows run, as `gantry init --github-app` writes them: the App's id and
 * key in the environment instead of the tokens. Each call carries an installation token narrowed to the one
 * repository and permission of its role.
 */
import { generateKeyPairSync } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { planDocumentSchema } from "@gantry/classifier";
import { startGitHubEmulator, type GitHubAppSpec } from "@gantry/testkit";
import { executeDryRun, gantry, pullRequestFixture, pushPlanFixture, readJson } from "./report-fixtures.js";

const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
const app: GitHubAppSpec = {
  id: 99,
  slug: "gantry-acme",
  publicKey: publicKey.export({ type: "spki", format: "pem" }).toString(),
  installations: [
    {
      id: 5,
      account: "acme",
      repositories: "all",
      permissions: { contents: "read", pull_requests: "write", actions: "write" },
    },
  ],
};
// As a GitHub secret holds a PEM: one line with \n escapes works too.
const appEnv = {
  GANTRY_GITHUB_APP_ID: "99",
  GANTRY_GITHUB_APP_PRIVATE_KEY: privateKey.export({ type: "pkcs8", format: "pem" }).toString().replaceAll("\n", "\\n"),
  GANTRY_GITHUB_WRITE_INTERVAL_MS: "0",
};

let fixture: Awaited<ReturnType<typeof pullRequestFixture>>;
beforeAll(async () => {
  fixture = await pullRequestFixture();
});
afterAll(() => fixture.repo.remove());

describe("gantry with a GitHub App", () => {
  it("dispatch --deploy: a token narrowed to the pipelines repository and actions: write", async () => {
    await using github = await startGitHubEmulator({
      tokens: [],
      apps: [app],
      repositories: [
        { owner: "acme", name: "infrastructure-live" },
        {
          owner: "acme",
          name: "infrastructure-pipelines",
          workflows: [
            {
              file: "apply.yml",
              inputs: { commit: { required: true }, correlation: { required: true } },
              runName: (inputs) => `gantry deploy ${String(inputs.correlation)}`,
            },
          ],
        },
      ],
    });
    const run = await gantry(
      fixture.work,
      { ...appEnv, GITHUB_API_URL: github.url },
      "dispatch",
      "--deploy",
      "--commit",
      "c".repeat(40),
      "--repository",
      "acme/infrastructure-pipelines",
      "--apply-workflow",
      "apply.yml",
      "--poll-interval",
      "0.01",
    );
    expect(run.stderr + run.stdout).not.toMatch(/ghs_|PRIVATE KEY/);
    expect(run.exitCode).toBe(0);
    expect(github.dispatches.map((dispatch) => dispatch.workflow)).toEqual(["apply.yml"]);
    expect(github.installationTokens.map((minted) => [minted.repositories, minted.permissions])).toEqual([
      [["acme/infrastructure-pipelines"], { actions: "write" }],
    ]);
    expect(github.violations).toEqual([]);
  });

  it("report --publish-pr: the comment is the App's bot's, with a token narrowed to infrastructure-live", async () => {
    await using github = await startGitHubEmulator({
      tokens: [],
      apps: [app],
      repositories: [
        { owner: "acme", name: "infrastructure-live", pullRequests: [{ number: 3, headSha: fixture.head }] },
      ],
    });
    const run = await gantry(
      fixture.work,
      { ...appEnv, GITHUB_API_URL: github.url },
      "report",
      "--plan",
      fixture.planFile,
      "--publish-pr",
      "3",
      "--repository",
      "acme/infrastructure-live",
    );
    expect(run.stderr).toContain("created the report comment on acme/infrastructure-live#3");
    expect(github.comments("acme", "infrastructure-live", 3).map((comment) => comment.author)).toEqual([
      "gantry-acme[bot]",
    ]);
    expect(
      new Set(github.installationTokens.map((minted) => JSON.stringify([minted.repositories, minted.permissions]))),
    ).toEqual(new Set([JSON.stringify([["acme/infrastructure-live"], { pull_requests: "write" }])]));
    expect(github.violations).toEqual([]);
  });

  it("report --publish-merged-pr --open-issue-on-failure: the comment and the issue, with a token adding issues: write", async () => {
    // The pull request's change pushed to main; its apply is refused by the guards (main does not hold it): a failed job.
    const { file: pushPlan } = await pushPlanFixture(fixture, "app-push-plan.json");
    const pushDocument = planDocumentSchema.parse(readJson(pushPlan));
    const apply = pushDocument.jobs.find((job) => job.action === "apply")!;
    const failed = await executeDryRun(fixture.repo.dir, fixture.work, pushDocument, apply.id, {
      name: "app-failed-apply",
    });
    expect(failed.exitCode).not.toBe(0);
    const withIssues: GitHubAppSpec = {
      ...app,
      installations: app.installations.map((installation) => ({
        ...installation,
        permissions: { ...installation.permissions, issues: "write" },
      })),
    };
    await using github = await startGitHubEmulator({
      tokens: [],
      apps: [withIssues],
      repositories: [
        {
          owner: "acme",
          name: "infrastructure-live",
          pullRequests: [{ number: 7, headSha: fixture.head, state: "closed", merged: true }],
        },
      ],
    });
    const run = await gantry(
      fixture.work,
      { ...appEnv, GITHUB_API_URL: github.url },
      "report",
      "--plan",
      pushPlan,
      "--results",
      failed.file,
      "--publish-merged-pr",
      "--open-issue-on-failure",
      "--repository",
      "acme/infrastructure-live",
    );
    expect(run.exitCode).toBe(30);
    expect(run.stderr).toMatch(/created the failed-apply issue acme\/infrastructure-live#8/);
    expect(github.issues("acme", "infrastructure-live").map((issue) => issue.number)).toEqual([8]);
    expect(
      new Set(github.installationTokens.map((minted) => JSON.stringify([minted.repositories, minted.permissions]))),
    ).toEqual(new Set([JSON.stringify([["acme/infrastructure-live"], { pull_requests: "write", issues: "write" }])]));
    expect(github.violations).toEqual([]);
  });

  it("a half-configured App is an error naming what is missing", async () => {
    const run = await gantry(
      fixture.work,
      { GANTRY_GITHUB_APP_ID: "99" },
      "dispatch",
      "--deploy",
      "--commit",
      "c".repeat(40),
      "--repository",
      "acme/infrastructure-pipelines",
      "--apply-workflow",
      "apply.yml",
    );
    expect(run.exitCode).toBe(30);
    expect(run.stderr).toContain("GANTRY_GITHUB_APP_PRIVATE_KEY is not set, but the other half of the GitHub App is.");
  });
});
