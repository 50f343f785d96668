/**
 * The testkit emulators against the real AWS SDK (`fromWebToken`), pointed at the local STS with the SDK's
 * own standard setting `AWS_ENDPOINT_URL_STS`, and with the trust policies `gantry iam trust-policy` prints.
 */
import { fromWebToken } from "@aws-sdk/credential-providers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { startOidcIssuer, startStsEmulator, type OidcIssuer } from "@gantry/testkit";
import { buildTrustPolicies } from "../src/index.js";
import { ACCOUNT, APPLY_ROLE, PLAN_ROLE } from "./support.js";

afterEach(() => vi.unstubAllEnvs());

function rolesFor(issuer: OidcIssuer, immutable = false) {
  const policies = buildTrustPolicies({
    repoOwner: "acme",
    repo: "infrastructure-live",
    pipelinesRepo: "infrastructure-pipelines",
    accountId: ACCOUNT,
    issuerHost: issuer.host,
    ...(immutable ? { immutableSubject: { ownerId: "100", repoId: "200", pipelinesRepoId: "300" } } : {}),
  });
  return { [PLAN_ROLE]: policies.plan, [APPLY_ROLE]: policies.apply };
}

async function assumeWithSdk(
  roleArn: string,
  token: string,
  extra: { durationSeconds?: number; roleSessionName?: string } = {},
) {
  return fromWebToken({
    roleArn,
    webIdentityToken: token,
    roleSessionName: extra.roleSessionName ?? "alice-via-gantry@main",
    durationSeconds: extra.durationSeconds ?? 900,
    clientConfig: { region: "eu-west-1" },
  })();
}

async function awsErrorName(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    return (error as { name: string }).name;
  }
  return "(no error)";
}

const workflow = (file: string) => `acme/infrastructure-pipelines/.github/workflows/${file}@refs/heads/main`;
/** apply.yml's job on main, in the `gantry-apply` environment; plan.yml's job on the same main, no environment. */
const pipelinesMain = {
  repository: "acme/infrastructure-pipelines",
  ref: "refs/heads/main",
  repositoryOwnerId: "100",
  repositoryId: "300",
  environment: "gantry-apply",
  workflowRef: workflow("apply.yml"),
};
const pipelinesPlan = {
  repository: "acme/infrastructure-pipelines",
  ref: "refs/heads/main",
  repositoryOwnerId: "100",
  repositoryId: "300",
  workflowRef: workflow("plan.yml"),
};
const livePullRequest = {
  repository: "acme/infrastructure-live",
  ref: "refs/pull/12/merge",
  eventName: "pull_request",
  repositoryOwnerId: "100",
  repositoryId: "200",
};

