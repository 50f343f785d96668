import { execFileSync } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { startGitHubEmulator, type GitHubAppSpec } from "@gantry/testkit";
import { runGantry } from "./support/run-gantry.js";

const doctor = (env: Record<string, string | undefined>, ...argv: string[]) =>
  runGantry(process.cwd(), env, "doctor", ...argv);

const repositoryRoot = fileURLToPath(new URL("../../..", import.meta.url));
const tools = () =>
  execFileSync("bash", [`${repositoryRoot}/scripts/ensure-iac-tools.sh`], { encoding: "utf8" }).trim();
const scratch = mkdtempSync(join(tmpdir(), "gantry-doctor-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe("gantry doctor", () => {
  it("--pipelines-dir: passes the workflows gantry init writes, and flags a cache, a token where the tools run and a missing role", async () => {
    const dir = join(scratch, "infrastructure-pipelines");
    cpSync(join(repositoryRoot, "examples/github-workflows/infrastructure-pipelines"), dir, { recursive: true });
    const env = { PATH: `${tools()}:${process.env["PATH"]}` };
    const generated = await doctor(env, "--pipelines-dir", dir);
    expect(generated.stdout).toContain("pipelines workflows:\n  ");
    expect(generated.stdout).toContain(".github/workflows/apply.yml: keep Gantry's rules");
    expect(generated.exitCode).toBe(0);

    const workflows = join(dir, ".github/workflows");
    const edit = (name: string, from: string, to: string) => {
      const text = readFileSync(join(workflows, name), "utf8");
      expect(text).toContain(from);
      writeFileSync(join(workflows, name), text.replace(from, to));
    };
    // plan.yml: a cache a pull request's plan could have written; the code-read token where its code runs.
    edit(
      "plan.yml",
      "      - name: Upload the result\n",
      "      - name: Cache the providers\n        uses: actions/cache@v4\n        with:\n          path: ~/.terraform.d\n          key: providers\n      - name: Upload the result\n",
    );
    edit(
      "plan.yml",
      'GANTRY_DEPLOY_BRANCH_FETCHED: "true"\n',
      'GANTRY_DEPLOY_BRANCH_FETCHED: "true"\n          GANTRY_CODE_READ_TOKEN: ${{ secrets.GANTRY_CODE_READ_TOKEN }}\n',
    );
    // apply.yml: the App's key in the workflow's env reaches the tools step too; the role unset.
    edit("apply.yml", "  GANTRY_WORKFLOW_ROLE: apply\n", "  GANTRY_GITHUB_APP_PRIVATE_KEY: ${{ secrets.APP_KEY }}\n");
    const flagged = await doctor(env, "--pipelines-dir", dir, "--json");
    expect(flagged.exitCode).toBe(1);
    const { workflows: diagnosis } = JSON.parse(flagged.stdout) as {
      workflows: { findings: { code: string; file: string; line: number; step: string; message: string }[] };
    };
    expect(
      diagnosis.findings.map(({ code, file, line, step }) => ({ code, file: file.replace(/.*\//, ""), line, step })),
    ).toEqual([
      {
        code: "WORKFLOW_TOKEN_IN_TOOLS_STEP",
        file: "plan.yml",
        line: 66,
        step: "Guards, then the plan role, then terragrunt",
      },
      { code: "WORKFLOW_USES_CACHE", file: "plan.yml", line: 80, step: "Cache the providers" },
      {
        code: "WORKFLOW_TOKEN_IN_TOOLS_STEP",
        file: "apply.yml",
        line: 68,
        step: "Deploy from the deployment record to the deploy branch's tip",
      },
      {
        code: "WORKFLOW_ROLE_NOT_SET",
        file: "apply.yml",
        line: 68,
        step: "Deploy from the deployment record to the deploy branch's tip",
      },
    ]);
    expect(diagnosis.findings[0]!.message).toBe("the step that runs terragrunt and tofu holds GANTRY_CODE_READ_TOKEN");
    expect(diagnosis.findings[2]!.message).toBe(
      "the step that runs terragrunt and tofu holds GANTRY_GITHUB_APP_PRIVATE_KEY",
    );
    const text = await doctor(env, "--pipelines-dir", dir);
    expect(text.stdout).toMatch(/plan\.yml:80: WORKFLOW_USES_CACHE: step 'Cache the providers': job plan uses a cache/);
    expect(text.stdout).toContain("    fix: remove the step");

    rmSync(join(workflows, "apply.yml"));
    const missing = await doctor(env, "--pipelines-dir", dir);
    expect(missing.stdout).toMatch(/apply\.yml: WORKFLOW_UNREADABLE: not found/);
  });

  it("reports which tokens are set and flags broad classic scopes, never printing a token", async () => {
    await using github = await startGitHubEmulator({
      tokens: [
        { token: "ghp_codereadtoken000000000000000000000", kind: "classic", scopes: ["repo"], label: "code-read" },
        {
          token: "ghp_dispatchtoken000000000000000000000",
          kind: "classic",
          scopes: ["repo", "workflow", "admin:org"],
          label: "dispatch",
        },
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
    expect(result.stdout).toMatch(
      /GANTRY_DISPATCH_TOKEN\s+set \(classic\): classic token has scopes broader than needed: admin:org, workflow/,
    );
    expect(result.stdout).not.toContain("ghp_");
    expect(
      github.requests
        .filter((request) => request.path === "/user")
        .map((request) => request.tokenLabel)
        .sort(),
    ).toEqual(["code-read", "dispatch"]);
  });

  it("finds the real terragrunt and tofu on PATH, and runs GANTRY_TERRAGRUNT / GANTRY_TOFU when they are set", async () => {
    const dir = tools();
    const onPath = await doctor({ PATH: `${dir}:${process.env["PATH"]}` }, "--json");
    expect(onPath.exitCode).toBe(0);
    const diagnosis = JSON.parse(onPath.stdout) as {
      tools: Array<{ name: string; available: boolean; version: string }>;
      tokens: Array<{ set: boolean }>;
    };
    expect(diagnosis.tools).toEqual([
      { name: "terragrunt", command: "terragrunt", available: true, version: "1.1.3" },
      { name: "tofu", command: "tofu", available: true, version: "1.12.6" },
    ]);
    expect(diagnosis.tokens.every((token) => !token.set)).toBe(true);

    // Not on PATH, named by the variables the executor honours.
    const named = await doctor({
      PATH: "/usr/bin:/bin",
      GANTRY_TERRAGRUNT: join(dir, "terragrunt"),
      GANTRY_TOFU: join(dir, "tofu"),
    });
    expect(named.exitCode).toBe(0);
    expect(named.stdout).toContain(`terragrunt               1.1.3 (${join(dir, "terragrunt")})`);
    const wrong = await doctor({ PATH: `${dir}:/usr/bin:/bin`, GANTRY_TOFU: join(scratch, "no-such-tofu") });
    expect(wrong.exitCode).toBe(1);
    expect(wrong.stdout).toContain(`tofu                     cannot run ${join(scratch, "no-such-tofu")}`);
  });

  it("validates the checkout's configuration, naming the file and line of a problem", async () => {
    const repo = join(scratch, "live");
    mkdirSync(join(repo, ".gantry"), { recursive: true });
    execFileSync("git", ["init", "-q", repo]);
    const env = { PATH: `${tools()}:${process.env["PATH"]}` };
    writeFileSync(
      join(repo, ".gantry/config.yml"),
      "deployBranch: main\nenvironments:\n  - name: dev\n    paths: ['dev/**']\n",
    );
    const valid = await doctor(env, "--repo", repo);
    expect(valid.stdout).toContain("configuration:\n  .gantry/config.yml: valid, 1 environment(s)");
    expect(valid.exitCode).toBe(0);
    writeFileSync(
      join(repo, ".gantry/config.yml"),
      "deployBranch: main\nenvironments:\n  - name: dev\n    pahts: ['dev/**']\n",
    );
    const invalid = await doctor(env, "--repo", repo);
    expect(invalid.exitCode).toBe(1);
    expect(invalid.stdout).toContain(
      "configuration:\n  .gantry/config.yml:3:5: key environments[0].paths: is required",
    );
    expect(invalid.stdout).toContain("line 4: key environments[0].pahts: unknown key 'pahts': did you mean 'paths'?");
  });

  describe("with a GitHub App", () => {
    const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const appEnv = {
      GANTRY_GITHUB_APP_ID: "4242",
      GANTRY_GITHUB_APP_PRIVATE_KEY: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
      PATH: `${tools()}:${process.env["PATH"]}`,
    };
    const app = (
      permissions: NonNullable<GitHubAppSpec["installations"][number]["permissions"]>,
      repositories: string[],
    ): GitHubAppSpec => ({
      id: 4242,
      slug: "gantry-acme",
      publicKey: publicKey.export({ type: "spki", format: "pem" }).toString(),
      installations: [{ id: 9, account: "acme", repositories, permissions }],
    });
    const repositories = [
      { owner: "acme", name: "infrastructure-live" },
      { owner: "acme", name: "infrastructure-pipelines" },
    ];
    const flags = [
      "--live-repository",
      "acme/infrastructure-live",
      "--pipelines-repository",
      "acme/infrastructure-pipelines",
    ];

    it("checks each role the App stands in for, and never prints the key or a token", async () => {
      await using github = await startGitHubEmulator({
        tokens: [],
        repositories,
        apps: [
          app({ contents: "read", pull_requests: "write", actions: "write" }, [
            "acme/infrastructure-live",
            "acme/infrastructure-pipelines",
          ]),
        ],
      });
      const result = await doctor({ ...appEnv, GITHUB_API_URL: github.url }, ...flags);
      expect(result.stdout).toContain("GitHub App 4242 (gantry-acme):");
      expect(result.stdout).toMatch(
        /for GANTRY_DISPATCH_TOKEN\s+a token narrowed to acme\/infrastructure-pipelines \(Actions: read and write\)/,
      );
      expect(result.stdout).toMatch(
        /for GANTRY_CODE_READ_TOKEN\s+a token narrowed to acme\/infrastructure-live \(Contents: read\)/,
      );
      expect(result.stdout).toMatch(/GANTRY_INFRA_LIVE_TOKEN\s+not set \(the GitHub App stands in\)/);
      expect(result.exitCode).toBe(0);
      expect(result.stdout).not.toMatch(/ghs_|PRIVATE KEY/);
      expect(github.installationTokens.map((minted) => minted.repositories)).toEqual([
        ["acme/infrastructure-live"],
        ["acme/infrastructure-live"],
        ["acme/infrastructure-pipelines"],
      ]);
      expect(github.violations).toEqual([]);
    });

    it("flags an installation broader than needed, and one missing a repository or a permission", async () => {
      await using github = await startGitHubEmulator({
        tokens: [],
        repositories,
        apps: [app({ contents: "write", administration: "read" } as never, ["acme/infrastructure-live"])],
      });
      const result = await doctor(
        { ...appEnv, GITHUB_API_URL: github.url, GANTRY_INFRA_LIVE_TOKEN: "github_pat_not_checked_here" },
        ...flags,
        "--json",
      );
      expect(result.exitCode).toBe(1);
      const diagnosis = JSON.parse(result.stdout) as {
        githubApp: { broaderThanNeeded: string[]; roles: Array<{ role: string; problem: string | null }> };
      };
      expect(diagnosis.githubApp.broaderThanNeeded).toEqual(["administration: read", "contents: write"]);
      expect(diagnosis.githubApp.roles.map((role) => role.role)).toEqual(["code-read", "dispatch"]);
      expect(diagnosis.githubApp.roles[0]!.problem).toBeNull();
      expect(diagnosis.githubApp.roles[1]!.problem).toContain(
        "the App is not installed on acme/infrastructure-pipelines",
      );
    });
  });
});
