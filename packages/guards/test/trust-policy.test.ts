import { describe, expect, it } from "vitest";
import { buildTrustPolicies, lintTrustPolicy, type TrustPolicy } from "../src/index.js";

const HOST = "token.actions.githubusercontent.com";
const PROVIDER = `arn:aws:iam::111122223333:oidc-provider/${HOST}`;

function policy(condition: Record<string, Record<string, string | string[]>> | undefined): TrustPolicy {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Principal: { Federated: PROVIDER },
        Action: "sts:AssumeRoleWithWebIdentity",
        ...(condition ? { Condition: condition } : {}),
      },
    ],
  };
}
const audience = { [`${HOST}:aud`]: "sts.amazonaws.com" };
const codes = (document: unknown, role: "plan" | "apply" | "unknown" = "unknown") =>
  lintTrustPolicy(document, role).map((finding) => finding.code);

describe("buildTrustPolicies", () => {
  it("lets the plan role be assumed from any ref or pull request of the repository and the pipelines repository's main, and the apply role only from the apply environment", () => {
    const { plan, apply } = buildTrustPolicies({
      repoOwner: "acme",
      repo: "infrastructure-live",
      pipelinesRepo: "infrastructure-pipelines",
      accountId: "111122223333",
    });
    expect(plan.Statement[0]).toEqual({
      Sid: "GantryPlanReadOnly",
      Effect: "Allow",
      Principal: { Federated: PROVIDER },
      Action: "sts:AssumeRoleWithWebIdentity",
      Condition: {
        StringEquals: audience,
        StringLike: {
          [`${HOST}:sub`]: [
            "repo:acme/infrastructure-live:ref:*",
            "repo:acme/infrastructure-live:pull_request",
            "repo:acme/infrastructure-pipelines:ref:refs/heads/main",
            "repo:acme/infrastructure-pipelines:environment:gantry-apply",
          ],
        },
      },
    });
    expect(apply.Statement[0]?.Condition).toEqual({
      StringEquals: { ...audience, [`${HOST}:sub`]: "repo:acme/infrastructure-pipelines:environment:gantry-apply" },
    });
    expect(lintTrustPolicy(plan, "plan")).toEqual([]);
    expect(lintTrustPolicy(apply, "apply")).toEqual([]);
  });

  it("names the apply and plan workflows in the subjects when the pipelines repository's sub includes job_workflow_ref", () => {
    const { plan, apply } = buildTrustPolicies({
      repoOwner: "acme",
      repo: "live",
      pipelinesRepo: "pipes",
      workflowInSubject: true,
      applyEnvironment: "production-apply",
    });
    expect(apply.Statement[0]?.Condition?.["StringEquals"]?.[`${HOST}:sub`]).toBe(
      "repo:acme/pipes:environment:production-apply:job_workflow_ref:acme/pipes/.github/workflows/apply.yml@refs/heads/main",
    );
    expect(plan.Statement[0]?.Condition?.["StringLike"]?.[`${HOST}:sub`]).toContain(
      "repo:acme/pipes:ref:refs/heads/main:job_workflow_ref:acme/pipes/.github/workflows/plan.yml@refs/heads/main",
    );
    expect(lintTrustPolicy(apply, "apply")).toEqual([]);
    expect(lintTrustPolicy(plan, "plan")).toEqual([]);
  });

  it("uses GitHub's immutable subject with owner and repository ids when asked", () => {
    const { apply, plan } = buildTrustPolicies({
      repoOwner: "acme",
      repo: "live",
      immutableSubject: { ownerId: "10", repoId: "20" },
    });
    expect(apply.Statement[0]?.Condition?.["StringEquals"]?.[`${HOST}:sub`]).toBe(
      "repo:acme@10/live@20:environment:gantry-apply",
    );
    expect(plan.Statement[0]?.Principal.Federated).toBe(`arn:aws:iam::ACCOUNT_ID:oidc-provider/${HOST}`);
    expect(lintTrustPolicy(apply, "apply")).toEqual([]);
    expect(() =>
      buildTrustPolicies({
        repoOwner: "acme",
        repo: "live",
        pipelinesRepo: "pipes",
        immutableSubject: { ownerId: "10", repoId: "20" },
      }),
    ).toThrow(/pipelines repository's id/);
  });
});

describe("lintTrustPolicy", () => {
  it("finds a policy without a sub condition", () => {
    expect(codes(policy({ StringEquals: audience }))).toEqual(["TRUST_NO_SUB_CONDITION"]);
    expect(codes(policy(undefined))).toEqual(["TRUST_MISSING_AUDIENCE", "TRUST_NO_SUB_CONDITION"]);
  });

  it("finds a wildcard owner and a wildcard repository", () => {
    expect(
      codes(
        policy({
          StringEquals: audience,
          StringLike: { [`${HOST}:sub`]: "repo:*/infrastructure-pipelines:ref:refs/heads/main" },
        }),
      ),
    ).toEqual(["TRUST_WILDCARD_OWNER"]);
    expect(
      codes(policy({ StringEquals: audience, StringLike: { [`${HOST}:sub`]: "repo:acme/*:ref:refs/heads/main" } })),
    ).toEqual(["TRUST_WILDCARD_REPOSITORY"]);
    expect(codes(policy({ StringEquals: audience, StringLike: { [`${HOST}:sub`]: "*" } }))).toEqual([
      "TRUST_WILDCARD_OWNER",
    ]);
  });

  it("finds a wildcard ref on the apply role, but allows it on the plan role", () => {
    const anyRef = policy({ StringEquals: audience, StringLike: { [`${HOST}:sub`]: "repo:acme/pipes:ref:*" } });
    expect(codes(anyRef, "apply")).toEqual(["TRUST_WILDCARD_REF_ON_APPLY"]);
    expect(codes(anyRef, "plan")).toEqual([]);
  });

  it.each([
    [
      "the pipelines repository's main (plan.yml runs there too)",
      "repo:acme/pipes:ref:refs/heads/main",
      "every workflow that runs on refs/heads/main, plan runs included",
    ],
    ["any pull request", "repo:acme/pipes:pull_request", "any pull request's workflow"],
    [
      "the plan workflow",
      "repo:acme/pipes:environment:gantry-apply:job_workflow_ref:acme/pipes/.github/workflows/plan.yml@refs/heads/main",
      "the plan workflow",
    ],
    [
      "a workflow on a branch",
      "repo:acme/pipes:environment:gantry-apply:job_workflow_ref:acme/pipes/.github/workflows/apply.yml@refs/heads/next",
      "not on refs/heads/main",
    ],
  ])("flags an apply role that trusts %s", (_name, subject, problem) => {
    const findings = lintTrustPolicy(policy({ StringEquals: { ...audience, [`${HOST}:sub`]: subject } }), "apply");
    expect(findings.map((finding) => finding.code)).toEqual(["TRUST_APPLY_TRUSTS_PLAN_RUNS"]);
    expect(findings[0]?.message).toContain(problem);
    expect(findings[0]?.fix).toContain("repo:acme/pipes:environment:gantry-apply");
  });

  it("flags conditions on claims AWS does not evaluate (they never match)", () => {
    const onWorkflow = policy({
      StringEquals: {
        ...audience,
        [`${HOST}:sub`]: "repo:acme/pipes:environment:gantry-apply",
        [`${HOST}:job_workflow_ref`]: "acme/pipes/.github/workflows/apply.yml@refs/heads/main",
      },
    });
    const findings = lintTrustPolicy(onWorkflow, "apply");
    expect(findings.map((finding) => finding.code)).toEqual(["TRUST_UNEVALUATED_CLAIM"]);
    expect(findings[0]?.fix).toContain("include_claim_keys");
    expect(
      codes(
        policy({
          StringEquals: audience,
          StringLike: { [`${HOST}:sub`]: "repo:acme/live:*", "aws:SourceIp": "10.0.0.0/8" },
        }),
        "plan",
      ),
    ).toEqual([]);
  });

  it("finds a missing audience and StringLike where StringEquals is meant, each with a fix", () => {
    const findings = lintTrustPolicy(
      policy({ StringLike: { [`${HOST}:sub`]: "repo:acme/pipes:environment:gantry-apply" } }),
      "apply",
    );
    expect(findings.map((finding) => finding.code)).toEqual([
      "TRUST_MISSING_AUDIENCE",
      "TRUST_STRINGLIKE_WITHOUT_WILDCARD",
    ]);
    expect(findings[0]?.fix).toContain("sts.amazonaws.com");
    expect(findings[1]?.fix).toContain("StringEquals");
    for (const finding of findings) expect(finding.statement).toBe(0);
  });

  it("reports a document that is not a trust policy", () => {
    expect(codes({ hello: "world" })).toEqual(["TRUST_POLICY_INVALID"]);
    expect(codes(null)).toEqual(["TRUST_POLICY_INVALID"]);
  });
});
