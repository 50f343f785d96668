import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { startGitHubEmulator } from "@gantry/testkit";
import { runGantry } from "./support/run-gantry.js";

const doctor = (env: Record<string, string | undefined>, ...argv: string[]) => runGantry(process.cwd(), env, "doctor", ...argv);

const repositoryRoot = fileURLToPath(new URL("../../..", import.meta.url));

describe("gantry doctor", () => {
  it("reports which tokens are set and flags broad classic scopes, never printing a token", async () => {
    await using github = await startGitHubEmulator({
      tokens: [
        { token: "ghp_codereadtoken000000000000000000000", kind: "classic", scopes: ["repo"], label: "code-read" },
        { token: "ghp_dispatchtoken000000000000000000000", kind: "classic", scopes: ["repo", "workflow", "admin:org"], label: "dispatch" },
      ],
    });
    const env = {
      GITHUB_API_URL: github.url,
      GANTRY_CODE_READ_TOKEN: "ghp_codereadtoken000000000000000000000",
      GANTRY_DISPATCH_TOKEN: "ghp_dispatchtoken000000000000000000000",
      PATH: process.env["PATH"],
    };
    const result = await doctor(env);
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toMatch(/GANTRY_CODE_READ_TOKEN\s+set \(classic\): scopes ok/);
    expect(result.stdout).toMatch(/GANTRY_INFRA_LIVE_TOKEN\s+not set/);
    expect(result.stdout).toMatch(/GANTRY_DISPATCH_TOKEN\s+set \(classic\): classic token has scopes broader than needed: admin:org, workflow/);
    expect(result.stdout).not.toContain("ghp_");
    expect(github.requests.filter((request) => request.path === "/user").map((request) => request.tokenLabel).sort()).toEqual(["code-read", "dispatch"]);
  });

  it("finds the real terragrunt and tofu on PATH", async () => {
    const tools = execFileSync("bash", [`${repositoryRoot}/scripts/ensure-iac-tools.sh`], { encoding: "utf8" }).trim();
    const result = await doctor({ PATH: `${tools}:${process.env["PATH"]}` }, "--json");
    expect(result.exitCode).toBe(0);
    const diagnosis = JSON.parse(result.stdout) as { tools: Array<{ name: string; available: boolean; version: string }>; tokens: Array<{ set: boolean }> };
    expect(diagnosis.tools).toEqual([
      { name: "terragrunt", available: true, version: "1.1.3" },
      { name: "tofu", available: true, version: "1.12.6" },
    ]);
    expect(diagnosis.tokens.every((token) => !token.set)).toBe(true);
  });
});
