/**
 * The guards cost a fixed number of git processes whatever the job's size (G4): every git process started
 * while `checkJob` runs goes through a `git` shim on PATH that records it. A push that changes `root.hcl` makes
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

/** Runs `run` with a recording `git` first on PATH; returns the subcommand of each git process it started. */
async function gitProcesses(run: () => Promise<unknown>, label: string): Promise<string[]> {
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
  return lines.sort();
}

async function applyJobOfEveryUnit(units: number) {
  const origin = await generateInfrastructureRepo({ dir: join(work, `origin-${units}`), units, gantryConfig: false });
  const git = (...args: string[]) => runGit(origin.dir, args).trim();
  appendFileSync(join(origin.dir, "root.hcl"), "\n# changed\n");
  git("commit", "-qam", "change root.hcl");
  const head = git("rev-parse", "HEAD");
  const plan = await planChange({
    repo: origin.dir,
    base: origin.head,
    head,
    event: "push",
    branch: "main",
    cache: false,
  });
  const job = plan.jobs.find((candidate) => candidate.action === "apply")!;
  const checkout = join(work, `checkout-${units}`);
  mkdirSync(checkout);
  runGit(work, ["clone", "-q", origin.dir, checkout]);
  return { job, checkout };
}

describe("the guards' git processes", () => {
  it("(G4) are the same for an apply of 200 units as for one of 20, and at most 25", { timeout: 240_000 }, async () => {
    const started: Record<number, string[]> = {};
    for (const units of [20, 200]) {
      const { job, checkout } = await applyJobOfEveryUnit(units);
      expect(job.units).toHaveLength(units);
      started[units] = await gitProcesses(
        () => checkJob(job, { repo: checkout, env: {}, dryRun: true }),
        String(units),
      );
    }
    // 21 when written: the fetch and its checks, one ls-tree per commit read, rev-parse and merge-base for
    // ancestry, one diff-tree and one cat-file --batch for the re-derivation.
    expect(started[20]).toContain("fetch");
    expect(started[200]).toEqual(started[20]);
    expect(started[200]!.length).toBeLessThanOrEqual(25);
  });
});
