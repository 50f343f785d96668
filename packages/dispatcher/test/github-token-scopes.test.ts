import { startGitHubEmulator } from "@gantry/testkit";
import { describe, expect, it } from "vitest";
import { checkTokenScopes } from "../src/index.js";
import { emulatorOptions, printed, tokens } from "./github-fixtures.js";

describe("checkTokenScopes", () => {
  it("reports a classic token's scopes and those broader than its role needs", async () => {
    await using github = await startGitHubEmulator(emulatorOptions());
    const report = await checkTokenScopes(tokens.broadClassic, { baseUrl: github.url, role: "dispatch" });
    expect(report).toEqual({
      kind: "classic",
      scopes: ["repo", "workflow", "admin:org"],
      broaderThanNeeded: ["workflow", "admin:org"],
      missing: [],
      login: "gantry-ci",
    });
  });

  it("finds nothing broader in a classic token with only `repo`, and counts repo's own sub-scopes as part of it", async () => {
    await using github = await startGitHubEmulator({
      ...emulatorOptions(),
      tokens: [
        { token: tokens.codeRead, kind: "classic", scopes: ["repo"] },
        { token: "ghp_withSubScopes", kind: "classic", scopes: ["repo", "repo:status", "public_repo"] },
        { token: "ghp_tooNarrow", kind: "classic", scopes: ["read:org"] },
      ],
    });
    expect((await checkTokenScopes(tokens.codeRead, { baseUrl: github.url })).broaderThanNeeded).toEqual([]);
    expect((await checkTokenScopes("ghp_withSubScopes", { baseUrl: github.url })).broaderThanNeeded).toEqual([]);
    const narrow = await checkTokenScopes("ghp_tooNarrow", { baseUrl: github.url, role: "infra-live-write" });
    expect(narrow).toMatchObject({ kind: "classic", broaderThanNeeded: ["read:org"], missing: ["repo"] });
  });

  it("recognises a fine-grained token (no scopes header) and cannot list its permissions", async () => {
    await using github = await startGitHubEmulator(emulatorOptions());
    expect(await checkTokenScopes(tokens.dispatch, { baseUrl: github.url, role: "dispatch" })).toEqual({
      kind: "fine-grained",
      scopes: [],
      broaderThanNeeded: [],
      missing: [],
      login: "gantry-ci",
    });
  });

  it("calls a token it cannot classify unknown (e.g. an installation token)", async () => {
    await using github = await startGitHubEmulator({
      ...emulatorOptions(),
      tokens: [{ token: "ghs_installation", kind: "fine-grained", repositories: [], permissions: {} }],
    });
    expect((await checkTokenScopes("ghs_installation", { baseUrl: github.url })).kind).toBe("unknown");
  });

  it("fails with GITHUB_BAD_CREDENTIALS naming the token, never printing it", async () => {
    await using github = await startGitHubEmulator(emulatorOptions());
    const secret = "ghp_notRegistered_secret_value_123456";
    const error = await checkTokenScopes(secret, {
      baseUrl: github.url,
      role: "code-read",
      tokenName: "GANTRY_CODE_READ_TOKEN",
    }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: "GITHUB_BAD_CREDENTIALS", exitCode: 31 });
    expect(printed(error)).toContain("GANTRY_CODE_READ_TOKEN");
    expect(printed(error)).not.toContain(secret);
  });
});
