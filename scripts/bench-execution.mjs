/**
 * The execution part of `pnpm bench`: `gantry run --event pull_request` against `terragrunt run --all -- plan`
 * on the same units, at the same parallelism, cold and with caches, side by side (see bench/README.md,
 * "Execution"). The repositories come from `realModuleRepo` (@gantry/testkit): per environment a chain of ten
 * units with `dependency` blocks whose outputs are known only after apply (so every plan reads mock
 * outputs), built on OpenTofu's built-in provider (offline, no provider downloads).
 *
 * Measured per size, each configuration `reps` times, interleaved so both tools share the machine's load:
 * - terragrunt: `terragrunt run --all --parallelism P -- plan` in a checkout of the head commit; cold: every
 *   `.terragrunt-cache` removed first; cached: the caches of the previous run kept.
 * - terragrunt with JSON plans (`--out-dir --json-out-dir`): the same plans plus Terragrunt's own
 *   `show -json` of each, the work Gantry does on top of a plan (summary, sensitive values).
 * - terragrunt, then `tofu show -json` of each saved plan in the unit's copy of its module, P at a time: the
 *   floor of a report that reads every plan, done the way Gantry does it.
 * - gantry: `gantry run --event pull_request --parallelism P` (jobs at once; `parallelism: P` in the
 *   configuration for units inside a job), from the built CLI, end to end (Node start-up, detection,
 *   planning, worktrees, guards, the queue, show -json, reports); cold: Gantry's directory in `.git`
 *   (detection cache, runs, plugin cache) removed first; cached: kept.
 * - before (`--before REF`): the same with the CLI built from REF (e.g. the per-unit executor).
 */
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";

/**
 * @param {{ root: string; work: string; sizes: number[]; reps: number; parallelism: number; terragrunt: string; tofu: string; before?: string; gitEnv: Record<string, string>; log: (line: string) => void }} options
 */
export async function benchExecution(options) {
  const testkit = await import(pathToFileURL(join(options.root, "packages/testkit/dist/index.js")).href);
  const cli = { now: join(options.root, "packages/cli/dist/bin.js") };
  if (options.before) cli.before = buildBefore(options.root, options.work, options.before, options.log);
  const results = {
    parallelism: options.parallelism,
    reps: options.reps,
    tools: { terragrunt: version(options.terragrunt), tofu: version(options.tofu) },
    before: options.before ?? null,
    sizes: [],
  };
  for (const size of options.sizes) {
    const environments = Math.max(1, Math.round(size / 10));
    const repo = writeRepository(
      testkit,
      join(options.work, `execution-${size}`),
      environments,
      options.parallelism,
      options.gitEnv,
    );
    options.log(`\n=== execution: ${size} units (${environments} environments, chains of 10) ===`);
    const entry = { units: size, environments, cold: {}, cached: {} };
    results.sizes.push(entry);
    const configurations = [
      ["terragrunt", () => runTerragrunt(options, repo, false)],
      ["terragruntJson", () => runTerragrunt(options, repo, true)],
      ["terragruntShow", () => runTerragruntThenShow(options, repo)],
      ["gantry", () => runGantry(options, repo, cli.now, size)],
      ...(cli.before ? [["before", () => runGantry(options, repo, cli.before, size)]] : []),
    ];
    for (const mode of ["cold", "cached"]) {
      const runs = Object.fromEntries(configurations.map(([name]) => [name, []]));
      for (let rep = 0; rep < options.reps; rep++) {
        for (const [name, run] of configurations) {
          if (mode === "cold") clearCaches(repo.dir);
          else if (rep === 0 && runs[name].length === 0) await run(); // warms the caches this configuration uses
          const outcome = await run();
          runs[name].push(outcome);
          options.log(
            `${mode} ${name}: ${fmt(outcome.ms)} wall, ${fmt(outcome.cpuMs)} CPU${outcome.ok ? "" : ` FAILED: ${outcome.error}`} (load ${outcome.load1})`,
          );
        }
      }
      for (const [name, list] of Object.entries(runs)) {
        entry[mode][name] = {
          ms: median(list.map((run) => run.ms)),
          cpuMs: median(list.map((run) => run.cpuMs)),
          runs: list.map((run) => Math.round(run.ms)),
          cpuRuns: list.map((run) => Math.round(run.cpuMs)),
          ok: list.every((run) => run.ok),
          load1: list.map((run) => run.load1),
        };
      }
    }
  }
  return results;
}

