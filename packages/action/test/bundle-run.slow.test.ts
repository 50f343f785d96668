import { execFileSync, spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

const packageDir = dirname(dirname(fileURLToPath(import.meta.url)));
const repositoryRoot = dirname(dirname(packageDir));
const work = mkdtempSync(join(tmpdir(), "gantry-action-run-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** The pinned terragrunt and tofu the tests use (scripts/test.sh exports them; else built or taken from the cache). */
function tools(): { terragrunt: string; tofu: string } {
  if (process.env.GANTRY_TERRAGRUNT && process.env.GANTRY_TOFU)
    return { terragrunt: process.env.GANTRY_TERRAGRUNT, tofu: process.env.GANTRY_TOFU };
  const dir = execFileSync("bash", [join(repositoryRoot, "scripts/ensure-iac-tools.sh")], { encoding: "utf8" }).trim();
  return { terragrunt: join(dir, "terragrunt"), tofu: join(dir, "tofu") };
}

describe("the Action's bundle, with the real terragrunt and OpenTofu", () => {
  // The executor inside the bundle: git worktrees, terragrunt and tofu processes, progress, reports.
  it(
    "runs `gantry run` on the bundled example's pull request: plan and plan-destroy, then the report",
    { timeout: 300_000 },
    () => {
      const actionDir = join(work, "action");
      mkdirSync(actionDir);
      copyFileSync(join(packageDir, "dist", "index.mjs"), join(actionDir, "index.mjs"));
      const repo = join(work, "infrastructure-live");
      const shas = execFileSync(
        "bash",
        [join(repositoryRoot, "examples/infrastructure-live/make-demo-repo.sh"), repo],
        { encoding: "utf8" },
      );
      const { base, head } = Object.fromEntries(
        shas
          .trim()
          .split(/\s+/)
          .map((pair) => pair.split("=")),
      ) as { base: string; head: string };
      const { terragrunt, tofu } = tools();
      const summary = join(work, "step-summary.md");
      const env = {
        PATH: `${dirname(process.execPath)}:/usr/bin:/bin`,
        HOME: work,
        GITHUB_ACTIONS: "true",
        // Inside GitHub Actions the guards need to know which pipelines workflow runs: a pull request's plan.
        GANTRY_WORKFLOW_ROLE: "plan",
        GITHUB_WORKSPACE: repo,
        GITHUB_STEP_SUMMARY: summary,
        RUNNER_TEMP: work,
        GANTRY_TERRAGRUNT: terragrunt,
        GANTRY_TOFU: tofu,
        INPUT_COMMAND: "run",
        INPUT_BASE: base,
        INPUT_HEAD: head,
        INPUT_EVENT: "pull_request",
      };
      const run = spawnSync(process.execPath, [join(actionDir, "index.mjs")], {
        cwd: repo,
        env,
        encoding: "utf8",
        timeout: 240_000,
      });
      expect(run.status, run.stdout + run.stderr).toBe(0);
      expect(run.stdout).not.toContain("gantry action: terragrunt"); // the configured tools: nothing downloaded
      expect(run.stdout).toContain("Succeeded: units 3 succeeded, 0 failed");
      expect(run.stdout).toMatch(/dev\/us-east-1\/dev\/database +Plan: 1 to add/);
      expect(readFileSync(summary, "utf8")).toContain("plan-destroy");
    },
  );
});
