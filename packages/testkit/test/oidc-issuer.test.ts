import { createPublicKey, verify } from "node:crypto";
import { describe, expect, it } from "vitest";
import { startOidcIssuer } from "../src/oidc-issuer.js";

function decode(token: string) {
  const [header, payload, signature] = token.split(".");
  return {
    header: JSON.parse(Buffer.from(header!, "base64url").toString()) as Record<string, unknown>,
    claims: JSON.parse(Buffer.from(payload!, "base64url").toString()) as Record<string, unknown>,
    signedInput: `${header}.${payload}`,
    signature: Buffer.from(signature!, "base64url"),
  };
}

async function verifiesAgainstJwks(issuerUrl: string, token: string): Promise<boolean> {
  const discovery = (await (await fetch(`${issuerUrl}/.well-known/openid-configuration`)).json()) as {
    jwks_uri: string;
  };
  const jwks = (await (await fetch(discovery.jwks_uri)).json()) as { keys: Array<Record<string, string>> };
  const { header, signedInput, signature } = decode(token);
  const key = jwks.keys.find((candidate) => candidate["kid"] === header["kid"]);
  if (!key) return false;
  return verify("sha256", Buffer.from(signedInput), createPublicKey({ key, format: "jwk" }), signature);
}

describe("startOidcIssuer", () => {
  it("serves discovery and a JWKS that verifies its tokens, and not forged ones", async () => {
    await using issuer = await startOidcIssuer();
    const discovery = (await (await fetch(`${issuer.url}/.well-known/openid-configuration`)).json()) as Record<
      string,
      unknown
    >;
    expect(discovery["issuer"]).toBe(issuer.url);
    expect(discovery["id_token_signing_alg_values_supported"]).toEqual(["RS256"]);
    const context = { repository: "acme/infrastructure-pipelines", ref: "refs/heads/main" };
    expect(await verifiesAgainstJwks(issuer.url, issuer.mintToken(context))).toBe(true);
    expect(await verifiesAgainstJwks(issuer.url, issuer.mintToken(context, { signWithUntrustedKey: true }))).toBe(
      false,
    );
  });

  it("issues GitHub's claim set, with the classic and the immutable subject", async () => {
    await using issuer = await startOidcIssuer();
    const base = {
      repository: "acme/live",
      ref: "refs/heads/main",
      repositoryId: "456789",
      repositoryOwnerId: "123456",
      actor: "alice",
    };
    const { claims } = decode(issuer.mintToken(base, { audience: "sts.amazonaws.com" }));
    expect(claims).toMatchObject({
      sub: "repo:acme/live:ref:refs/heads/main",
      aud: "sts.amazonaws.com",
      iss: issuer.url,
      repository: "acme/live",
      repository_owner: "acme",
      repository_id: "456789",
      repository_owner_id: "123456",
      ref: "refs/heads/main",
      workflow_ref: "acme/live/.github/workflows/deploy.yml@refs/heads/main",
      job_workflow_ref: "acme/live/.github/workflows/deploy.yml@refs/heads/main",
      actor: "alice",
      event_name: "push",
    });
    for (const claim of ["exp", "iat", "nbf"]) expect(typeof claims[claim]).toBe("number");
    expect(claims["exp"] as number).toBeGreaterThan(Date.now() / 1000);
    expect(typeof claims["jti"]).toBe("string");

    expect(decode(issuer.mintToken({ ...base, immutableSubject: true })).claims["sub"]).toBe(
      "repo:acme@123456/live@456789:ref:refs/heads/main",
    );
    expect(
      decode(issuer.mintToken({ ...base, eventName: "pull_request", ref: "refs/pull/7/merge" })).claims["sub"],
    ).toBe("repo:acme/live:pull_request");
    expect(decode(issuer.mintToken({ ...base, environment: "prod" })).claims["sub"]).toBe(
      "repo:acme/live:environment:prod",
    );
    // A repository's customised template (include_claim_keys), GitHub's documented example shape.
    const custom = { ...base, environment: "prod", subjectClaimKeys: ["repo", "context", "job_workflow_ref"] };
    expect(decode(issuer.mintToken(custom)).claims["sub"]).toBe(
      "repo:acme/live:environment:prod:job_workflow_ref:acme/live/.github/workflows/deploy.yml@refs/heads/main",
    );
    expect(
      decode(issuer.mintToken({ ...base, subjectClaimKeys: ["repository_owner_id", "context"] })).claims["sub"],
    ).toBe("repository_owner_id:123456:ref:refs/heads/main");
    expect(
      decode(issuer.mintToken({ ...base, subjectClaimKeys: ["repo", "workflow_ref"], workflowRef: "a:b" })).claims[
        "sub"
      ],
    ).toBe("repo:acme/live:workflow_ref:a%3Ab");
    expect(decode(issuer.mintToken(base)).claims["aud"]).toBe("https://github.com/acme");
  });

  it("answers the runner's token request only with the run's bearer token, honouring audience", async () => {
    await using issuer = await startOidcIssuer();
    const run = issuer.startRun({ repository: "acme/pipes", ref: "refs/heads/main" });
    expect(run.env["GITHUB_ACTIONS"]).toBe("true");
    expect(run.env["GITHUB_WORKFLOW_REF"]).toBe("acme/pipes/.github/workflows/deploy.yml@refs/heads/main");

    const ok = await fetch(`${run.requestUrl}&audience=sts.amazonaws.com`, {
      headers: { authorization: `Bearer ${run.requestToken}` },
    });
    expect(ok.status).toBe(200);
    const { value } = (await ok.json()) as { value: string };
    expect(decode(value).claims["aud"]).toBe("sts.amazonaws.com");
    expect(decode(value).claims["repository"]).toBe("acme/pipes");
    expect(issuer.tokenRequests).toEqual([{ repository: "acme/pipes", audience: "sts.amazonaws.com" }]);

    const wrongBearer = await fetch(`${run.requestUrl}&audience=sts.amazonaws.com`, {
      headers: { authorization: "Bearer not-the-token" },
    });
    expect(wrongBearer.status).toBe(401);
    const noBearer = await fetch(run.requestUrl);
    expect(noBearer.status).toBe(401);
  });
});
