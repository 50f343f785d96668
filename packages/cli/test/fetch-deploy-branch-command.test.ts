import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createTempGitRepo, runGit } from "@gantry/testkit";
import { runGantry } from "./support/run-gantry.js";

const work = mkdtempSync(join(tmpdir(), "gantry-fetch-deploy-branch-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe("gantry fetch-deploy-branch", () => {
  it("fetches the deploy branch from origin, and only that, for the step after it", async () => {
    await using origin = createTempGitRepo({ "root.hcl": "locals {}\n" });
    const checkout = join(work, "checkout");
    runGit(work, ["clone", "-q", origin.dir, checkout]);
    const merged = origin.commit({ "root.hcl": "locals {\n  merged = true\n}\n" });
    origin.git("checkout", "-q", "-b", "production");
    const production = origin.commit({ "root.hcl": "locals {\n  production = true\n}\n" });

    const run = await runGantry(work, {}, "fetch-deploy-branch", "--repo", checkout, "--json");
    expect(run.exitCode, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({ branch: "main", commit: merged, source: "origin" });
    expect(runGit(checkout, ["rev-parse", "refs/remotes/origin/main"]).trim()).toBe(merged);
    // The branch the pipelines side names (GANTRY_DEPLOY_BRANCH, or --deploy-branch), nothing else.
    expect(runGit(checkout, ["for-each-ref", "--format=%(refname)", "refs/remotes/origin/production"]).trim()).toBe("");
    const named = await runGantry(
      work,
      { GANTRY_DEPLOY_BRANCH: "production" },
      "fetch-deploy-branch",
      "--repo",
      checkout,
    );
    expect([named.exitCode, named.stdout]).toEqual([0, `fetched production from origin: ${production}\n`]);

    const missing = await runGantry(work, {}, "fetch-deploy-branch", "--repo", checkout, "--deploy-branch", "nope");
    expect(missing.exitCode).toBe(40);
    expect(missing.stderr).toContain("GUARD_DEPLOY_BRANCH_UNAVAILABLE");
  });
});
