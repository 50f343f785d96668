/**
 * The STS emulator over raw HTTP (the AWS SDK's view of it is tested in @gantry/guards, which has the
 * SDK as a dependency): AWS's Query protocol in, AWS's XML out.
 */
import { describe, expect, it } from "vitest";
import { startOidcIssuer, type OidcIssuer } from "../src/oidc-issuer.js";
import { startStsEmulator, type TrustPolicy } from "../src/sts-emulator.js";

const ACCOUNT = "111122223333";
const APPLY_ROLE = `arn:aws:iam::${ACCOUNT}:role/gantry-apply`;
const PLAN_ROLE = `arn:aws:iam::${ACCOUNT}:role/gantry-plan`;

function policies(issuer: OidcIssuer): Record<string, TrustPolicy> {
  const statement = (condition: TrustPolicy["Statement"][number]["Condition"]): TrustPolicy => ({
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Principal: { Federated: issuer.providerArn(ACCOUNT) },
        Action: "sts:AssumeRoleWithWebIdentity",
        Condition: condition,
      },
    ],
  });
  return {
    [APPLY_ROLE]: statement({
      StringEquals: {
        [`${issuer.host}:aud`]: "sts.amazonaws.com",
        [`${issuer.host}:sub`]: "repo:acme/pipes:ref:refs/heads/main",
      },
    }),
    [PLAN_ROLE]: statement({
      StringEquals: { [`${issuer.host}:aud`]: "sts.amazonaws.com" },
      StringLike: { [`${issuer.host}:sub`]: ["repo:acme/live:ref:*", "repo:acme/live:pull_request"] },
    }),
  };
}

async function assume(url: string, params: Record<string, string>) {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded; charset=utf-8" },
    body: new URLSearchParams({
      Action: "AssumeRoleWithWebIdentity",
      Version: "2011-06-15",
      RoleSessionName: "alice-via-gantry@main",
      ...params,
    }),
  });
  const body = await response.text();
  const tag = (name: string) => new RegExp(`<${name}>([^<]*)</${name}>`).exec(body)?.[1];
  return { status: response.status, body, tag };
}

