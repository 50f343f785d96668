#!/usr/bin/env node
// How long `checkJob` takes for one job of thousands of units, and how many git processes it starts: the
// guards of this checkout against those of another commit (`--against REF`, default main), on the same job.
// A push that changes root.hcl makes every unit of a generated Gruntwork-style repository change; the largest
// apply job of that push (every unit: the repository has no configuration, so one environment) is checked. Run with the sources loader:
//
//   node --experimental-transform-types --no-warnings --import ./packages/executor/test/support/source-loader.mjs \
//     scripts/bench-guards.mjs --units 10000 [--against main]
//
// Prints a markdown table row per variant; results go to bench/README.md by hand, dated.
import { execFileSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const { values } = parseArgs({ options: { units: { type: "string", default: "10000" }, against: { type: "string", default: "main" }, reps: { type: "string", default: "3" } } });

const { generateInfrastructureRepo } = await import(join(ROOT, "packages/testkit/src/index.ts"));
const { planChange } = await import(join(ROOT, "packages/classifier/src/index.ts"));

const work = mkdtempSync(join(tmpdir(), "gantry-bench-guards-"));
// Every git process the guards start goes through this shim, which counts it.
const shims = join(work, "shims");
const count = join(work, "git-count");
mkdirSync(shims);
const realGit = execFileSync("sh", ["-c", "command -v git"], { encoding: "utf8" }).trim();
writeFileSync(join(shims, "git"), `#!/bin/sh\necho x >> '${count}'\nexec '${realGit}' "$@"\n`);
chmodSync(join(shims, "git"), 0o755);

// The other variant's guards, copied beside this one's so they resolve the same workspace packages.
const againstDir = join(ROOT, "packages/guards/.bench-against");
rmSync(againstDir, { recursive: true, force: true });
mkdirSync(againstDir);
for (const file of execFileSync("git", ["ls-tree", "--name-only", `${values.against}:packages/guards/src`], { cwd: ROOT, encoding: "utf8" }).split("\n").filter(Boolean)) {
  writeFileSync(join(againstDir, file), execFileSync("git", ["show", `${values.against}:packages/guards/src/${file}`], { cwd: ROOT, encoding: "utf8" }));
}

try {
  // No .gantry/config.yml: one default environment, so the push is one job of every unit.
  const repo = await generateInfrastructureRepo({ dir: join(work, "repo"), units: Number(values.units), gantryConfig: false });
  const git = (...args) => execFileSync("git", args, { cwd: repo.dir, encoding: "utf8", env: { ...process.env, GIT_AUTHOR_NAME: "b", GIT_AUTHOR_EMAIL: "b@b", GIT_COMMITTER_NAME: "b", GIT_COMMITTER_EMAIL: "b@b" } }).trim();
  writeFileSync(join(repo.dir, "root.hcl"), `${readFileSync(join(repo.dir, "root.hcl"), "utf8")}\n# changed\n`);
  git("commit", "-qam", "change root.hcl");
  const head = git("rev-parse", "HEAD");
  const plan = await planChange({ repo: repo.dir, base: repo.head, head, event: "push", branch: "main", cache: false });
  const job = plan.jobs.filter((candidate) => candidate.action === "apply").sort((a, b) => b.units.length - a.units.length)[0];

  const variants = [
    ["this checkout", join(ROOT, "packages/guards/src/index.ts")],
    [values.against, join(againstDir, "index.ts")],
  ];
  console.log(`| guards | units in the job | git processes | checkJob (median of ${values.reps}) |\n| --- | ---: | ---: | ---: |`);
  for (const [name, entry] of variants) {
    const { checkJob } = await import(entry);
    const times = [];
    let processes = 0;
    for (let rep = 0; rep < Number(values.reps); rep++) {
      writeFileSync(count, "");
      const previousPath = process.env.PATH;
      process.env.PATH = `${shims}:${previousPath}`;
      const started = performance.now();
      try {
        await checkJob(job, { repo: repo.dir, env: {}, dryRun: true });
      } finally {
        process.env.PATH = previousPath;
      }
      times.push(performance.now() - started);
      processes = readFileSync(count, "utf8").split("\n").filter(Boolean).length;
    }
    times.sort((a, b) => a - b);
    console.log(`| ${name} | ${job.units.length.toLocaleString("en")} | ${processes.toLocaleString("en")} | ${(times[Math.floor(times.length / 2)] / 1000).toFixed(2)} s |`);
  }
} finally {
  rmSync(againstDir, { recursive: true, force: true });
  rmSync(work, { recursive: true, force: true });
}
