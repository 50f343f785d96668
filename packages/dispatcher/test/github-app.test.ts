/**
 * Gantry's GitHub calls as a GitHub App installation, against the emulator (which verifies the App's JWT the
 * way GitHub documents, mints installation tokens and enforces what each may do): every call carries a token
 * narrowed to one repository and the role's permission, comments are recognised as the App's own, and what
 * GitHub refuses is named.
 */
import { generateKeyPairSync, sign } from "node:crypto";
import { startGitHubEmulator, type GitHubAppSpec } from "@gantry/testkit";
import { describe, expect, it } from "vitest";
import { TOKEN_SETTINGS } from "@gantry/guards";
import {
  dispatchJobToWorkflow,
  githubCredentialFor,
  publishPullRequestReport,
  requestDeployment,
  type GitHubAppCredentials,
} from "../src/index.js";
import { sampleJob } from "./github-fixtures.js";

const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
const privateKeyPem = privateKey.export({ type: "pkcs8", format: "pem" }).toString();
const other = generateKeyPairSync("rsa", { modulusLength: 2048 });
const head = "a".repeat(40);

const app: GitHubAppSpec = {
  id: 4242,
  slug: "gantry-acme",
  publicKey: publicKey.export({ type: "spki", format: "pem" }).toString(),
  installations: [
    {
      id: 77,
      account: "acme",
      repositories: ["acme/infrastructure-live", "acme/infrastructure-pipelines"],
      permissions: { contents: "read", pull_requests: "write", actions: "write" },
    },
  ],
};

function emulator() {
  return startGitHubEmulator({
    tokens: [],
    apps: [app],
    repositories: [
      { owner: "acme", name: "infrastructure-live", pullRequests: [{ number: 1, headSha: head }] },
      {
        owner: "acme",
        name: "infrastructure-pipelines",
        workflows: [
          {
            file: "plan.yml",
            inputs: { job: { required: true }, correlation: { required: true } },
            runName: (inputs) => `gantry ${String(inputs.correlation)}`,
          },
          {
            file: "apply.yml",
            inputs: { commit: { required: true }, correlation: { required: true } },
            runName: (inputs) => `gantry deploy ${String(inputs.correlation)}`,
          },
        ],
      },
      { owner: "acme", name: "secrets-vault" },
    ],
  });
}

const credentials = (
  role: keyof typeof TOKEN_SETTINGS,
  extra: Partial<GitHubAppCredentials> = {},
): GitHubAppCredentials => ({
  appId: String(app.id),
  privateKey: privateKeyPem,
  permissions: TOKEN_SETTINGS[role].fineGrainedPermissions,
  ...extra,
});

function jwt(claims: Record<string, unknown>, key = privateKey): string {
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
  const unsigned = `${encode({ alg: "RS256", typ: "JWT" })}.${encode(claims)}`;
  return `${unsigned}.${sign("RSA-SHA256", Buffer.from(unsigned), key).toString("base64url")}`;
}

async function getApp(url: string, token: string): Promise<{ status: number; message: string }> {
  const response = await fetch(`${url}/app`, {
    headers: {
      authorization: `Bearer ${token}`,
      accept: "application/vnd.github+json",
      "x-github-api-version": "2022-11-28",
    },
  });
  return { status: response.status, message: ((await response.json()) as { message?: string }).message ?? "" };
}

describe("the GitHub emulator's Apps", () => {
  it("accept only a JWT signed with the App's key, issued now, expiring within ten minutes", async () => {
    await using github = await emulator();
    const now = Math.floor(Date.now() / 1000);
    expect((await getApp(github.url, jwt({ iss: app.id, iat: now - 30, exp: now + 540 }))).status).toBe(200);
    expect(await getApp(github.url, jwt({ iss: app.id, iat: now - 30, exp: now + 540 }, other.privateKey))).toEqual({
      status: 401,
      message: "A JSON web token could not be decoded",
    });
    expect(await getApp(github.url, jwt({ iss: app.id, iat: now, exp: now + 3600 }))).toEqual({
      status: 401,
      message: "'Expiration time' claim ('exp') is too far in the future",
    });
    expect((await getApp(github.url, jwt({ iss: app.id, iat: now - 700, exp: now - 100 }))).status).toBe(401);
    expect(await getApp(github.url, jwt({ iss: 1, iat: now, exp: now + 60 }))).toEqual({
      status: 401,
      message: "Integration not found",
    });
    expect((await getApp(github.url, "ghp_notajwt")).status).toBe(401);
    expect(github.violations).toEqual([]);
  });
});

