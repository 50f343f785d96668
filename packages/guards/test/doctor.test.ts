import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { createTempGitRepo } from "@gantry/testkit";
import { diagnoseSetup, excessClassicScopes, readScopesFromGithub, readToken, tokenKind } from "../src/index.js";

/** A tiny `GET /user` endpoint answering with `X-OAuth-Scopes` per token, as GitHub does for classic tokens. */
async function userEndpoint(scopesByToken: Record<string, string | null>) {
  const server = createServer((req, res) => {
    const token = /^token (.+)$/.exec(req.headers.authorization ?? "")?.[1] ?? "";
    if (req.url !== "/user" || !(token in scopesByToken)) {
      res.writeHead(401, { "content-type": "application/json" }).end('{"message":"Bad credentials"}');
      return;
    }
    const scopes = scopesByToken[token];
    res
      .writeHead(200, {
        "content-type": "application/json",
        ...(scopes === null ? {} : { "x-oauth-scopes": scopes ?? "" }),
      })
      .end('{"login":"bot"}');
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    async [Symbol.asyncDispose]() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

describe("tokens", () => {
  it("keeps the three tokens separate, with no fallback between them", () => {
    const env = { GANTRY_DISPATCH_TOKEN: "ghp_dispatch" };
    expect(readToken(env, "dispatch")).toBe("ghp_dispatch");
    expect(readToken(env, "code-read")).toBeUndefined();
    expect(readToken(env, "infra-live-write")).toBeUndefined();
    expect([tokenKind("ghp_x"), tokenKind("github_pat_x"), tokenKind("ghs_x"), tokenKind("other")]).toEqual([
      "classic",
      "fine-grained",
      "github-app",
      "unknown",
    ]);
    expect(excessClassicScopes(["repo", "workflow", "admin:org"])).toEqual(["admin:org", "workflow"]);
  });

  it("reports which tokens are set and flags classic scopes broader than needed, never printing a token", async () => {
    await using github = await userEndpoint({ ghp_narrow: "repo", ghp_broad: "repo, admin:org, delete_repo" });
    const env = {
      GANTRY_CODE_READ_TOKEN: "ghp_narrow",
      GANTRY_DISPATCH_TOKEN: "ghp_broad",
      GANTRY_INFRA_LIVE_TOKEN: "github_pat_fine",
      PATH: process.env["PATH"],
    };
    const diagnosis = await diagnoseSetup({ env, readScopes: readScopesFromGithub({ baseUrl: github.url }) });
    expect(diagnosis.tokens.map((token) => [token.variable, token.set, token.kind, token.excessScopes])).toEqual([
      ["GANTRY_CODE_READ_TOKEN", true, "classic", []],
      ["GANTRY_INFRA_LIVE_TOKEN", true, "fine-grained", null],
      ["GANTRY_DISPATCH_TOKEN", true, "classic", ["admin:org", "delete_repo"]],
    ]);
    expect(diagnosis.tokens[2]?.problem).toContain("broader than needed");
    expect(diagnosis.healthy).toBe(false);
    expect(JSON.stringify(diagnosis)).not.toMatch(/ghp_|github_pat_/);
  });

  it("reports a rejected token without its value, and missing tools", async () => {
    await using github = await userEndpoint({});
    const diagnosis = await diagnoseSetup({
      env: { GANTRY_CODE_READ_TOKEN: "ghp_revoked", PATH: "/nonexistent" },
      readScopes: readScopesFromGithub({ baseUrl: github.url }),
    });
    expect(diagnosis.tokens[0]?.problem).toContain("401");
    expect(diagnosis.tokens[1]).toMatchObject({ set: false, problem: null });
    expect(diagnosis.tools).toEqual([
      { name: "terragrunt", command: "terragrunt", available: false, version: null },
      { name: "tofu", command: "tofu", available: false, version: null },
    ]);
    expect(JSON.stringify(diagnosis)).not.toContain("ghp_revoked");
  });

  it("flags a checkout that keeps credentials in .git/config, naming the key, never the value", async () => {
    await using repo = createTempGitRepo({ "a.txt": "a" });
    const clean = await diagnoseSetup({
      env: { PATH: process.env["PATH"] },
      readScopes: async () => null,
      repo: repo.dir,
    });
    expect(clean.checkout).toEqual({ repo: repo.dir, persistedCredentials: [], problem: null });
    repo.git("config", "http.https://github.com/.extraheader", "AUTHORIZATION: basic c2VjcmV0");
    repo.git("remote", "add", "origin", "https://x-access-token:ghs_secret123@github.com/acme/live.git");
    const persisted = await diagnoseSetup({
      env: { PATH: process.env["PATH"] },
      readScopes: async () => null,
      repo: repo.dir,
    });
    expect(persisted.checkout?.persistedCredentials).toEqual([
      "http.https://github.com/.extraheader",
      "remote.origin.url",
    ]);
    expect(persisted.checkout?.problem).toContain("persist-credentials: false");
    expect(persisted.healthy).toBe(false);
    expect(JSON.stringify(persisted)).not.toMatch(/c2VjcmV0|ghs_secret123/);
  });
});