describe("startStsEmulator", () => {
  it("returns credentials in AWS's response shape for a token the trust policy allows", async () => {
    await using issuer = await startOidcIssuer();
    await using sts = await startStsEmulator({ roles: policies(issuer) });
    const token = issuer.mintToken(
      { repository: "acme/pipes", ref: "refs/heads/main" },
      { audience: "sts.amazonaws.com" },
    );
    const result = await assume(sts.url, { RoleArn: APPLY_ROLE, WebIdentityToken: token, DurationSeconds: "900" });
    expect(result.status).toBe(200);
    expect(result.body).toContain(
      '<AssumeRoleWithWebIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">',
    );
    expect(result.tag("AccessKeyId")).toMatch(/^ASIA[A-Z2-7]{16}$/);
    expect(result.tag("SecretAccessKey")?.length).toBeGreaterThan(20);
    expect(result.tag("SessionToken")?.length).toBeGreaterThan(20);
    expect(result.tag("SubjectFromWebIdentityToken")).toBe("repo:acme/pipes:ref:refs/heads/main");
    expect(result.tag("Arn")).toBe(`arn:aws:sts::${ACCOUNT}:assumed-role/gantry-apply/alice-via-gantry@main`);
    expect(Date.parse(result.tag("Expiration")!) - Date.now()).toBeGreaterThan(800_000);
    expect(result.body).toMatch(/<ResponseMetadata>\s*<RequestId>[0-9a-f-]{36}<\/RequestId>/);
    expect(sts.assumed.map((record) => record.roleArn)).toEqual([APPLY_ROLE]);
  });

  it("evaluates StringLike and refuses what the trust policy does not allow with AccessDenied (403)", async () => {
    await using issuer = await startOidcIssuer();
    await using sts = await startStsEmulator({ roles: policies(issuer) });
    const prToken = issuer.mintToken(
      { repository: "acme/live", ref: "refs/pull/3/merge", eventName: "pull_request" },
      { audience: "sts.amazonaws.com" },
    );
    expect((await assume(sts.url, { RoleArn: PLAN_ROLE, WebIdentityToken: prToken })).status).toBe(200);
    const denied = await assume(sts.url, { RoleArn: APPLY_ROLE, WebIdentityToken: prToken });
    expect(denied.status).toBe(403);
    expect(denied.body).toContain("<ErrorResponse");
    expect(denied.tag("Code")).toBe("AccessDenied");
    expect(denied.tag("Type")).toBe("Sender");
    const otherRepository = issuer.mintToken(
      { repository: "evil/live", ref: "refs/heads/main" },
      { audience: "sts.amazonaws.com" },
    );
    expect((await assume(sts.url, { RoleArn: PLAN_ROLE, WebIdentityToken: otherRepository })).tag("Code")).toBe(
      "AccessDenied",
    );
    expect(
      (await assume(sts.url, { RoleArn: `arn:aws:iam::${ACCOUNT}:role/unknown`, WebIdentityToken: prToken })).tag(
        "Code",
      ),
    ).toBe("AccessDenied");
  });

  it("verifies signature, expiry and audience with AWS's error codes", async () => {
    await using issuer = await startOidcIssuer();
    await using sts = await startStsEmulator({ roles: policies(issuer) });
    const context = { repository: "acme/pipes", ref: "refs/heads/main" };
    const forged = await assume(sts.url, {
      RoleArn: APPLY_ROLE,
      WebIdentityToken: issuer.mintToken(context, { audience: "sts.amazonaws.com", signWithUntrustedKey: true }),
    });
    expect([forged.status, forged.tag("Code")]).toEqual([400, "InvalidIdentityToken"]);
    const expired = await assume(sts.url, {
      RoleArn: APPLY_ROLE,
      WebIdentityToken: issuer.mintToken(context, { audience: "sts.amazonaws.com", expiresInSeconds: -60 }),
    });
    expect([expired.status, expired.tag("Code")]).toEqual([400, "ExpiredTokenException"]);
    const wrongAudience = await assume(sts.url, { RoleArn: APPLY_ROLE, WebIdentityToken: issuer.mintToken(context) });
    expect([wrongAudience.status, wrongAudience.tag("Code")]).toEqual([400, "InvalidIdentityToken"]);
    const tampered = issuer
      .mintToken({ repository: "acme/live", ref: "refs/heads/feature" }, { audience: "sts.amazonaws.com" })
      .split(".");
    tampered[1] = Buffer.from(
      JSON.stringify({
        ...JSON.parse(Buffer.from(tampered[1]!, "base64url").toString()),
        sub: "repo:acme/pipes:ref:refs/heads/main",
      }),
    ).toString("base64url");
    expect((await assume(sts.url, { RoleArn: APPLY_ROLE, WebIdentityToken: tampered.join(".") })).tag("Code")).toBe(
      "InvalidIdentityToken",
    );
    expect(sts.assumed).toHaveLength(0);
  });

  it("validates RoleSessionName and DurationSeconds as STS does", async () => {
    await using issuer = await startOidcIssuer();
    await using sts = await startStsEmulator({
      roles: {
        ...policies(issuer),
        [PLAN_ROLE]: { trustPolicy: policies(issuer)[PLAN_ROLE]!, maxSessionDurationSeconds: 7200 },
      },
    });
    const token = issuer.mintToken(
      { repository: "acme/live", ref: "refs/heads/main" },
      { audience: "sts.amazonaws.com" },
    );
    const code = async (params: Record<string, string>) =>
      (await assume(sts.url, { RoleArn: PLAN_ROLE, WebIdentityToken: token, ...params })).tag("Code");
    expect(await code({ RoleSessionName: "a" })).toBe("ValidationError");
    expect(await code({ RoleSessionName: "x".repeat(65) })).toBe("ValidationError");
    expect(await code({ RoleSessionName: "alice via gantry" })).toBe("ValidationError");
    expect(await code({ DurationSeconds: "899" })).toBe("ValidationError");
    expect(await code({ DurationSeconds: "43201" })).toBe("ValidationError");
    expect(await code({ DurationSeconds: "7201" })).toBe("ValidationError");
    expect(
      (
        await assume(sts.url, {
          RoleArn: PLAN_ROLE,
          WebIdentityToken: token,
          DurationSeconds: "7200",
          RoleSessionName: "x".repeat(64),
        })
      ).status,
    ).toBe(200);
  });

  it("supports ForAnyValue operators, explicit Deny, and rejects operators it cannot evaluate", async () => {
    await using issuer = await startOidcIssuer();
    const provider = issuer.providerArn(ACCOUNT);
    const role = `arn:aws:iam::${ACCOUNT}:role/multi`;
    await using sts = await startStsEmulator({
      roles: {
        [role]: {
          Version: "2012-10-17",
          Statement: [
            {
              Effect: "Allow",
              Principal: { Federated: provider },
              Action: "sts:AssumeRoleWithWebIdentity",
              Condition: {
                "ForAnyValue:StringEquals": { [`${issuer.host}:aud`]: ["sts.amazonaws.com"] },
                StringLike: { [`${issuer.host}:sub`]: "repo:acme/*" },
              },
            },
            {
              Effect: "Deny",
              Principal: { Federated: provider },
              Action: "sts:AssumeRoleWithWebIdentity",
              Condition: { StringLike: { [`${issuer.host}:sub`]: "repo:acme/blocked:*" } },
            },
          ],
        },
      },
    });
    const token = (repository: string, audience: string | string[]) =>
      issuer.mintToken({ repository, ref: "refs/heads/main" }, { audience });
    expect(
      (await assume(sts.url, { RoleArn: role, WebIdentityToken: token("acme/live", ["other", "sts.amazonaws.com"]) }))
        .status,
    ).toBe(200);
    expect(
      (await assume(sts.url, { RoleArn: role, WebIdentityToken: token("acme/blocked", "sts.amazonaws.com") })).tag(
        "Code",
      ),
    ).toBe("AccessDenied");
    await expect(
      startStsEmulator({
        roles: {
          [role]: {
            Version: "2012-10-17",
            Statement: [
              {
                Effect: "Allow",
                Principal: { Federated: provider },
                Action: "sts:AssumeRoleWithWebIdentity",
                Condition: { DateGreaterThan: { "aws:CurrentTime": "2020-01-01" } },
              },
            ],
          },
        },
      }),
    ).rejects.toThrow(/DateGreaterThan is not supported/);
  });

  it("evaluates only the sub and aud claims, as AWS does for GitHub's tokens: a condition on another claim meets an absent key", async () => {
    await using issuer = await startOidcIssuer();
    const provider = issuer.providerArn(ACCOUNT);
    const role = (condition: Record<string, Record<string, string>>) => ({
      Version: "2012-10-17",
      Statement: [
        {
          Effect: "Allow" as const,
          Principal: { Federated: provider },
          Action: "sts:AssumeRoleWithWebIdentity",
          Condition: condition,
        },
      ],
    });
    const onWorkflow = `arn:aws:iam::${ACCOUNT}:role/on-workflow`;
    const notOtherWorkflow = `arn:aws:iam::${ACCOUNT}:role/not-other-workflow`;
    await using sts = await startStsEmulator({
      roles: {
        [onWorkflow]: role({
          StringEquals: {
            [`${issuer.host}:aud`]: "sts.amazonaws.com",
            [`${issuer.host}:job_workflow_ref`]: "acme/pipes/.github/workflows/apply.yml@refs/heads/main",
          },
        }),
        [notOtherWorkflow]: role({
          StringEquals: { [`${issuer.host}:aud`]: "sts.amazonaws.com" },
          StringNotEquals: {
            [`${issuer.host}:job_workflow_ref`]: "acme/pipes/.github/workflows/apply.yml@refs/heads/main",
          },
        }),
      },
    });
    const token = issuer.mintToken(
      {
        repository: "acme/pipes",
        ref: "refs/heads/main",
        workflowRef: "acme/pipes/.github/workflows/apply.yml@refs/heads/main",
      },
      { audience: "sts.amazonaws.com" },
    );
    expect((await assume(sts.url, { RoleArn: onWorkflow, WebIdentityToken: token })).tag("Code")).toBe("AccessDenied");
    expect((await assume(sts.url, { RoleArn: notOtherWorkflow, WebIdentityToken: token })).status).toBe(200);
  });
});
