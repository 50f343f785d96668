/**
 * End to end through the built binary: `gantry detect` prints a document that validates against the contract,
 * and exits with distinct codes. A `.slow` test because it needs the build first
 * (`pnpm exec turbo run build --filter @gantry/cli...`; `pnpm test` does it).
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, test } from "vitest";
import { detectionResultSchema } from "../src/index.js";
import { createTempGitRepo, liveRepoFiles } from "./helpers.js";

const BIN = resolve(import.meta.dirname, "../../cli/dist/bin.js");

function gantry(args: string[], cwd: string) {
  const result = spawnSync(process.execPath, [BIN, "detect", ...args], { cwd, encoding: "utf8" });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe("gantry detect (built binary)", () => {
  test("--json prints exactly the Detection document; the summary lists units with their reasons", async () => {
    await using repo = createTempGitRepo(liveRepoFiles());
    const base = repo.sha();
    const head = repo.commit({ "live/prod/account.hcl": `locals {\n  account_id = "5"\n}\n` });
    const uncached = gantry(
      ["--repo", repo.dir, "--base", base, "--head", head, "--event", "push", "--json", "--no-cache"],
      tmpdir(),
    );
    expect(uncached.code).toBe(0);
    expect(existsSync(join(repo.dir, ".git", "gantry"))).toBe(false);
    const json = gantry(["--repo", repo.dir, "--base", base, "--head", head, "--event", "push", "--json"], tmpdir());
    expect(json.stderr).toBe("");
    expect(json.code).toBe(0);
    expect(existsSync(join(repo.dir, ".git", "gantry", "detect-cache"))).toBe(true);
    expect(JSON.parse(json.stdout)).toEqual({ ...JSON.parse(uncached.stdout), stats: expect.anything() });
    const document = detectionResultSchema.parse(JSON.parse(json.stdout));
    expect(document.units.map((u) => `${u.path}:${u.status}`)).toEqual([
      "live/prod/us-east-1/app:affected",
      "live/prod/us-east-1/vpc:affected",
    ]);

    // --repo defaults to the current directory; without --json a readable summary.
    const summary = gantry(["--base", base, "--head", head, "--no-cache"], repo.dir);
    expect(summary.code).toBe(0);
    expect(summary.stdout).toContain("affected (2):");
    expect(summary.stdout).toContain("live/prod/us-east-1/app");
    expect(summary.stdout).toContain("read_terragrunt_config live/prod/account.hcl (root.hcl:3)");
  });

  test("distinct exit codes: usage, not a repository, unknown ref, broken unit", async () => {
    await using repo = createTempGitRepo({
      ...liveRepoFiles(),
      "live/prod/us-east-1/bad/terragrunt.hcl": "inputs = {\n",
    });
    const base = repo.sha();
    const head = repo.commit({ "live/prod/us-east-1/bad/terragrunt.hcl": "inputs = {{\n" });
    const usage = gantry(["--repo", repo.dir, "--base", base], tmpdir());
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain("--head");

    const empty = mkdtempSync(join(tmpdir(), "gantry-cli-"));
    try {
      const notRepo = gantry(["--base", "main", "--head", "HEAD"], empty);
      expect(notRepo.code).toBe(10);
      expect(notRepo.stderr).toContain("DETECT_NOT_A_REPO");
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }

    const unknownRef = gantry(["--repo", repo.dir, "--base", "nope", "--head", head], tmpdir());
    expect(unknownRef.code).toBe(11);
    expect(unknownRef.stderr).toContain("unknown base ref 'nope'");

    const broken = gantry(["--repo", repo.dir, "--base", base, "--head", head, "--json"], tmpdir());
    expect(broken.code).toBe(15);
    const document = detectionResultSchema.parse(JSON.parse(broken.stdout));
    expect(document.units.find((u) => u.path === "live/prod/us-east-1/bad")?.problems[0]).toMatchObject({
      code: "HCL_SYNTAX",
      line: 2,
    });
  });
});