function writeRepository(testkit, dir, environments, parallelism, gitEnv) {
  const names =
    environments === 2
      ? ["dev", "prod"]
      : Array.from({ length: environments }, (_, index) => `env-${String(index + 1).padStart(2, "0")}`);
  const fixture = testkit.realModuleRepo({ environments: names, chainLength: 10, features: false });
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const git = (...args) =>
    execFileSync("git", args, { cwd: dir, env: { ...process.env, ...gitEnv }, encoding: "utf8" }).trim();
  const write = (files) => {
    for (const [path, content] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), content);
    }
    git("add", "-A");
  };
  git("init", "-q", "-b", "main");
  // The configuration is read from the deploy branch's tip (the trust root), never from the pull request.
  write({ ".gantry/config.yml": `${fixture.initial[".gantry/config.yml"]}parallelism: ${parallelism}\n` });
  git("commit", "-q", "-m", "configuration");
  git("checkout", "-q", "-b", "change");
  const { ".gantry/config.yml": _config, ...units } = fixture.initial;
  write(units);
  git("commit", "-q", "-m", "every unit: a pull request that plans them all");
  // The same branches as the tests' pull request (`change` into main), so the same arguments name it.
  return { dir, units: fixture.units, pullRequestArgs: testkit.realModulePullRequestArgs(dir) };
}

function clearCaches(dir) {
  rmSync(join(dir, ".git", "gantry"), { recursive: true, force: true });
  const walk = (path) => {
    for (const entry of readdirSync(path, { withFileTypes: true })) {
      if (!entry.isDirectory() || entry.name === ".git") continue;
      if (entry.name === ".terragrunt-cache") rmSync(join(path, entry.name), { recursive: true, force: true });
      else walk(join(path, entry.name));
    }
  };
  walk(dir);
}

/** The environment both tools run with; a TF_CLI_CONFIG_FILE naming no file is dropped, as Gantry drops it. */
function toolEnv(extra) {
  const env = { ...process.env, ...extra };
  if (env.TF_CLI_CONFIG_FILE && !existsSync(env.TF_CLI_CONFIG_FILE)) delete env.TF_CLI_CONFIG_FILE;
  return env;
}

async function runTerragrunt(options, repo, withJson) {
  const state = join(options.work, "state-terragrunt");
  rmSync(state, { recursive: true, force: true });
  const json = withJson
    ? ["--out-dir", join(options.work, "tg-plans"), "--json-out-dir", join(options.work, "tg-json")]
    : [];
  const outcome = await timed(
    options.terragrunt,
    [
      "run",
      "--all",
      "--non-interactive",
      "--no-color",
      "--tf-path",
      options.tofu,
      "--parallelism",
      String(options.parallelism),
      ...json,
      "--",
      "plan",
      "-input=false",
      "-no-color",
      "-lock-timeout=60s",
    ],
    {
      cwd: repo.dir,
      env: toolEnv({ GANTRY_STATE_DIR: state, TF_IN_AUTOMATION: "1", TG_NO_TIPS: "true", CHECKPOINT_DISABLE: "1" }),
    },
  );
  const succeeded = /Succeeded\s+(\d+)/.exec(outcome.output)?.[1];
  return {
    ...outcome,
    ok: outcome.code === 0 && Number(succeeded) === repo.units.length,
    error: outcome.code === 0 ? `succeeded ${succeeded} of ${repo.units.length}` : outcome.output.slice(-400),
  };
}

/**
 * The floor of a report that reads every plan: terragrunt's plans saved (`--out-dir`), then one
 * `tofu show -json` of each, in the unit's copy of its module (where its providers are), P at a time: what
 * Gantry does on top of a plan, without Gantry.
 */
