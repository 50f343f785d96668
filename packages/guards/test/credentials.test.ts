/**
 * `obtainCredentials` and the workflow-identity guard inside a simulated GitHub Actions run: the local OIDC
 * issuer plays the runner's token service, the STS emulator plays AWS, the real AWS SDK talks to both.
 */
import { describe, expect, it } from "vitest";
import { createTempGitRepo, startOidcIssuer, startStsEmulator, type GithubWorkflowContext } from "@gantry/testkit";
import { buildSessionName, buildTrustPolicies, checkJob, GuardRefusedError, obtainCredentials } from "../src/index.js";
import { ACCOUNT, APPLY_ROLE, CONFIG, makeJob, PLAN_ROLE, rederiveFromGit, unit } from "./support.js";

const PIPELINES = "acme/infrastructure-pipelines";
const pipelinesMain: GithubWorkflowContext = {
  repository: PIPELINES,
  ref: "refs/heads/main",
  actor: "alice",
  environment: "gantry-apply",
  workflowRef: `${PIPELINES}/.github/workflows/apply.yml@refs/heads/main`,
};

async function emulators() {
  const issuer = await startOidcIssuer();
  const policies = buildTrustPolicies({
    repoOwner: "acme",
    repo: "infrastructure-live",
    pipelinesRepo: "infrastructure-pipelines",
    accountId: ACCOUNT,
    issuerHost: issuer.host,
  });
  const sts = await startStsEmulator({ roles: { [PLAN_ROLE]: policies.plan, [APPLY_ROLE]: policies.apply } });
  return {
    issuer,
    sts,
    /** The env of a job in the apply workflow's run, with the SDK pointed at the local STS. */
    runEnv(context: GithubWorkflowContext, extra: Record<string, string> = {}) {
      return {
        ...issuer.startRun(context).env,
        AWS_ENDPOINT_URL_STS: sts.url,
        GANTRY_PIPELINES_REPOSITORY: PIPELINES,
        GANTRY_WORKFLOW_ROLE: "apply",
        ...extra,
      };
    },
    async [Symbol.asyncDispose]() {
      await sts.close();
      await issuer.close();
    },
  };
}

function mergedApply() {
  const repo = createTempGitRepo({ ".gantry/config.yml": CONFIG, "prod/app/terragrunt.hcl": unit("app") });
  const base = repo.sha();
  const head = repo.commit({ "prod/app/terragrunt.hcl": unit("app v2") });
  return { repo, job: makeJob({ action: "apply", units: ["prod/app"], ref: head, source: { base, head } }) };
}

async function refusal(promise: Promise<unknown>): Promise<GuardRefusedError> {
  const error = await promise.then(
    () => new Error("expected a refusal"),
    (caught: unknown) => caught,
  );
  if (!GuardRefusedError.isGuardRefusal(error)) throw error;
  return error;
}