describe("Gantry as a GitHub App", () => {
  it("dispatches with tokens narrowed to the pipelines repository and actions: write, and nothing else", async () => {
    await using github = await emulator();
    const connection = {
      token: credentials("dispatch"),
      baseUrl: github.url,
      owner: "acme",
      repo: "infrastructure-pipelines",
      pollIntervalMs: 10,
      findRunIntervalMs: 10,
    };
    const run = await dispatchJobToWorkflow({
      ...connection,
      workflow: "plan.yml",
      job: sampleJob(),
      correlation: "c-1",
    });
    expect(run.conclusion).toBe("success");
    const deployment = await requestDeployment({ ...connection, workflow: "apply.yml", commit: head });
    expect(deployment.conclusion).toBe("success");

    expect(github.installationTokens.length).toBeGreaterThan(0);
    for (const minted of github.installationTokens) {
      expect(minted.repositories).toEqual(["acme/infrastructure-pipelines"]);
      expect(minted.permissions).toEqual({ actions: "write" });
    }
    // The installation was found from the repository with the App's JWT; every other call used a narrowed token.
    const byApp = github.requests
      .filter((request) => request.tokenLabel === "app:gantry-acme")
      .map((request) => request.operationId);
    expect(new Set(byApp)).toEqual(new Set(["apps/get-repo-installation", "apps/create-installation-access-token"]));
    expect(github.requests.filter((request) => request.tokenLabel === undefined)).toEqual([]);
    expect(github.violations).toEqual([]);
  });

  it("publishes the report as the App's bot, and finds its own comment again on a re-run", async () => {
    await using github = await emulator();
    const options = {
      token: credentials("infra-live-write", { installationId: 77 }),
      baseUrl: github.url,
      owner: "acme",
      repo: "infrastructure-live",
      pullNumber: 1,
      headSha: head,
    };
    const first = await publishPullRequestReport({ ...options, body: "## Gantry plan\nPlan: 1 to add." });
    github.addComment("acme", "infrastructure-live", 1, `<!-- gantry:report sha=${head} -->\nforged`, "mallory");
    const second = await publishPullRequestReport({ ...options, body: "## Gantry plan\nPlan: 2 to add." });
    expect(first.action).toBe("created");
    expect(second).toMatchObject({ action: "updated", commentId: first.commentId });
    const comments = github.comments("acme", "infrastructure-live", 1);
    expect(comments.map((comment) => comment.author)).toEqual(["gantry-acme[bot]", "mallory"]);
    expect(comments[0]!.body).toContain("2 to add");
    // `GET /user` is not for Apps: the bot's name comes from `GET /app`.
    expect(github.requests.some((request) => request.operationId === "users/get-authenticated")).toBe(false);
    for (const minted of github.installationTokens)
      expect(minted).toMatchObject({
        repositories: ["acme/infrastructure-live"],
        permissions: { pull_requests: "write" },
      });
    expect(github.violations).toEqual([]);
  });

  it("names the App and the refusal when the installation lacks the permission or the repository", async () => {
    await using github = await startGitHubEmulator({
      tokens: [],
      apps: [{ ...app, installations: [{ ...app.installations[0]!, permissions: { contents: "read" } }] }],
      repositories: [
        { owner: "acme", name: "infrastructure-live", pullRequests: [{ number: 1, headSha: head }] },
        { owner: "acme", name: "elsewhere" },
      ],
    });
    const failure = publishPullRequestReport({
      token: credentials("infra-live-write"),
      tokenName: "the GitHub App 4242 (GANTRY_GITHUB_APP_ID)",
      baseUrl: github.url,
      owner: "acme",
      repo: "infrastructure-live",
      pullNumber: 1,
      headSha: head,
      body: "x",
    });
    await expect(failure).rejects.toMatchObject({
      code: "GITHUB_VALIDATION_FAILED",
      message: expect.stringContaining("The permissions requested are not granted to this installation."),
    });
    const notInstalled = publishPullRequestReport({
      token: credentials("infra-live-write"),
      baseUrl: github.url,
      owner: "acme",
      repo: "elsewhere",
      pullNumber: 1,
      headSha: head,
      body: "x",
    });
    await expect(notInstalled).rejects.toMatchObject({ code: "GITHUB_NOT_FOUND" });
    const errors = await Promise.allSettled([failure, notInstalled]);
    for (const error of errors) expect(JSON.stringify(error)).not.toContain("PRIVATE KEY");
  });
});

describe("githubCredentialFor", () => {
  it("uses the role's own token first, else the App narrowed to the role, and refuses half an App", () => {
    const env = { GANTRY_GITHUB_APP_ID: "4242", GANTRY_GITHUB_APP_PRIVATE_KEY: privateKeyPem };
    expect(githubCredentialFor({ ...env, GANTRY_DISPATCH_TOKEN: "github_pat_x" }, "dispatch")).toEqual({
      credential: "github_pat_x",
      name: "GANTRY_DISPATCH_TOKEN",
    });
    expect(
      githubCredentialFor({ ...env, GANTRY_DISPATCH_TOKEN: "github_pat_x" }, "infra-live-write")?.credential,
    ).toMatchObject({ appId: "4242", permissions: { pull_requests: "write" } });
    expect(githubCredentialFor({}, "dispatch")).toBeUndefined();
    expect(() => githubCredentialFor({ GANTRY_GITHUB_APP_ID: "4242" }, "dispatch")).toThrow(
      /GANTRY_GITHUB_APP_PRIVATE_KEY is not set/,
    );
    expect(() => githubCredentialFor({ ...env, GANTRY_GITHUB_APP_INSTALLATION_ID: "x" }, "dispatch")).toThrow(
      /must be a number/,
    );
  });
});
