import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runGantry } from "./support/run-gantry.js";

const scratch = mkdtempSync(join(tmpdir(), "gantry-init-command-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const sha = "ac0b76b2d10c035e7b85d0e37bc39344f2b849b5";
const init = (dir: string, ...extra: string[]) =>
  runGantry(
    dir,
    {},
    "init",
    "--live-dir",
    "live",
    "--pipelines-dir",
    "pipelines",
    "--live-repository",
    "acme/infrastructure-live",
    "--pipelines-repository",
    "acme/infrastructure-pipelines",
    "--aws-account-id",
    "dev=111111111111",
    "--action",
    `gantry-iac/gantry@${sha}`,
    ...extra,
  );

describe("gantry init", () => {
  it("writes both repositories, then keeps the user's edit on a second run", async () => {
    const dir = mkdtempSync(join(scratch, "run-"));
    const first = await init(dir);
    expect(first.stderr).toBe("");
    expect(first.exitCode).toBe(0);
    expect(first.stdout).toContain("acme/infrastructure-live (");
    expect(first.stdout).toMatch(/create {3}\.github\/workflows\/gantry-plan\.yml/);
    expect(first.stdout).toContain(`Next: ${join(dir, "pipelines", "GANTRY_SETUP.md")}`);
    expect(readFileSync(join(dir, "pipelines/.github/workflows/apply.yml"), "utf8")).toContain(
      `gantry-iac/gantry@${sha} # v0.1.0`,
    );

    const workflow = join(dir, "live/.github/workflows/gantry-plan.yml");
    writeFileSync(workflow, `${readFileSync(workflow, "utf8")}# our own tweak\n`);
    const second = await init(dir);
    expect(second.exitCode).toBe(0);
    expect(second.stdout).toContain(
      "keep     .github/workflows/gantry-plan.yml: changed since gantry init wrote it (--force replaces it)",
    );
    expect(second.stdout).toContain("1 file(s) kept as they are");
    expect(readFileSync(workflow, "utf8")).toContain("# our own tweak");

    const json = await init(dir, "--json", "--force");
    const result = JSON.parse(json.stdout) as {
      kind: string;
      repositories: { role: string; files: { path: string; action: string }[] }[];
    };
    expect(result.kind).toBe("InitResult");
    expect(
      result.repositories[0]!.files.find((file) => file.path === ".github/workflows/gantry-plan.yml")!.action,
    ).toBe("overwrite");
    expect(readFileSync(workflow, "utf8")).not.toContain("# our own tweak");
  });

  it("--dry-run prints what it would write and writes nothing", async () => {
    const dir = mkdtempSync(join(scratch, "dry-"));
    const run = await init(dir, "--dry-run");
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toContain("Nothing was written (--dry-run)");
    expect(run.stdout).toContain("==> acme/infrastructure-pipelines: iam/main.tf <==");
    expect(run.stdout).toContain('resource "aws_iam_role" "apply"');
    expect(readdirSync(dir)).toEqual([]);
    expect(existsSync(join(dir, "live"))).toBe(false);
  });

  it("names what is missing or wrong, as usage errors", async () => {
    const dir = mkdtempSync(join(scratch, "usage-"));
    const missing = await runGantry(
      dir,
      {},
      "init",
      "--live-dir",
      "a",
      "--pipelines-dir",
      "b",
      "--live-repository",
      "acme/live",
    );
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr).toContain("missing required option --pipelines-repository");
    const account = await init(dir, "--aws-account-id", "prod=42");
    expect(account.exitCode).toBe(2);
    expect(account.stderr).toContain("--aws-account-id: 'prod=42': an AWS account id is 12 digits");
    const same = await runGantry(dir, {}, "init", "--live-dir", "x", "--pipelines-dir", "x");
    expect(same.stderr).toContain("--live-dir and --pipelines-dir are the same directory");
    expect(readdirSync(dir)).toEqual([]);
    const help = await runGantry(dir, {}, "help", "init");
    expect(help.stdout).toContain("Exit codes:");
  });
});
