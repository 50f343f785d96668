import { describe, expect, it } from "vitest";
import { buildTrustPolicies, lintTrustPolicy, type TrustPolicy } from "../src/index.js";

const HOST = "token.actions.githubusercontent.com";
const PROVIDER = `arn:aws:iam::111122223333:oidc-provider/${HOST}`;

function policy(condition: Record<string, Record<string, string | string[]>> | undefined): TrustPolicy {
  return { Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Federated: PROVIDER }, Action: "sts:AssumeRoleWithWebIdentity", ...(condition ? { Condition: condition } : {}) }] };
}
const audience = { [`${HOST}:aud`]: "sts.amazonaws.com" };
const codes = (document: unknown, role: "plan" | "apply" | "unknown" = "unknown") => lintTrustPolicy(document, role).map((finding) => finding.code);

describe("buildTrustPolicies", () => {
  it("lets the plan role be assumed from any ref or pull request, and the apply role only from the pipelines repository's main", () => {
    const { plan, apply } = buildTrustPolicies({ repoOwner: "acme", repo: "infrastructure-live", pipelinesRepo: "infrastructure-pipelines", accountId: "111122223333" });
    expect(plan.Statement[0]).toEqual({
      Sid: "GantryPlanAnyRef",
      Effect: "Allow",
      Principal: { Federated: PROVIDER },
      Action: "sts:AssumeRoleWithWebIdentity",
      Condition: {
        StringEquals: audience,
        StringLike: { [`${HOST}:sub`]: ["repo:acme/infrastructure-live:ref:*", "repo:acme/infrastructure-live:pull_request", "repo:acme/infrastructure-pipelines:ref:*"] },
      },
    });
    expect(apply.Statement[0]?.Condition).toEqual({ StringEquals: { ...audience, [`${HOST}:sub`]: "repo:acme/infrastructure-pipelines:ref:refs/heads/main" } });
    expect(lintTrustPolicy(plan, "plan")).toEqual([]);
    expect(lintTrustPolicy(apply, "apply")).toEqual([]);
  });

  it("uses GitHub's immutable subject with owner and repository ids when asked", () => {
    const { apply, plan } = buildTrustPolicies({ repoOwner: "acme", repo: "live", immutableSubject: { ownerId: "10", repoId: "20" } });
    expect(apply.Statement[0]?.Condition?.["StringEquals"]?.[`${HOST}:sub`]).toBe("repo:acme@10/live@20:ref:refs/heads/main");
    expect(plan.Statement[0]?.Principal.Federated).toBe(`arn:aws:iam::ACCOUNT_ID:oidc-provider/${HOST}`);
    expect(lintTrustPolicy(apply, "apply")).toEqual([]);
    expect(() => buildTrustPolicies({ repoOwner: "acme", repo: "live", pipelinesRepo: "pipes", immutableSubject: { ownerId: "10", repoId: "20" } })).toThrow(/pipelines repository's id/);
  });
});

describe("lintTrustPolicy", () => {
  it("finds a policy without a sub condition", () => {
    expect(codes(policy({ StringEquals: audience }))).toEqual(["TRUST_NO_SUB_CONDITION"]);
    expect(codes(policy(undefined))).toEqual(["TRUST_MISSING_AUDIENCE", "TRUST_NO_SUB_CONDITION"]);
  });

  it("finds a wildcard owner and a wildcard repository", () => {
    expect(codes(policy({ StringEquals: audience, StringLike: { [`${HOST}:sub`]: "repo:*/infrastructure-pipelines:ref:refs/heads/main" } }))).toEqual(["TRUST_WILDCARD_OWNER"]);
    expect(codes(policy({ StringEquals: audience, StringLike: { [`${HOST}:sub`]: "repo:acme/*:ref:refs/heads/main" } }))).toEqual(["TRUST_WILDCARD_REPOSITORY"]);
    expect(codes(policy({ StringEquals: audience, StringLike: { [`${HOST}:sub`]: "*" } }))).toEqual(["TRUST_WILDCARD_OWNER"]);
  });

  it("finds a wildcard ref on the apply role, but allows it on the plan role", () => {
    const anyRef = policy({ StringEquals: audience, StringLike: { [`${HOST}:sub`]: "repo:acme/pipes:ref:*" } });
    expect(codes(anyRef, "apply")).toEqual(["TRUST_WILDCARD_REF_ON_APPLY"]);
    expect(codes(anyRef, "plan")).toEqual([]);
    expect(codes(policy({ StringEquals: { ...audience, [`${HOST}:sub`]: "repo:acme/pipes:pull_request" } }), "apply")).toEqual(["TRUST_WILDCARD_REF_ON_APPLY"]);
  });

  it("finds a missing audience and StringLike where StringEquals is meant, each with a fix", () => {
    const findings = lintTrustPolicy(policy({ StringLike: { [`${HOST}:sub`]: "repo:acme/pipes:ref:refs/heads/main" } }), "apply");
    expect(findings.map((finding) => finding.code)).toEqual(["TRUST_MISSING_AUDIENCE", "TRUST_STRINGLIKE_WITHOUT_WILDCARD"]);
    expect(findings[0]?.fix).toContain("sts.amazonaws.com");
    expect(findings[1]?.fix).toContain("StringEquals");
    for (const finding of findings) expect(finding.statement).toBe(0);
  });

  it("reports a document that is not a trust policy", () => {
    expect(codes({ hello: "world" })).toEqual(["TRUST_POLICY_INVALID"]);
    expect(codes(null)).toEqual(["TRUST_POLICY_INVALID"]);
  });
});
