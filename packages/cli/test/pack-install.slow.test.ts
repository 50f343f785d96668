import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { createTempGitRepo } from "@gantry/testkit";

const packagesDir = dirname(dirname(dirname(fileURLToPath(import.meta.url))));
const work = mkdtempSync(join(tmpdir(), "gantry-pack-install-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const published = readdirSync(packagesDir).filter(
  (dir) => !(JSON.parse(readFileSync(join(packagesDir, dir, "package.json"), "utf8")) as { private?: boolean }).private,
);

describe("the packages as users install them", () => {
  // What the example workflows do (`npm install --global @gantry/cli`), from the tarballs `pnpm pack` makes
  // of the built packages: the bin links, every runtime dependency resolves, and gantry plans a real repository.
  it("install with npm from their tarballs, and the gantry bin plans a change", { timeout: 300_000 }, async () => {
    const tarballs = join(work, "tarballs");
    for (const dir of published)
      execFileSync("pnpm", ["pack", "--pack-destination", tarballs], { cwd: join(packagesDir, dir), stdio: "pipe" });
    const files = readdirSync(tarballs).map((name) => join(tarballs, name));
    expect(files).toHaveLength(published.length);
    const prefix = join(work, "installed");
    execFileSync("npm", ["install", "--prefix", prefix, "--no-audit", "--no-fund", "--loglevel", "error", ...files], {
      stdio: "pipe",
      timeout: 240_000,
    });
    const gantry = join(prefix, "node_modules", ".bin", "gantry");
    expect(execFileSync(gantry, ["--version"], { encoding: "utf8" }).trim()).toMatch(/^\d+\.\d+\.\d+/);

    await using repo = createTempGitRepo({
      "live/app/terragrunt.hcl": 'terraform {\n  source = "../../modules/app"\n}\n',
      "modules/app/main.tf": "# app\n",
    });
    const base = repo.sha();
    const head = repo.commit({ "modules/app/main.tf": "# app v2\n" });
    const planFile = join(work, "plan.json");
    writeFileSync(
      planFile,
      execFileSync(
        gantry,
        ["plan", "--repo", repo.dir, "--base", base, "--head", head, "--event", "pull_request", "--json"],
        { encoding: "utf8" },
      ),
    );
    const plan = JSON.parse(readFileSync(planFile, "utf8")) as { jobs: Array<{ action: string; units: string[] }> };
    expect(plan.jobs.map((job) => [job.action, job.units])).toEqual([["plan", ["live/app"]]]);
  });
});
