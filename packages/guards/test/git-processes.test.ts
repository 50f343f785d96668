/**
 * The guards cost a fixed number of git processes whatever the job's size (G4): every git process started
 * while `checkJob` runs goes through a `git` shim on PATH that counts it. A push that changes `root.hcl` makes
 * every unit of a generated repository one apply job; the checkout is a clone, so the deploy branch is fetched
 * from origin as in a workflow. Timings are `scripts/bench-guards.mjs`'s business, never asserted here.
 */
import { execFileSync } from "node:child_process";
import { appendFileSync, chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { planChange } from "@gantry/classifier";
import { generateInfrastructureRepo, runGit } from "@gantry/testkit";
import { checkJob } from "../src/index.js";

const work = mkdtempSync(join(tmpdir(), "gantry-guards-git-count-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Runs `work` with a counting `git` first on PATH; returns how many git processes it started. */
async function countGitProcesses(run: () => Promise<unknown>, label: string): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), `gantry-git-shim-${label}-`));
  const count = join(dir, "count");
  const realGit = execFileSync("sh", ["-c", "command -v git"], { encoding: "utf8" }).trim();
  writeFileSync(count, "");
  writeFileSync(join(dir, "git"), `#!/bin/sh\necho "$1" >> '${count}'\nexec '${realGit}' "$@"\n`);
  chmodSync(join(dir, "git"), 0o755);
  const path = process.env["PATH"];
  process.env["PATH"] = `${dir}:${path}`;
  try {
    await run();
  } finally {
    process.env["PATH"] = path;
  }
  const lines = readFileSync(count, "utf8").split("\n").filter(Boolean);
  rmSync(dir, { recursive: true, force: true });
  return lines.length;
}

async function applyJobOfEveryUnit(units: number) {
  const origin = await generateInfrastructureRepo({ dir: join(work, `origin-${units}`), units, gantryConfig: false });
  const git = (...args: string[]) => runGit(origin.dir, args).trim();
  appendFileSync(join(origin.dir, "root.hcl"), "\n# changed\n");
  git("commit", "-qam", "change root.hcl");
  const head = git("rev-parse", "HEAD");
  const plan = await planChange({ repo: origin.dir, base: origin.head, head, event: "push", branch: "main", cache: false });
  const job = plan.jobs.find((candidate) => candidate.action === "apply")!;
  const checkout = join(work, `checkout-${units}`);
  mkdirSync(checkout);
  runGit(work, ["clone", "-q", origin.dir, checkout]);
  return { job, checkout };
}

describe("the guards' git processes", () => {
  it("(G4) are as many for an apply of 200 units as for one of 20, and fewer than 20", { timeout: 240_000 }, async () => {
    const counts: Record<number, number> = {};
    for (const units of [20, 200]) {
      const { job, checkout } = await applyJobOfEveryUnit(units);
      expect(job.units).toHaveLength(units);
      counts[units] = await countGitProcesses(() => checkJob(job, { repo: checkout, env: {}, dryRun: true }), String(units));
    }
    // 15 and 15 when written (the fetch, one ls-tree per commit, the re-derivation's reads, ancestry checks).
    expect(counts[20]).toBeGreaterThan(0);
    expect(counts[200]).toBe(counts[20]);
    expect(counts[200]).toBeLessThan(20);
  });
});