async function runTerragruntThenShow(options, repo) {
  const state = join(options.work, "state-terragrunt");
  const plans = join(options.work, "tg-plans-show");
  rmSync(state, { recursive: true, force: true });
  rmSync(plans, { recursive: true, force: true });
  const script = `"$TG" run --all --non-interactive --no-color --tf-path "$TOFU" --parallelism "$P" --out-dir "$PLANS" -- plan -input=false -no-color -lock-timeout=60s || exit $?
declare -A dirs
while IFS= read -r terraform; do
  module=\${terraform%/.terraform}; unit=\${module%%/.terragrunt-cache/*}; dirs[\${unit#./}]=$module
done < <(find . -path ./.git -prune -o -type d -name .terraform -path '*/.terragrunt-cache/*' -print)
pairs=()
for unit in "\${!dirs[@]}"; do
  [ -f "$PLANS/$unit/tfplan.tfplan" ] && pairs+=("\${dirs[$unit]}" "$PLANS/$unit/tfplan.tfplan")
done
printf '%s\\0' "\${pairs[@]}" | xargs -0 -n 2 -P "$P" sh -c 'cd "$1" && exec "$TOFU" show -json "$2" > /dev/null' show || exit $?
echo "shown: $((\${#pairs[@]} / 2))"`;
  const outcome = await timed("bash", ["-c", script], {
    cwd: repo.dir,
    env: toolEnv({
      GANTRY_STATE_DIR: state,
      TF_IN_AUTOMATION: "1",
      TG_NO_TIPS: "true",
      CHECKPOINT_DISABLE: "1",
      TG: options.terragrunt,
      TOFU: options.tofu,
      P: String(options.parallelism),
      PLANS: plans,
    }),
  });
  const succeeded = /Succeeded\s+(\d+)/.exec(outcome.output)?.[1];
  const shown = /shown: (\d+)/.exec(outcome.output)?.[1];
  const ok = outcome.code === 0 && Number(succeeded) === repo.units.length && Number(shown) === repo.units.length;
  return {
    ...outcome,
    ok,
    error: `succeeded ${succeeded}, shown ${shown} of ${repo.units.length}: ${outcome.output.slice(-300)}`,
  };
}

async function runGantry(options, repo, bin, size) {
  const state = join(options.work, "state-gantry");
  rmSync(state, { recursive: true, force: true });
  const outcome = await timed(
    process.execPath,
    [bin, "run", ...repo.pullRequestArgs, "--parallelism", String(options.parallelism)],
    {
      cwd: repo.dir,
      env: toolEnv({
        GANTRY_TERRAGRUNT: options.terragrunt,
        GANTRY_TOFU: options.tofu,
        GANTRY_STATE_DIR: state,
        GANTRY_KEEP_RUNS: "2",
        GITHUB_ACTIONS: "",
        CHECKPOINT_DISABLE: "1",
      }),
    },
  );
  const ok = outcome.code === 0 && outcome.output.includes(`units ${size} succeeded`);
  return { ...outcome, ok, error: outcome.output.slice(-400) };
}

/**
 * Wall time, and CPU time (user + system) of the command and every process it started, through bash's
 * `time` (it reports children's rusage): on a loaded machine wall time varies by 2x, CPU time much less.
 */