describe("the STS emulator through the AWS SDK", () => {
  it("gives the pipelines repository's main workflow the apply role, and parses like AWS", async () => {
    await using issuer = await startOidcIssuer();
    await using sts = await startStsEmulator({ roles: rolesFor(issuer) });
    vi.stubEnv("AWS_ENDPOINT_URL_STS", sts.url);
    const credentials = await assumeWithSdk(
      APPLY_ROLE,
      issuer.mintToken(pipelinesMain, { audience: "sts.amazonaws.com" }),
    );
    expect(credentials.accessKeyId).toBe(sts.assumed[0]?.accessKeyId);
    expect(credentials.secretAccessKey.length).toBeGreaterThan(20);
    expect(credentials.sessionToken?.length).toBeGreaterThan(20);
    expect(credentials.expiration!.getTime() - Date.now()).toBeGreaterThan(800_000);
    expect(sts.assumed[0]).toMatchObject({
      roleArn: APPLY_ROLE,
      roleSessionName: "alice-via-gantry@main",
      subject: "repo:acme/infrastructure-pipelines:environment:gantry-apply",
    });
  });

  it("gives the plan workflow on the pipelines repository's main the plan role, never the apply role", async () => {
    await using issuer = await startOidcIssuer();
    await using sts = await startStsEmulator({ roles: rolesFor(issuer) });
    vi.stubEnv("AWS_ENDPOINT_URL_STS", sts.url);
    const token = issuer.mintToken(pipelinesPlan, { audience: "sts.amazonaws.com" });
    await expect(assumeWithSdk(PLAN_ROLE, token)).resolves.toBeTruthy();
    expect(await awsErrorName(assumeWithSdk(APPLY_ROLE, token))).toBe("AccessDenied");
    expect(sts.assumed.map((record) => record.roleArn)).toEqual([PLAN_ROLE]);
  });

  it("pins the apply role to apply.yml too when the pipelines repository's sub includes job_workflow_ref", async () => {
    await using issuer = await startOidcIssuer();
    const policies = buildTrustPolicies({
      repoOwner: "acme",
      repo: "infrastructure-live",
      pipelinesRepo: "infrastructure-pipelines",
      accountId: ACCOUNT,
      issuerHost: issuer.host,
      workflowInSubject: true,
    });
    await using sts = await startStsEmulator({ roles: { [PLAN_ROLE]: policies.plan, [APPLY_ROLE]: policies.apply } });
    vi.stubEnv("AWS_ENDPOINT_URL_STS", sts.url);
    const customised = ["repo", "context", "job_workflow_ref"];
    await expect(
      assumeWithSdk(
        APPLY_ROLE,
        issuer.mintToken({ ...pipelinesMain, subjectClaimKeys: customised }, { audience: "sts.amazonaws.com" }),
      ),
    ).resolves.toBeTruthy();
    // Another workflow of main that runs in the apply environment (say plan.yml edited to use it): refused.
    const otherWorkflow = issuer.mintToken(
      { ...pipelinesMain, workflowRef: workflow("plan.yml"), subjectClaimKeys: customised },
      { audience: "sts.amazonaws.com" },
    );
    expect(await awsErrorName(assumeWithSdk(APPLY_ROLE, otherWorkflow))).toBe("AccessDenied");
    await expect(
      assumeWithSdk(
        PLAN_ROLE,
        issuer.mintToken({ ...pipelinesPlan, subjectClaimKeys: customised }, { audience: "sts.amazonaws.com" }),
      ),
    ).resolves.toBeTruthy();
    const livePr = issuer.mintToken(livePullRequest, { audience: "sts.amazonaws.com" });
    await expect(assumeWithSdk(PLAN_ROLE, livePr)).resolves.toBeTruthy();
    expect(await awsErrorName(assumeWithSdk(APPLY_ROLE, livePr))).toBe("AccessDenied");
  });

  it("gives a pull request the plan role but not the apply role (STS refuses by trust policy)", async () => {
    await using issuer = await startOidcIssuer();
    await using sts = await startStsEmulator({ roles: rolesFor(issuer) });
    vi.stubEnv("AWS_ENDPOINT_URL_STS", sts.url);
    const token = issuer.mintToken(livePullRequest, { audience: "sts.amazonaws.com" });
    await expect(assumeWithSdk(PLAN_ROLE, token)).resolves.toMatchObject({
      accessKeyId: expect.stringMatching(/^ASIA/),
    });
    expect(await awsErrorName(assumeWithSdk(APPLY_ROLE, token))).toBe("AccessDenied");
    const featureBranch = issuer.mintToken(
      { repository: "acme/infrastructure-pipelines", ref: "refs/heads/feature" },
      { audience: "sts.amazonaws.com" },
    );
    expect(await awsErrorName(assumeWithSdk(APPLY_ROLE, featureBranch))).toBe("AccessDenied");
    expect(await awsErrorName(assumeWithSdk(PLAN_ROLE, featureBranch))).toBe("AccessDenied");
    const otherOwner = issuer.mintToken(
      { repository: "evil/infrastructure-pipelines", ref: "refs/heads/main" },
      { audience: "sts.amazonaws.com" },
    );
    expect(await awsErrorName(assumeWithSdk(APPLY_ROLE, otherOwner))).toBe("AccessDenied");
    expect(await awsErrorName(assumeWithSdk(PLAN_ROLE, otherOwner))).toBe("AccessDenied");
  });

  it("accepts GitHub's immutable subject only with the right owner and repository ids", async () => {
    await using issuer = await startOidcIssuer();
    await using sts = await startStsEmulator({ roles: rolesFor(issuer, true) });
    vi.stubEnv("AWS_ENDPOINT_URL_STS", sts.url);
    const immutable = issuer.mintToken({ ...pipelinesMain, immutableSubject: true }, { audience: "sts.amazonaws.com" });
    await expect(assumeWithSdk(APPLY_ROLE, immutable)).resolves.toBeTruthy();
    // Same names, recycled by a new owner account with other ids: refused.
    const recycled = issuer.mintToken(
      { ...pipelinesMain, repositoryOwnerId: "999", immutableSubject: true },
      { audience: "sts.amazonaws.com" },
    );
    expect(await awsErrorName(assumeWithSdk(APPLY_ROLE, recycled))).toBe("AccessDenied");
    expect(
      await awsErrorName(assumeWithSdk(APPLY_ROLE, issuer.mintToken(pipelinesMain, { audience: "sts.amazonaws.com" }))),
    ).toBe("AccessDenied");
  });

  it("surfaces bad signature, expiry, wrong audience and invalid parameters with AWS's error codes", async () => {
    await using issuer = await startOidcIssuer();
    await using sts = await startStsEmulator({ roles: rolesFor(issuer) });
    vi.stubEnv("AWS_ENDPOINT_URL_STS", sts.url);
    expect(
      await awsErrorName(
        assumeWithSdk(
          APPLY_ROLE,
          issuer.mintToken(pipelinesMain, { audience: "sts.amazonaws.com", signWithUntrustedKey: true }),
        ),
      ),
    ).toBe("InvalidIdentityTokenException");
    expect(
      await awsErrorName(
        assumeWithSdk(
          APPLY_ROLE,
          issuer.mintToken(pipelinesMain, { audience: "sts.amazonaws.com", expiresInSeconds: -30 }),
        ),
      ),
    ).toBe("ExpiredTokenException");
    expect(
      await awsErrorName(
        assumeWithSdk(APPLY_ROLE, issuer.mintToken(pipelinesMain, { audience: "https://github.com/acme" })),
      ),
    ).toBe("InvalidIdentityTokenException");
    const good = issuer.mintToken(pipelinesMain, { audience: "sts.amazonaws.com" });
    expect(await awsErrorName(assumeWithSdk(APPLY_ROLE, good, { durationSeconds: 7200 }))).toBe("ValidationError");
    expect(await awsErrorName(assumeWithSdk(APPLY_ROLE, good, { roleSessionName: "has spaces" }))).toBe(
      "ValidationError",
    );
    expect(sts.assumed).toHaveLength(0);
  });
});
