import { startGitHubEmulator } from "@gantry/testkit";
import { describe, expect, it } from "vitest";
import { checkTokenScopes, publishPullRequestReport } from "../src/index.js";
import { emulatorOptions, headSha, printed, tokens } from "./github-fixtures.js";

describe("GitHub failures become GantryErrors that name the token, never print it", () => {
  it("404: names the call and says the token may not see the repository", async () => {
    await using github = await startGitHubEmulator(emulatorOptions());
    const error = await publishPullRequestReport({
      owner: "acme",
      repo: "infrastructure-live",
      pullNumber: 404,
      headSha,
      body: "x",
      token: tokens.report,
      baseUrl: github.url,
    }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: "GITHUB_NOT_FOUND", exitCode: 33 });
    expect((error as Error).message).toContain("GET /repos/acme/infrastructure-live/issues/404/comments");
    expect((error as { hint: string }).hint).toContain("the infra-live-write token can see acme/infrastructure-live");
    expect(printed(error)).not.toContain(tokens.report);
  });

  it("429 beyond the retries: GITHUB_RATE_LIMITED", async () => {
    await using github = await startGitHubEmulator(emulatorOptions());
    github.failNext("users/get-authenticated", 429, 4);
    await expect(checkTokenScopes(tokens.codeRead, { baseUrl: github.url })).rejects.toMatchObject({
      code: "GITHUB_RATE_LIMITED",
      exitCode: 35,
    });
  });

  it("a server that cannot be reached: GITHUB_REQUEST_FAILED", async () => {
    const github = await startGitHubEmulator(emulatorOptions());
    const closedUrl = github.url;
    await github.close();
    const error = await checkTokenScopes(tokens.codeRead, {
      baseUrl: closedUrl,
      tokenName: "GANTRY_CODE_READ_TOKEN",
    }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: "GITHUB_REQUEST_FAILED", exitCode: 30 });
    expect((error as Error).message).toContain("GET /user with GANTRY_CODE_READ_TOKEN failed");
    expect(printed(error)).not.toContain(tokens.codeRead);
  });

  it("an empty token fails before any call", async () => {
    await expect(
      checkTokenScopes("", { baseUrl: "http://127.0.0.1:9", tokenName: "GANTRY_CODE_READ_TOKEN" }),
    ).rejects.toMatchObject({
      code: "GITHUB_INPUT_INVALID",
      message: "GANTRY_CODE_READ_TOKEN is empty.",
    });
  });
});
