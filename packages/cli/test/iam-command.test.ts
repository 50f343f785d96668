import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runGantry } from "./support/run-gantry.js";

const dir = mkdtempSync(join(tmpdir(), "gantry-iam-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const gantry = (...argv: string[]) => runGantry(dir, {}, ...argv);
/** `gantry iam trust-policy --repo-owner acme --repo <repo> …`: every policy here is acme's. */
const trustPolicy = (repo: string, ...argv: string[]) =>
  gantry("iam", "trust-policy", "--repo-owner", "acme", "--repo", repo, ...argv);

describe("gantry iam trust-policy", () => {
  it("prints the plan and apply trust policies, and one role's with --role", async () => {
    const both = await trustPolicy(
      "infrastructure-live",
      "--pipelines-repository",
      "acme/infrastructure-pipelines",
      "--account-id",
      "111122223333",
    );
    expect(both.exitCode).toBe(0);
    const policies = JSON.parse(both.stdout) as {
      plan: { Statement: Array<{ Condition: Record<string, Record<string, unknown>> }> };
      apply: { Statement: Array<{ Condition: Record<string, Record<string, unknown>> }> };
    };
    expect(policies.apply.Statement[0]?.Condition["StringEquals"]?.["token.actions.githubusercontent.com:sub"]).toBe(
      "repo:acme/infrastructure-pipelines:environment:gantry-apply",
    );
    expect(policies.plan.Statement[0]?.Condition["StringLike"]?.["token.actions.githubusercontent.com:sub"]).toContain(
      "repo:acme/infrastructure-live:ref:*",
    );

    const apply = await trustPolicy(
      "live",
      "--immutable-sub",
      "--owner-id",
      "10",
      "--repo-id",
      "20",
      "--role",
      "apply",
    );
    expect(
      JSON.parse(apply.stdout).Statement[0].Condition.StringEquals["token.actions.githubusercontent.com:sub"],
    ).toBe("repo:acme@10/live@20:environment:gantry-apply");
    expect(apply.stderr).toContain("ACCOUNT_ID is a placeholder");

    const pinned = await trustPolicy(
      "live",
      "--pipelines-repo",
      "pipes",
      "--apply-environment",
      "prod-apply",
      "--sub-includes-workflow",
      "--role",
      "apply",
    );
    expect(
      JSON.parse(pinned.stdout).Statement[0].Condition.StringEquals["token.actions.githubusercontent.com:sub"],
    ).toBe(
      "repo:acme/pipes:environment:prod-apply:job_workflow_ref:acme/pipes/.github/workflows/apply.yml@refs/heads/main",
    );
  });

  it("takes --pipelines-repository OWNER/REPO of --repo-owner, and the older --pipelines-repo NAME alike", async () => {
    const base = ["live", "--role", "apply"] as const;
    const repository = await trustPolicy(...base, "--pipelines-repository", "acme/pipes");
    const name = await trustPolicy(...base, "--pipelines-repo", "pipes");
    expect(repository.exitCode).toBe(0);
    expect(repository.stdout).toContain("repo:acme/pipes:environment:gantry-apply");
    expect(name.stdout).toBe(repository.stdout);
    // The policies name both repositories under --repo-owner: another owner would be rewritten silently.
    const otherOwner = await trustPolicy(...base, "--pipelines-repository", "evil/pipes");
    expect([otherOwner.exitCode, otherOwner.stderr]).toEqual([
      2,
      expect.stringContaining("--pipelines-repository evil/pipes is not owned by --repo-owner acme"),
    ]);
    const disagree = await trustPolicy(...base, "--pipelines-repository", "acme/pipes", "--pipelines-repo", "other");
    expect([disagree.exitCode, disagree.stderr]).toEqual([2, expect.stringContaining("disagree")]);
    const malformed = await trustPolicy(...base, "--pipelines-repository", "pipes");
    expect([malformed.exitCode, malformed.stderr]).toEqual([2, expect.stringContaining("must be OWNER/REPO")]);
  });

  it("is a usage error (exit 2) without the required options or with bad ids", async () => {
    expect((await gantry("iam", "trust-policy", "--repo", "live")).exitCode).toBe(2);
    const badAccount = await trustPolicy("live", "--account-id", "12");
    expect([badAccount.exitCode, badAccount.stderr.includes("--account-id must be 12 digits")]).toEqual([2, true]);
    expect((await trustPolicy("live", "--immutable-sub", "--owner-id", "10")).stderr).toContain("--repo-id");
  });
});

describe("gantry iam lint", () => {
  it("passes the printed policies and finds misconfigurations with a fix each (exit 1)", async () => {
    const printed = await trustPolicy("live", "--role", "apply", "--account-id", "111122223333");
    writeFileSync(join(dir, "apply-role.json"), printed.stdout);
    const clean = await gantry("iam", "lint", "apply-role.json");
    expect([clean.exitCode, clean.stdout.split("\n")[0]]).toEqual([
      0,
      "apply-role.json: no problems found (checked as the apply role)",
    ]);

    const wide = JSON.parse(printed.stdout);
    wide.Statement[0].Condition = { StringLike: { "token.actions.githubusercontent.com:sub": "repo:acme/*:ref:*" } };
    writeFileSync(join(dir, "apply-wide.json"), JSON.stringify(wide, null, 2));
    const result = await gantry("iam", "lint", "apply-wide.json");
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toContain("Statement[0]: TRUST_MISSING_AUDIENCE");
    expect(result.stdout).toContain("TRUST_WILDCARD_REPOSITORY");
    expect(result.stdout).toContain("TRUST_WILDCARD_REF_ON_APPLY");
    expect(result.stdout.match(/\n  fix: /g)).toHaveLength(3);

    const json = await gantry("iam", "lint", "apply-wide.json", "--role", "plan", "--json");
    expect(JSON.parse(json.stdout).findings.map((finding: { code: string }) => finding.code)).toEqual([
      "TRUST_MISSING_AUDIENCE",
      "TRUST_WILDCARD_REPOSITORY",
    ]);
  });

  it("flags an apply role that trusts the pipelines repository's main, where plan runs get their tokens too", async () => {
    const printed = JSON.parse((await trustPolicy("live", "--pipelines-repo", "pipes", "--role", "apply")).stdout);
    printed.Statement[0].Condition.StringEquals["token.actions.githubusercontent.com:sub"] =
      "repo:acme/pipes:ref:refs/heads/main";
    writeFileSync(join(dir, "apply-main.json"), JSON.stringify(printed));
    const result = await gantry("iam", "lint", "apply-main.json");
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toContain(
      "TRUST_APPLY_TRUSTS_PLAN_RUNS: the apply role accepts sub 'repo:acme/pipes:ref:refs/heads/main': every workflow that runs on refs/heads/main, plan runs included",
    );
    expect(result.stdout).toContain("repo:acme/pipes:environment:gantry-apply");
  });

  it("(G5) flags an apply role whose subject is not the pipelines repository's, and infers the role from its subjects", async () => {
    // The apply environment of infrastructure-live, where anyone who can push a branch edits the workflows.
    const printed = JSON.parse((await trustPolicy("infrastructure-live", "--role", "apply")).stdout);
    expect(printed.Statement[0].Condition.StringEquals["token.actions.githubusercontent.com:sub"]).toBe(
      "repo:acme/infrastructure-live:environment:gantry-apply",
    );
    writeFileSync(join(dir, "role.json"), JSON.stringify(printed));
    const result = await gantry("iam", "lint", "role.json", "--pipelines-repository", "acme/infrastructure-pipelines");
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toContain(
      "TRUST_APPLY_OUTSIDE_PIPELINES_REPOSITORY: the apply role accepts sub 'repo:acme/infrastructure-live:environment:gantry-apply', of acme/infrastructure-live, not of the pipelines repository acme/infrastructure-pipelines",
    );
    expect(result.stdout).toContain(
      'fix: pin it to the pipelines repository\'s apply environment: "StringEquals": { "...:sub": "repo:acme/infrastructure-pipelines:environment:gantry-apply" }',
    );
    expect(result.stdout).toContain("(checked as the apply role, from its subjects)");
    const json = JSON.parse(
      (await gantry("iam", "lint", "role.json", "--pipelines-repository", "acme/infrastructure-pipelines", "--json"))
        .stdout,
    );
    expect(json).toMatchObject({ role: "apply", pipelinesRepository: "acme/infrastructure-pipelines" });

    // The same policy for the pipelines repository passes, in the immutable format too; without the flag, a note.
    const good = JSON.parse(
      (
        await trustPolicy(
          "infrastructure-pipelines",
          "--immutable-sub",
          "--owner-id",
          "10",
          "--repo-id",
          "30",
          "--role",
          "apply",
        )
      ).stdout,
    );
    writeFileSync(join(dir, "role-good.json"), JSON.stringify(good));
    const clean = await gantry(
      "iam",
      "lint",
      "role-good.json",
      "--pipelines-repository",
      "ACME/infrastructure-pipelines",
    );
    expect([clean.exitCode, clean.stdout]).toEqual([
      0,
      "role-good.json: no problems found (checked as the apply role, from its subjects)\n",
    ]);
    const unnamed = await gantry("iam", "lint", "role.json");
    expect(unnamed.exitCode).toBe(0);
    expect(unnamed.stdout).toContain(
      "pass --pipelines-repository OWNER/REPO to check that its subjects are the pipelines repository's",
    );
    expect(
      (await gantry("iam", "lint", "role.json", "--pipelines-repository", "infrastructure-pipelines")).exitCode,
    ).toBe(2);

    // The plan role (any ref and pull request of infrastructure-live) is not mistaken for the apply role.
    const plan = JSON.parse(
      (await trustPolicy("infrastructure-live", "--pipelines-repo", "infrastructure-pipelines", "--role", "plan"))
        .stdout,
    );
    writeFileSync(join(dir, "role-2.json"), JSON.stringify(plan));
    const planLint = await gantry(
      "iam",
      "lint",
      "role-2.json",
      "--pipelines-repository",
      "acme/infrastructure-pipelines",
    );
    expect([planLint.exitCode, planLint.stdout]).toEqual([
      0,
      "role-2.json: no problems found (role unknown: pass --role apply to check refs too)\n",
    ]);
  });

  it("names the file, line and column of invalid JSON", async () => {
    writeFileSync(join(dir, "broken.json"), '{\n  "Version": "2012-10-17",\n  "Statement": [,]\n}\n');
    const result = await gantry("iam", "lint", "broken.json");
    expect(result.exitCode).toBe(21);
    expect(result.stderr).toContain(
      "broken.json:3:17: the trust policy is not JSON: expected a JSON value at line 3, column 17",
    );
    const missing = await gantry("iam", "lint", "missing.json");
    expect(missing.exitCode).toBe(21);
    expect(missing.stderr).toContain("IAM_POLICY_INVALID");
  });
});