function timed(command, args, { cwd, env }) {
  return new Promise((resolve) => {
    const start = performance.now();
    const script = 'TIMEFORMAT="gantry-bench-cpu %U %S"; time "$@" 2>&1';
    const child = spawn("bash", ["-c", script, "bench", command, ...args], {
      cwd,
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    let timing = "";
    child.stdout.setEncoding("utf8").on("data", (chunk) => (output = (output + chunk).slice(-200_000)));
    child.stderr.setEncoding("utf8").on("data", (chunk) => (timing += chunk));
    child.on("close", (code) => {
      const cpu = /gantry-bench-cpu ([\d.]+) ([\d.]+)/.exec(timing);
      resolve({
        ms: performance.now() - start,
        cpuMs: cpu ? (Number(cpu[1]) + Number(cpu[2])) * 1000 : NaN,
        code,
        output,
        load1: Math.round(loadavg()[0] * 100) / 100,
      });
    });
  });
}

/** The CLI as built from `ref` (exported with `git archive`, installed from pnpm's store, built). */
function buildBefore(root, work, ref, log) {
  const dir = join(work, `before-${ref.replace(/[^\w.-]/g, "_")}`);
  const sha = execFileSync("git", ["rev-parse", ref], { cwd: root, encoding: "utf8" }).trim();
  const bin = join(dir, "packages/cli/dist/bin.js");
  const stamp = join(dir, ".bench-built");
  if (existsSync(stamp) && existsSync(bin) && spawnSync("cat", [stamp], { encoding: "utf8" }).stdout.trim() === sha)
    return bin;
  log(`building the CLI at ${ref} (${sha.slice(0, 12)}) in ${dir}…`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  execFileSync("bash", ["-c", `git -C "${root}" archive "${sha}" | tar -x -C "${dir}"`]);
  const run = (cmd, args) => {
    const result = spawnSync(cmd, args, { cwd: dir, stdio: ["ignore", "inherit", "inherit"] });
    if (result.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed in ${dir}`);
  };
  run("pnpm", ["install", "--frozen-lockfile", "--prefer-offline", "--ignore-scripts"]);
  run("pnpm", ["exec", "turbo", "run", "build", "--filter", "@gantry/cli...", "--output-logs", "errors-only"]);
  writeFileSync(stamp, `${sha}\n`);
  return bin;
}

function version(binary) {
  return (
    spawnSync(binary, ["--version"], { encoding: "utf8", env: toolEnv({}) })
      .stdout.split("\n")
      .find((line) => line.trim() !== "")
      ?.trim() ?? "unknown"
  );
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function fmt(ms) {
  return `${(ms / 1000).toFixed(2)} s`;
}

/** The table for bench/README.md: gantry and terragrunt side by side, with the ratio. */
export function renderExecutionTable(results, date) {
  const out = [];
  out.push(
    `_Run ${date.toISOString().slice(0, 16).replace("T", " ")} UTC; ${results.tools.terragrunt}, ${results.tools.tofu}; parallelism ${results.parallelism}; median of ${results.reps} runs, the tools interleaved._`,
  );
  out.push("");
  const before = results.before !== null;
  out.push(
    `| units | caches | terragrunt run --all plan | + JSON plans (--json-out-dir) | + show -json of each plan (floor) | gantry run | gantry / terragrunt | gantry / terragrunt + JSON | gantry / floor |${before ? ` before (${results.before}) | before / terragrunt |` : ""}`,
  );
  out.push(`| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |${before ? " ---: | ---: |" : ""}`);
  for (const size of results.sizes) {
    for (const mode of ["cold", "cached"]) {
      const row = size[mode];
      const cell = (entry) => (entry ? `${fmt(entry.ms)} (CPU ${fmt(entry.cpuMs)})${entry.ok ? "" : " failed"}` : "—");
      const ratio = (a, b) => (a && b ? `${(a.ms / b.ms).toFixed(2)}x (CPU ${(a.cpuMs / b.cpuMs).toFixed(2)}x)` : "—");
      out.push(
        `| ${size.units} | ${mode} | ${cell(row.terragrunt)} | ${cell(row.terragruntJson)} | ${cell(row.terragruntShow)} | ${cell(row.gantry)} | **${ratio(row.gantry, row.terragrunt)}** | ${ratio(row.gantry, row.terragruntJson)} | ${ratio(row.gantry, row.terragruntShow)} |${before ? ` ${cell(row.before)} | ${ratio(row.before, row.terragrunt)} |` : ""}`,
      );
    }
  }
  out.push("");
  const loads = results.sizes.flatMap((size) =>
    ["cold", "cached"].flatMap((mode) => Object.values(size[mode]).flatMap((entry) => entry.load1)),
  );
  out.push(
    `1-minute load at the end of the runs: ${Math.min(...loads).toFixed(1)} – ${Math.max(...loads).toFixed(1)} (2 cores).`,
  );
  return out.join("\n");
}
