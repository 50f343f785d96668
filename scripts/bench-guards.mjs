#!/usr/bin/env node
// How long the guards take, and how many git processes they start: the guards of this checkout against those
// of another commit (`--against REF`, default main), on the same jobs. Two runs:
//
// - default: a push that changes root.hcl makes every unit of a generated Gruntwork-style repository of
//   `--units` units change; the largest apply job of that push (every unit: the repository has no
//   configuration, so one environment) is checked;
// - `--pull-request ENVS`: a pull request that adds every unit of a repository of real modules
//   (`realModuleRepo`, ten units per environment, one plan job per environment); `checkJob` of every job in
//   turn, as `gantry run` does on a pull request.
//
// Each repetition of each variant runs in a fresh process (the guards share work between the jobs of a
// process; a second repetition in the same process would find it done), the variants interleaved. Run with the
// sources loader:
//
//   node --experimental-transform-types --no-warnings --import ./packages/executor/test/support/source-loader.mjs \
//     scripts/bench-guards.mjs [--units 10000 | --pull-request 20] [--against main] [--reps 3]
//
// Prints a markdown table; results go to bench/README.md by hand, dated.
import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const { values } = parseArgs({
  options: {
    units: { type: "string", default: "10000" },
    against: { type: "string", default: "main" },
    reps: { type: "string", default: "3" },
    "pull-request": { type: "string" },
    // Internal: one measured run, in a child process.
    child: { type: "string" },
  },
});

if (values.child) {
  // { entry, repo, jobs }: check every job in turn with the guards at `entry`; print wall and CPU time.
  const { entry, repo, jobs } = JSON.parse(readFileSync(values.child, "utf8"));
  const { checkJob } = await import(entry);
  const cpu = process.cpuUsage();
  const started = performance.now();
  for (const job of jobs) await checkJob(job, { repo, env: {}, dryRun: true });
  const used = process.cpuUsage(cpu);
  console.log(JSON.stringify({ wall: performance.now() - started, cpu: (used.user + used.system) / 1000 }));
  process.exit(0);
}

const { generateInfrastructureRepo, realModuleRepo, createTempGitRepo } = await import(
  join(ROOT, "packages/testkit/src/index.ts")
);
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
for (const file of execFileSync("git", ["ls-tree", "--name-only", `${values.against}:packages/guards/src`], {
  cwd: ROOT,
  encoding: "utf8",
})
  .split("\n")
  .filter(Boolean)) {
  writeFileSync(
    join(againstDir, file),
    execFileSync("git", ["show", `${values.against}:packages/guards/src/${file}`], { cwd: ROOT, encoding: "utf8" }),
  );
}
const variants = [
  ["this checkout", join(ROOT, "packages/guards/src/index.ts")],
  [values.against, join(againstDir, "index.ts")],
];

/** Each variant `reps` times, interleaved, each run in a fresh process: medians of wall, CPU, git processes. */
function measure(repo, jobs) {
  const input = join(work, "child.json");
  const samples = new Map(variants.map(([name]) => [name, []]));
  for (let rep = 0; rep < Number(values.reps); rep++) {
    for (const [name, entry] of variants) {
      writeFileSync(input, JSON.stringify({ entry, repo, jobs }));
      writeFileSync(count, "");
      const child = spawnSync(
        process.execPath,
        [...process.execArgv, fileURLToPath(import.meta.url), "--child", input],
        {
          encoding: "utf8",
          env: { ...process.env, PATH: `${shims}:${process.env.PATH}` },
          maxBuffer: 64 * 1024 * 1024,
        },
      );
      if (child.status !== 0) throw new Error(`${name}: ${child.stderr}`);
      const processes = readFileSync(count, "utf8").split("\n").filter(Boolean).length;
      samples.get(name).push({ ...JSON.parse(child.stdout.trim().split("\n").at(-1)), processes });
    }
  }
  const median = (list) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)];
  return variants.map(([name]) => {
    const list = samples.get(name);
    return {
      name,
      wall: median(list.map((s) => s.wall)) / 1000,
      cpu: median(list.map((s) => s.cpu)) / 1000,
      processes: median(list.map((s) => s.processes)),
    };
  });
}

async function pushJob() {
  // No .gantry/config.yml: one default environment, so the push is one job of every unit.
  const repo = await generateInfrastructureRepo({
    dir: join(work, "repo"),
    units: Number(values.units),
    gantryConfig: false,
  });
  const git = (...args) =>
    execFileSync("git", args, {
      cwd: repo.dir,
      encoding: "utf8",
      env: {
        ...process.env,
        GIT_AUTHOR_NAME: "b",
        GIT_AUTHOR_EMAIL: "b@b",
        GIT_COMMITTER_NAME: "b",
        GIT_COMMITTER_EMAIL: "b@b",
      },
    }).trim();
  writeFileSync(join(repo.dir, "root.hcl"), `${readFileSync(join(repo.dir, "root.hcl"), "utf8")}\n# changed\n`);
  git("commit", "-qam", "change root.hcl");
  const head = git("rev-parse", "HEAD");
  const plan = await planChange({ repo: repo.dir, base: repo.head, head, event: "push", branch: "main", cache: false });
  const job = plan.jobs
    .filter((candidate) => candidate.action === "apply")
    .sort((a, b) => b.units.length - a.units.length)[0];
  console.log(
    `| guards | units in the job | git processes | checkJob (median of ${values.reps}) | CPU |\n| --- | ---: | ---: | ---: | ---: |`,
  );
  for (const row of measure(repo.dir, [job])) {
    console.log(
      `| ${row.name} | ${job.units.length.toLocaleString("en")} | ${row.processes.toLocaleString("en")} | ${row.wall.toFixed(2)} s | ${row.cpu.toFixed(2)} s |`,
    );
  }
}

async function pullRequest() {
  const environments = Array.from(
    { length: Number(values["pull-request"]) },
    (_, index) => `env-${String(index + 1).padStart(2, "0")}`,
  );
  const model = realModuleRepo({ environments, features: false });
  const unitFiles = new Set(model.units.map((unit) => `${unit}/terragrunt.hcl`));
  const pick = (keep) =>
    Object.fromEntries(Object.entries(model.initial).filter(([path]) => keep(unitFiles.has(path))));
  const repo = createTempGitRepo(
    pick((isUnit) => !isUnit),
    { prefix: "gantry-bench-guards-pr-" },
  );
  try {
    const base = repo.sha();
    repo.checkout("add-units", { create: true });
    const head = repo.commit(pick((isUnit) => isUnit));
    repo.checkout("main");
    const { jobs } = await planChange({
      repo: repo.dir,
      base,
      head,
      event: "pull_request",
      branch: "add-units",
      cache: false,
    });
    console.log(
      `| guards | units | jobs | git processes | checkJob of every job (median of ${values.reps}) | CPU |\n| --- | ---: | ---: | ---: | ---: | ---: |`,
    );
    for (const row of measure(repo.dir, jobs)) {
      console.log(
        `| ${row.name} | ${model.units.length} | ${jobs.length} | ${row.processes.toLocaleString("en")} | ${row.wall.toFixed(2)} s | ${row.cpu.toFixed(2)} s |`,
      );
    }
  } finally {
    repo.remove();
  }
}

try {
  if (values["pull-request"]) await pullRequest();
  else await pushJob();
} finally {
  rmSync(againstDir, { recursive: true, force: true });
  rmSync(work, { recursive: true, force: true });
}