describe("obtainCredentials", () => {
  it("returns nothing outside GitHub Actions, so the standard AWS chain applies", async () => {
    const job = makeJob({
      action: "plan",
      units: ["prod/app"],
      ref: "a".repeat(40),
      source: { base: "a".repeat(40), head: "a".repeat(40) },
    });
    expect(await obtainCredentials(job, { env: { AWS_PROFILE: "dev" } })).toEqual({ env: {}, secrets: [] });
  });

  it("exchanges a pull request's OIDC token for the plan role, with a session name saying who and why", async () => {
    await using local = await emulators();
    const job = makeJob({
      action: "plan",
      units: ["prod/app"],
      ref: "b".repeat(40),
      source: { event: "pull_request", base: "a".repeat(40), head: "b".repeat(40), branch: "feature" },
    });
    const env = local.runEnv({
      repository: "acme/infrastructure-live",
      ref: "refs/pull/42/merge",
      eventName: "pull_request",
      actor: "bob",
    });
    const credentials = await obtainCredentials(job, { env });
    expect(Object.keys(credentials.env).sort()).toEqual([
      "AWS_ACCESS_KEY_ID",
      "AWS_REGION",
      "AWS_SECRET_ACCESS_KEY",
      "AWS_SESSION_TOKEN",
    ]);
    expect(credentials.env["AWS_REGION"]).toBe("eu-west-1");
    expect(local.sts.assumed).toEqual([
      expect.objectContaining({ roleArn: PLAN_ROLE, roleSessionName: "bob-via-gantry@PR-42", durationSeconds: 900 }),
    ]);
    for (const name of ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"])
      expect(credentials.secrets).toContain(credentials.env[name]);
    expect(local.issuer.tokenRequests).toEqual([
      { repository: "acme/infrastructure-live", audience: "sts.amazonaws.com" },
    ]);
  });

  it("gives the apply role to a job that passed checkJob in the pipelines repository's main workflow", async () => {
    await using local = await emulators();
    const { repo, job } = mergedApply();
    await using _ = repo;
    const env = local.runEnv(pipelinesMain);
    const report = await checkJob(job, { repo: repo.dir, env, dryRun: false, rederive: rederiveFromGit(repo.dir) });
    expect(report.passed.find((entry) => entry.guard === "workflow-identity")?.detail).toContain("OIDC claims agree");
    const credentials = await obtainCredentials(job, { env });
    expect(credentials.env["AWS_ACCESS_KEY_ID"]).toMatch(/^ASIA/);
    expect(local.sts.assumed.map((record) => [record.roleArn, record.roleSessionName])).toEqual([
      [APPLY_ROLE, "alice-via-gantry@main"],
    ]);
  });

  it("never requests the apply role for a job that did not pass checkJob, or changed since", async () => {
    await using local = await emulators();
    const { repo, job } = mergedApply();
    await using _ = repo;
    const env = local.runEnv(pipelinesMain);
    await expect(obtainCredentials(job, { env })).rejects.toMatchObject({
      code: "CREDENTIALS_APPLY_ROLE_UNGUARDED",
      exitCode: 63,
    });
    await checkJob(job, { repo: repo.dir, env, dryRun: false, rederive: rederiveFromGit(repo.dir) });
    job.units.push("prod/other");
    await expect(obtainCredentials(job, { env })).rejects.toMatchObject({ code: "CREDENTIALS_APPLY_ROLE_UNGUARDED" });
    expect(local.sts.assumed).toHaveLength(0);
  });

  it("a token from a pull-request ref asking for the apply role is refused by STS's trust policy", async () => {
    await using local = await emulators();
    // Even with the guards bypassed (a forged plan job pointing its plan role at the apply role), AWS refuses.
    const forged = makeJob({
      action: "plan",
      units: ["prod/app"],
      ref: "b".repeat(40),
      source: { event: "pull_request", base: "a".repeat(40), head: "b".repeat(40), branch: "feature" },
    });
    forged.authentication = { ...forged.authentication!, planRoleArn: APPLY_ROLE };
    const env = local.runEnv({
      repository: "acme/infrastructure-live",
      ref: "refs/pull/7/merge",
      eventName: "pull_request",
      actor: "mallory",
    });
    const error = await obtainCredentials(forged, { env }).then(
      () => null,
      (caught: unknown) => caught as { code: string; exitCode: number; message: string },
    );
    expect(error).toMatchObject({ code: "CREDENTIALS_ASSUME_ROLE_FAILED", exitCode: 62 });
    expect(error?.message).toContain("AccessDenied");
    expect(local.sts.refused).toEqual([expect.objectContaining({ roleArn: APPLY_ROLE, code: "AccessDenied" })]);
    // One token was requested for STS, and it does not leak into the error.
    expect(local.issuer.tokenRequests).toEqual([
      { repository: "acme/infrastructure-live", audience: "sts.amazonaws.com" },
    ]);
    expect(error?.message).not.toMatch(/eyJ[\w-]+\.[\w-]+\./);
  });
});

describe("workflow identity (inside GitHub Actions)", () => {
  it("refuses an apply from a workflow of another repository", async () => {
    await using local = await emulators();
    const { repo, job } = mergedApply();
    await using _ = repo;
    const env = local.runEnv({ repository: "evil/infrastructure-pipelines", ref: "refs/heads/main" });
    const error = await refusal(
      checkJob(job, { repo: repo.dir, env, dryRun: false, rederive: rederiveFromGit(repo.dir) }),
    );
    expect([error.guard, error.exitCode, error.commit]).toEqual(["workflow-identity", 42, job.ref]);
    expect(error.message).toContain("evil/infrastructure-pipelines");
  });

  it("refuses an apply from a branch of the pipelines repository, or a workflow file of another repository", async () => {
    await using local = await emulators();
    const { repo, job } = mergedApply();
    await using _ = repo;
    const options = { repo: repo.dir, dryRun: true, rederive: rederiveFromGit(repo.dir) };
    const branch = local.runEnv({
      ...pipelinesMain,
      ref: "refs/heads/try-something",
      workflowRef: `${PIPELINES}/.github/workflows/deploy.yml@refs/heads/try-something`,
    });
    expect((await refusal(checkJob(job, { ...options, env: branch }))).message).toContain("refs/heads/try-something");
    const foreignWorkflow = local.runEnv({
      ...pipelinesMain,
      workflowRef: "evil/tools/.github/workflows/deploy.yml@refs/heads/main",
    });
    expect((await refusal(checkJob(job, { ...options, env: foreignWorkflow }))).message).toContain(
      "GITHUB_WORKFLOW_REF",
    );
  });

  it("refuses when the runner variables are spoofed but the OIDC token's claims say otherwise", async () => {
    await using local = await emulators();
    const { repo, job } = mergedApply();
    await using _ = repo;
    const env = {
      ...local.runEnv({ repository: "acme/infrastructure-live", ref: "refs/heads/feature" }),
      GITHUB_REPOSITORY: PIPELINES,
      GITHUB_REF: "refs/heads/main",
      GITHUB_WORKFLOW_REF: `${PIPELINES}/.github/workflows/deploy.yml@refs/heads/main`,
    };
    const error = await refusal(
      checkJob(job, { repo: repo.dir, env, dryRun: false, rederive: rederiveFromGit(repo.dir) }),
    );
    expect(error.guard).toBe("workflow-identity");
    expect(error.message).toContain("the OIDC token says repository 'acme/infrastructure-live'");
  });

  it("refuses writes when no pipelines repository is configured", async () => {
    await using local = await emulators();
    const { repo, job } = mergedApply();
    await using _ = repo;
    const env: Record<string, string> = local.runEnv(pipelinesMain);
    delete env["GANTRY_PIPELINES_REPOSITORY"];
    expect(
      (await refusal(checkJob(job, { repo: repo.dir, env, dryRun: false, rederive: rederiveFromGit(repo.dir) }))).hint,
    ).toContain("GANTRY_PIPELINES_REPOSITORY");
  });
});

describe("buildSessionName", () => {
  it("keeps STS's rules: 2-64 characters of [\\w+=,.@-], the reason kept when the actor is long", () => {
    expect(buildSessionName({ actor: "alice", pullRequest: 12 })).toBe("alice-via-gantry@PR-12");
    expect(buildSessionName({ actor: "alice", branch: "feature/x y" })).toBe("alice-via-gantry@feature-x-y");
    const long = buildSessionName({ actor: "a".repeat(80), pullRequest: 123456 });
    expect(long).toHaveLength(64);
    expect(long.endsWith("-via-gantry@PR-123456")).toBe(true);
    expect(buildSessionName({ actor: "", branch: "b".repeat(100) })).toMatch(/^[\w+=,.@-]{2,64}$/);
  });
});
