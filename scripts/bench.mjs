#!/usr/bin/env node
/**
 * `pnpm bench`: change detection and planning on generated Gruntwork-style repositories of 1,000, 10,000
 * and 50,000 units, against the floor of reading every tracked `.hcl` file, and side by side with
 * `terragrunt find --filter '[BASE...HEAD]'`. See bench/README.md for what is measured and why.
 *
 * Every measurement runs in a fresh `node --expose-gc` child (this same file with `--child`), so runs
 * share no heap and peak memory (maxRSS) belongs to one run. Each is repeated (default 3) and the
 * median is reported. Targets are reported as PASS/MISS lines, never asserted.
 *
 * Then the execution part (scripts/bench-execution.mjs): `gantry run` against `terragrunt run --all` on the
 * same units, at 20 and 200 units, cold and cached.
 *
 * Usage: node scripts/bench.mjs [--sizes 1000,10000,50000] [--quick] [--reps 3] [--reps-large N] [--seed 1]
 *          [--work DIR] [--no-build] [--no-terragrunt] [--terragrunt-timeout 600] [--terragrunt-reps 1]
 *          [--terragrunt-rerun] [--no-plan] [--plan-sizes 1000,10000] [--stack-sizes 1000,10000]
 *          [--profile] [--no-readme] [--regenerate]
 *          [--no-execution | --execution-only] [--execution-sizes 20,200] [--execution-reps 3]
 *          [--execution-parallelism 4] [--before REF]
 */
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir, totalmem } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { SourceMap } from "node:module";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const SELF = fileURLToPath(import.meta.url);
const DIST = {
  testkit: join(ROOT, "packages/testkit/dist/index.js"),
  detector: join(ROOT, "packages/change-detector/dist/index.js"),
  classifier: join(ROOT, "packages/classifier/dist/index.js"),
};
const GIT_ENV = {
  GIT_AUTHOR_NAME: "Gantry Bench",
  GIT_AUTHOR_EMAIL: "bench@gantry.invalid",
  GIT_COMMITTER_NAME: "Gantry Bench",
  GIT_COMMITTER_EMAIL: "bench@gantry.invalid",
  GIT_AUTHOR_DATE: "2026-01-02T00:00:00Z",
  GIT_COMMITTER_DATE: "2026-01-02T00:00:00Z",
  GIT_CONFIG_NOSYSTEM: "1",
  GIT_CONFIG_GLOBAL: "/dev/null",
};

// ---------------------------------------------------------------------------------------------------
// Child: one measurement, reported as one JSON line on stdout.
// ---------------------------------------------------------------------------------------------------

async function runChild(spec) {
  const report = (value) => process.stdout.write(`${JSON.stringify(value)}\n`);
  try {
    if (spec.kind === "floor") return report(measureFloor(spec.repo));
    if (spec.kind === "detect") return report(await measureDetection(spec));
    if (spec.kind === "plan-stages") return report(await measurePlanningStages(spec));
    if (spec.kind === "plan") return report(await measurePlanChange(spec));
    throw new Error(`unknown child kind ${spec.kind}`);
  } catch (error) {
    report({ error: String(error?.stack ?? error), code: error?.code });
    process.exitCode = 1;
  }
}

function memoryFigures() {
  return {
    // The machine is shared: the 1-minute load average when the run ended says how contended it was.
    load1: round(loadavg()[0], 2),
    maxRssMB: round(process.resourceUsage().maxRSS / 1024),
    heapUsedMB: round(process.memoryUsage().heapUsed / 1048576),
  };
}

/** The floor: list the tracked `.hcl` files with git and read every one. Nothing can be faster than this. */
function measureFloor(repo) {
  globalThis.gc?.();
  const start = performance.now();
  const listing = execFileSync("git", ["ls-files", "-z", "--", "*.hcl"], { cwd: repo, maxBuffer: 1 << 30 });
  const paths = listing.toString("utf8").split("\0").filter(Boolean);
  let bytes = 0;
  for (const path of paths) bytes += readFileSync(join(repo, path)).length;
  const ms = performance.now() - start;
  return { ms, files: paths.length, bytes, ...memoryFigures() };
}

async function measureDetection(spec) {
  const { detectChanges } = await import(pathToFileURL(DIST.detector).href);
  globalThis.gc?.();
  const baselineRssMB = round(process.memoryUsage().rss / 1048576);
  const start = performance.now();
  const result = await detectChanges(detectOptions(spec));
  const ms = performance.now() - start;
  return {
    ms,
    baselineRssMB,
    ...memoryFigures(),
    units: spec.withUnits ? result.units.map((unit) => unit.path) : undefined,
    unitCount: result.units.length,
    dynamicUnits: result.units.filter((unit) => unit.dynamic.length > 0).length,
    stats: result.stats,
  };
}

function detectOptions(spec) {
  return { repo: spec.repo, base: spec.base, head: spec.head, event: "pull_request", cache: spec.cache };
}

/**
 * Planning on top of detection, two ways. `plan-stages`: one child runs `detectChanges`, then the steps
 * `planChange` chains after it (load config, plugins, classify, plan jobs), each timed, so the time planning
 * adds is measured directly rather than as a difference of two noisy medians. `plan`: `planChange` end to end.
 */
async function measurePlanningStages(spec) {
  const detector = await import(pathToFileURL(DIST.detector).href);
  const classifier = await import(pathToFileURL(DIST.classifier).href);
  globalThis.gc?.();
  const t0 = performance.now();
  const detection = await detector.detectChanges(detectOptions(spec));
  const t1 = performance.now();
  const loaded = await classifier.loadConfig({ repo: spec.repo, ref: detection.head });
  const configFile = loaded.files[0];
  const plugins = await classifier.loadClassifierPlugins(loaded.config.classifiers, {
    repo: spec.repo,
    ...(configFile ? { configFile } : {}),
  });
  const t2 = performance.now();
  const classification = await classifier.classifyChanges(detection, { ignore: loaded.config.ignore, plugins });
  const t3 = performance.now();
  const branch = classifier.resolveBranch({
    event: "pull_request",
    branch: spec.branch,
    deployBranch: loaded.config.deployBranch,
  });
  const plan = classifier.planJobs({
    detection,
    classification,
    config: loaded.config,
    branch,
    ...(configFile ? { configFile } : {}),
  });
  const t4 = performance.now();
  return {
    detectMs: t1 - t0,
    ms: t4 - t1,
    configMs: t2 - t1,
    classifyMs: t3 - t2,
    planJobsMs: t4 - t3,
    ...memoryFigures(),
    jobs: plan.jobs.length,
    plannedUnits: plan.jobs.reduce((n, job) => n + job.units.length, 0),
  };
}

async function measurePlanChange(spec) {
  const { planChange } = await import(pathToFileURL(DIST.classifier).href);
  globalThis.gc?.();
  const start = performance.now();
  const plan = await planChange({
    repo: spec.repo,
    base: spec.base,
    head: spec.head,
    event: "pull_request",
    branch: spec.branch,
    cache: spec.cache,
  });
  const ms = performance.now() - start;
  return {
    ms,
    ...memoryFigures(),
    jobs: plan.jobs.length,
    plannedUnits: plan.jobs.reduce((n, job) => n + job.units.length, 0),
  };
}

// ---------------------------------------------------------------------------------------------------
// Parent
// ---------------------------------------------------------------------------------------------------

async function main() {
  const { values } = parseArgs({
    options: {
      sizes: { type: "string" },
      quick: { type: "boolean", default: false },
      reps: { type: "string", default: "3" },
      "reps-large": { type: "string" },
      seed: { type: "string", default: "1" },
      work: { type: "string", default: join(tmpdir(), "gantry-bench") },
      build: { type: "boolean", default: true },
      terragrunt: { type: "boolean", default: true },
      "terragrunt-timeout": { type: "string", default: "600" },
      "terragrunt-reps": { type: "string", default: "1" },
      "terragrunt-rerun": { type: "boolean", default: false },
      plan: { type: "boolean", default: true },
      "plan-sizes": { type: "string", default: "1000,10000" },
      "stack-sizes": { type: "string", default: "1000,10000" },
      profile: { type: "boolean", default: false },
      readme: { type: "boolean", default: true },
      regenerate: { type: "boolean", default: false },
      execution: { type: "boolean", default: true },
      "execution-only": { type: "boolean", default: false },
      "execution-sizes": { type: "string", default: "20,200" },
      "execution-reps": { type: "string", default: "3" },
      "execution-parallelism": { type: "string", default: "4" },
      before: { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
    allowNegative: true,
  });
  if (values.help) {
    const header = readFileSync(SELF, "utf8");
    const usage = header.slice(header.indexOf("Usage:"), header.indexOf("*/"));
    process.stdout.write(`${usage.replace(/^ \* ?/gm, "").trimEnd()}\nSee bench/README.md.\n`);
    return;
  }
  if (values["execution-only"]) return runExecutionPart(values);
  const sizes = values.sizes
    ? values.sizes.split(",").map((s) => Number(s.trim().replace(/_/g, "")))
    : values.quick
      ? [1000, 10000]
      : [1000, 10000, 50000];
  if (sizes.some((n) => !Number.isInteger(n) || n < 1))
    fail(`--sizes takes positive integers, e.g. --sizes 1000,10000 (got ${values.sizes})`);
  const reps = Number(values.reps);
  // Repetitions above 10,000 units (a cold run there takes many seconds); default: --reps.
  const repsLarge = Number(values["reps-large"] ?? values.reps);
  if (![reps, repsLarge].every((n) => Number.isInteger(n) && n >= 1))
    fail("--reps and --reps-large take positive integers");
  const seed = Number(values.seed);
  const tgTimeoutMs = Number(values["terragrunt-timeout"]) * 1000;
  const tgReps = Number(values["terragrunt-reps"]);
  // Issue 3 asks for planning at 10,000 units; at 50,000 it would double a long run for no target.
  const planSizes = new Set(values["plan-sizes"].split(",").map((s) => Number(s.trim().replace(/_/g, ""))));
  // The stack layout (a stack file per environment, units from a catalog repository) at these sizes too.
  const stackSizes = new Set(
    values["stack-sizes"]
      .split(",")
      .filter(Boolean)
      .map((s) => Number(s.trim().replace(/_/g, ""))),
  );

  if (values.build) {
    log("building packages (turbo run build)…");
    // --continue: a package that does not build yet must not stop the floor and terragrunt figures.
    const built = spawnSync(
      "pnpm",
      [
        "exec",
        "turbo",
        "run",
        "build",
        "--continue",
        "--filter",
        "@gantry/testkit",
        "--filter",
        "@gantry/change-detector",
        "--filter",
        "@gantry/classifier",
        "--output-logs",
        "errors-only",
      ],
      { cwd: ROOT, stdio: "inherit" },
    );
    if (built.status !== 0) log(`build failed for some package (exit ${built.status}); measuring whatever dist/ holds`);
  }
  const available = {
    detector: await exportsFunction(DIST.detector, "detectChanges"),
    classifier: values.plan && (await exportsFunction(DIST.classifier, "planChange")),
  };
  // The steps planChange chains after detection; when one is not exported, "planning adds" falls back to
  // planChange's median minus detection's.
  available.planStages =
    available.classifier &&
    (await exportsAll(DIST.classifier, [
      "loadConfig",
      "loadClassifierPlugins",
      "classifyChanges",
      "resolveBranch",
      "planJobs",
    ]));
  if (!available.detector)
    log("detectChanges is not in packages/change-detector/dist: detection is skipped (floor and terragrunt only)");
  if (!available.classifier && values.plan) log("planChange is not in packages/classifier/dist: planning is skipped");
  const terragrunt = values.terragrunt ? findTerragrunt() : undefined;
  if (values.terragrunt && !terragrunt)
    log("terragrunt not found (GANTRY_TERRAGRUNT, PATH, ensure-iac-tools cache): comparison skipped");
  if (terragrunt) log(`terragrunt: ${terragrunt}`);

  const { generateInfrastructureRepo } = await import(pathToFileURL(DIST.testkit).href);
  const results = {
    apiVersion: "gantry/v1",
    kind: "BenchResults",
    date: new Date().toISOString(),
    machine: {
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model ?? "unknown",
      memoryGB: round(totalmem() / 2 ** 30),
      node: process.version,
      git: gitVersion(),
    },
    options: {
      sizes,
      reps,
      repsLarge,
      seed,
      planSizes: [...planSizes],
      stackSizes: [...stackSizes],
      terragruntReps: tgReps,
      terragruntTimeoutSeconds: tgTimeoutMs / 1000,
    },
    sizes: [],
  };

  const runs = [
    ...sizes.map((size) => ({ size, layout: "units" })),
    ...sizes.filter((size) => stackSizes.has(size)).map((size) => ({ size, layout: "stacks" })),
  ];
  for (const { size, layout } of runs) {
    log(`\n=== ${size.toLocaleString("en-US")} units${layout === "stacks" ? " (stack layout)" : ""} ===`);
    const repo = await prepareRepository(
      generateInfrastructureRepo,
      values.work,
      size,
      seed,
      values.regenerate,
      layout,
    );
    const sizeReps = size > 10000 ? repsLarge : reps;
    const sizeResult = {
      units: size,
      layout,
      reps: sizeReps,
      generation: repo.generation,
      trackedFiles: repo.trackedFiles,
      floor: null,
      scenarios: [],
    };
    results.sizes.push(sizeResult);

    checkout(repo.dir, repo.scenarios.at(-1).head);
    const floors = await repeat(sizeReps, () => child({ kind: "floor", repo: repo.dir }));
    sizeResult.floor = {
      ms: median(floors.map((f) => f.ms)),
      runs: floors.map((f) => round(f.ms)),
      files: floors[0].files,
      bytes: floors[0].bytes,
      maxRssMB: Math.max(...floors.map((f) => f.maxRssMB)),
      load1: floors.map((f) => f.load1),
    };
    log(
      `floor: ${fmtMs(sizeResult.floor.ms)} (${sizeResult.floor.files} .hcl files, ${round(sizeResult.floor.bytes / 1048576)} MB)`,
    );

    let terragruntTimedOut = null;
    for (const scenario of repo.scenarios) {
      checkout(repo.dir, scenario.head);
      const entry = {
        name: scenario.name,
        description: scenario.description,
        base: scenario.base,
        head: scenario.head,
        expected: scenario.expected.length,
      };
      sizeResult.scenarios.push(entry);
      if (available.detector) {
        try {
          entry.detection = await measureScenario(
            repo,
            scenario,
            sizeReps,
            available.classifier && planSizes.has(size),
            available.planStages,
          );
        } catch (error) {
          // Keep going: one failing case must not lose the other figures.
          entry.error = error.message.slice(0, 2000);
          log(`${scenario.name}: FAILED: ${entry.error}`);
        }
      }
      if (entry.detection) {
        const got = entry.detection.units;
        delete entry.detection.units;
        entry.gantryAgreement = compareSets(scenario.expected, got);
        log(
          `${scenario.name}: cold ${fmtMs(entry.detection.cold.ms)} warm ${fmtMs(entry.detection.warm.ms)} restored ${fmtMs(entry.detection.restored.ms)} peak ${entry.detection.peakRssMB} MB; units ${got.length}/${scenario.expected.length} expected${agreementNote(entry.gantryAgreement)}`,
        );
        if (entry.detection.plan)
          log(
            `${scenario.name}: planning adds ${fmtMs(entry.detection.plan.cold.addedMs)} cold, ${fmtMs(entry.detection.plan.warm.addedMs)} warm`,
          );
      }
      if (terragrunt && terragruntTimedOut) {
        // Every later change makes terragrunt parse every unit too: it would only time out again.
        entry.terragrunt = {
          status: `not run: ${terragruntTimedOut} timed out at this size`,
          skipped: true,
          after: terragruntTimedOut,
        };
        log(`${scenario.name}: terragrunt ${entry.terragrunt.status}`);
      } else if (terragrunt) {
        entry.terragrunt = await cachedTerragrunt(repo, scenario, terragrunt, values["terragrunt-rerun"], () =>
          measureTerragrunt(terragrunt, repo.dir, scenario, tgReps, tgTimeoutMs),
        );
        if (entry.terragrunt.units) {
          entry.terragruntAgreement = compareSets(scenario.expected, entry.terragrunt.units);
          delete entry.terragrunt.units;
          log(
            `${scenario.name}: terragrunt ${fmtMs(entry.terragrunt.ms)}; units ${entry.terragrunt.unitCount}/${scenario.expected.length} expected${agreementNote(entry.terragruntAgreement)}`,
          );
        } else {
          log(
            `${scenario.name}: terragrunt ${entry.terragrunt.status}${entry.terragrunt.error ? `: ${entry.terragrunt.error}` : ""}`,
          );
          if (entry.terragrunt.timedOut && scenario.name !== "one-unit") terragruntTimedOut = scenario.name;
        }
      }
    }
    checkout(repo.dir, repo.scenarios.at(-1).head);
  }

  if (values.profile && available.detector) results.profile = await profileHotspots(results, values.work, seed);
  results.targets = evaluateTargets(results);

  const table = renderTables(results);
  process.stdout.write(`\n${table}\n`);
  mkdirSync(join(ROOT, "bench-results"), { recursive: true });
  writeFileSync(join(ROOT, "bench-results/latest.json"), `${JSON.stringify(results, null, 2)}\n`);
  log(`wrote bench-results/latest.json`);
  if (values.readme) {
    writeReadmeResults(table, results);
    log(`updated bench/README.md ("Latest results")`);
  }
  if (values.execution) await runExecutionPart(values);
}

/** The execution part (scripts/bench-execution.mjs); its own section of bench/README.md. */
async function runExecutionPart(values) {
  const { benchExecution, renderExecutionTable } = await import("./bench-execution.mjs");
  const terragrunt = findTerragrunt();
  const tofu = [process.env.GANTRY_TOFU, terragrunt && join(dirname(terragrunt), "tofu")].find(
    (candidate) => candidate && isExecutable(candidate),
  );
  if (!terragrunt || !tofu)
    return log(
      "execution: terragrunt or tofu not found (GANTRY_TERRAGRUNT / GANTRY_TOFU, PATH, ensure-iac-tools cache): skipped",
    );
  if (values.build)
    spawnSync(
      "pnpm",
      [
        "exec",
        "turbo",
        "run",
        "build",
        "--filter",
        "@gantry/cli...",
        "--filter",
        "@gantry/testkit",
        "--output-logs",
        "errors-only",
      ],
      { cwd: ROOT, stdio: "inherit" },
    );
  const sizes = values["execution-sizes"].split(",").map((size) => Number(size.trim()));
  const date = new Date();
  const results = await benchExecution({
    root: ROOT,
    work: values.work,
    sizes,
    reps: Number(values["execution-reps"]),
    parallelism: Number(values["execution-parallelism"]),
    terragrunt,
    tofu,
    before: values.before,
    gitEnv: GIT_ENV,
    log,
  });
  const table = renderExecutionTable(results, date);
  process.stdout.write(`\n${table}\n`);
  mkdirSync(join(ROOT, "bench-results"), { recursive: true });
  writeFileSync(
    join(ROOT, "bench-results/execution.json"),
    `${JSON.stringify({ date: date.toISOString(), ...results }, null, 2)}\n`,
  );
  if (!values.readme) return;
  const path = join(ROOT, "bench/README.md");
  const text = readFileSync(path, "utf8");
  const [start, end] = ["<!-- bench:execution:start -->", "<!-- bench:execution:end -->"];
  writeFileSync(
    path,
    text.includes(start)
      ? `${text.slice(0, text.indexOf(start) + start.length)}\n${table}\n${text.slice(text.indexOf(end))}`
      : `${text.trimEnd()}\n\n## Execution: latest results\n\n${start}\n${table}\n${end}\n`,
  );
  log(`updated bench/README.md ("Execution: latest results")`);
}

// ---------------------------------------------------------------------------------------------------
// Repository and scenario commits
// ---------------------------------------------------------------------------------------------------

/**
 * Generates the repository once per (size, seed) and reuses it on later runs (generation of 50,000 units
 * takes a while); the scenario commits are a linear chain on top of the generated commit.
 */
async function prepareRepository(generate, work, size, seed, regenerate, layout) {
  const name = `infrastructure-live-${layout === "stacks" ? "stacks-" : ""}${size}-seed${seed}`;
  const dir = join(work, name);
  const manifestPath = join(work, `${name}.json`);
  if (!regenerate && existsSync(manifestPath) && existsSync(join(dir, ".git"))) {
    const manifest = JSON.parse(readFileSync(manifestPath, "utf8"));
    if (manifest.version === 1 && manifest.generator === generatorFingerprint()) {
      log(`reusing ${dir} (generated in ${fmtMs(manifest.generation.ms)}; --regenerate to rebuild)`);
      return { ...manifest, dir };
    }
  }
  rmSync(dir, { recursive: true, force: true });
  rmSync(`${dir}-catalog.git`, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  log(`generating ${size.toLocaleString("en-US")} units in ${dir}…`);
  const start = performance.now();
  const generated = await generate({ dir, units: size, seed, layout });
  const generation = { ms: round(performance.now() - start), method: "fast-import" };
  log(`generated ${generated.files.length} files in ${fmtMs(generation.ms)}`);
  const scenarios = makeScenarioCommits(generated);
  const manifest = {
    version: 1,
    generator: generatorFingerprint(),
    size,
    seed,
    generation,
    trackedFiles: generated.files.length,
    scenarios,
  };
  writeFileSync(manifestPath, JSON.stringify(manifest));
  return { ...manifest, dir };
}

/**
 * Hash of the built generator (the code that actually runs): a changed generator regenerates the kept
 * repositories. Generation is deterministic, so unchanged output gets the same SHAs and the kept
 * terragrunt figures still apply.
 */
function generatorFingerprint() {
  return createHash("sha256").update(readFileSync(DIST.testkit)).digest("hex").slice(0, 16);
}

/**
 * One commit per change kind, each a typical change, with the units a correct detector must report (ground
 * truth, from the generator's wiring): the ideal a plan is compared with.
 */
function makeScenarioCommits(generated) {
  const { dir } = generated;
  const middleUnit = generated.unitPaths[Math.floor(generated.unitPaths.length / 2)];
  const fileReadData = "_envcommon/data/rds-parameters.json";
  const moduleData = "modules/data/node-sizes.json";
  const bump = (_, before, n) => `${before}${Number(n) + 1}`;
  const middleName = middleUnit.slice(middleUnit.lastIndexOf("/") + 1);
  const definitions = [
    generated.layout === "stacks"
      ? {
          name: "one-unit",
          description: `one unit block's values in ${generated.stackFileOf[middleUnit]} (${middleUnit})`,
          edit: () =>
            editFile(dir, generated.stackFileOf[middleUnit], (text) =>
              text.replace(new RegExp(`(name += "${middleName}"\\n +instance_size = )(\\d+)`), bump),
            ),
          expected: [middleUnit],
        }
      : {
          name: "one-unit",
          description: `one unit's terragrunt.hcl (${middleUnit})`,
          edit: () =>
            editFile(dir, `${middleUnit}/terragrunt.hcl`, (text) => text.replace(/(instance_size = )(\d+)/, bump)),
          expected: [middleUnit],
        },
    {
      name: "root",
      description: "root.hcl (every unit includes it)",
      edit: () =>
        editFile(dir, "root.hcl", (text) =>
          text.replace('dynamodb_table = "terraform-locks"', 'dynamodb_table = "terraform-locks-v2"'),
        ),
      expected: generated.unitPaths,
    },
    {
      name: "file-read",
      description: `${fileReadData} (read with file() by the rds envcommon)`,
      edit: () => editFile(dir, fileReadData, (text) => text.replace('"retention_days": 30', '"retention_days": 35')),
      expected: generated.dataFileReaders[fileReadData] ?? [],
    },
    {
      name: "nested-module",
      description: 'modules/shared/main.tf (called through module { source = "../shared" } by seven service modules)',
      edit: () =>
        editFile(dir, "modules/shared/main.tf", (text) =>
          text.replace(
            "input = merge(var.tags, { name = var.name })",
            'input = merge(var.tags, { name = var.name, managed = "gantry" })',
          ),
        ),
      expected: generated.moduleUsers["modules/shared"] ?? [],
    },
    {
      name: "module",
      description:
        "modules/dynamodb/main.tf (its units' source is ${get_repo_root()}//modules/dynamodb: Terragrunt copies the whole repository)",
      edit: () =>
        editFile(dir, "modules/dynamodb/main.tf", (text) =>
          text.replace('service     = "dynamodb"', 'service     = "dynamodb-v2"'),
        ),
      expected: generated.moduleUsers["modules/dynamodb"] ?? [],
    },
    {
      name: "module-file-read",
      description: `${moduleData} (read by the eks module's code with file("\${path.module}/../data/..."))`,
      edit: () => editFile(dir, moduleData, (text) => text.replace('"retention_days": 30', '"retention_days": 40')),
      expected: generated.dataFileReaders[moduleData] ?? [],
    },
    {
      name: "readme",
      description: "README.md at the root (inside the trees Terragrunt copies for // sources; read by no module)",
      edit: () => editFile(dir, "README.md", (text) => `${text}\nEdited by the bench.\n`),
      expected: [],
    },
  ];
  let base = generated.head;
  const scenarios = [];
  for (const definition of definitions) {
    definition.edit();
    git(dir, ["commit", "-q", "-am", `bench: change ${definition.description}`]);
    const head = git(dir, ["rev-parse", "HEAD"]);
    scenarios.push({
      name: definition.name,
      description: definition.description,
      base,
      head,
      expected: [...definition.expected].sort(),
    });
    base = head;
  }
  return scenarios;
}

function editFile(dir, path, change) {
  const full = join(dir, path);
  const before = readFileSync(full, "utf8");
  const after = change(before);
  if (after === before) throw new Error(`bench scenario edit changed nothing in ${path}`);
  writeFileSync(full, after);
}

// ---------------------------------------------------------------------------------------------------
// Measurements
// ---------------------------------------------------------------------------------------------------

/**
 * Cold: the cache is cleared before each run (the run may write it). Warm: the cache a previous run
 * wrote is present. Each run is its own child process.
 */
async function measureScenario(repo, scenario, reps, withPlanning, withStages) {
  const base = { repo: repo.dir, base: scenario.base, head: scenario.head, branch: "main" };
  const cold = [];
  const warm = [];
  const planCold = [];
  const planWarm = [];
  const stagesCold = [];
  const stagesWarm = [];
  let units;
  for (let i = 0; i < reps; i++) {
    clearDetectionCache(repo.dir);
    const result = await child({ kind: "detect", ...base, cache: true, withUnits: i === 0 });
    if (i === 0) units = result.units;
    cold.push(result);
  }
  for (let i = 0; i < reps; i++) warm.push(await child({ kind: "detect", ...base, cache: true }));
  // CI with the deploy branch's cache restored (the example workflow's actions/cache step): the cache
  // describes the base commit, and the run re-reads only the units whose reads changed since.
  const restored = [];
  for (let i = 0; i < reps; i++) {
    clearDetectionCache(repo.dir);
    await child({ kind: "detect", repo: repo.dir, base: scenario.base, head: scenario.base, cache: true });
    restored.push(await child({ kind: "detect", ...base, cache: true }));
  }
  if (withPlanning) {
    const kinds = [["plan", planCold, planWarm]];
    if (withStages) kinds.unshift(["plan-stages", stagesCold, stagesWarm]);
    for (const [kind, coldRuns, warmRuns] of kinds) {
      for (let i = 0; i < reps; i++) {
        clearDetectionCache(repo.dir);
        coldRuns.push(await child({ kind, ...base, cache: true }));
      }
      for (let i = 0; i < reps; i++) warmRuns.push(await child({ kind, ...base, cache: true }));
    }
  }
  const summarize = (runs) => ({
    ms: median(runs.map((r) => r.ms)),
    runs: runs.map((r) => round(r.ms)),
    maxRssMB: Math.max(...runs.map((r) => r.maxRssMB)),
    baselineRssMB: runs[0]?.baselineRssMB,
    load1: runs.map((r) => r.load1),
    filesParsed: runs[0]?.stats?.filesParsed,
    cacheHits: runs[0]?.stats?.cacheHits,
  });
  const detection = {
    cold: summarize(cold),
    warm: summarize(warm),
    restored: summarize(restored),
    units,
    unitCount: cold[0].unitCount,
    dynamicUnits: cold[0].dynamicUnits,
  };
  // The memory target is about cold and warm runs; a restored run's peak is shown in its own cell.
  detection.peakRssMB = Math.max(detection.cold.maxRssMB, detection.warm.maxRssMB);
  if (withPlanning) {
    const plan = (stages, endToEnd, detected) => {
      const total = median(endToEnd.map((r) => r.ms));
      const added = stages.length > 0 ? median(stages.map((r) => r.ms)) : total - detected.ms;
      return {
        addedMs: added,
        addedMeasured:
          stages.length > 0
            ? "directly (steps after detection, same process)"
            : "planChange median minus detection median",
        ratioToDetection: round(added / detected.ms, 3),
        addedRuns: stages.map((r) => round(r.ms)),
        stagesMs:
          stages.length > 0
            ? {
                config: median(stages.map((r) => r.configMs)),
                classify: median(stages.map((r) => r.classifyMs)),
                planJobs: median(stages.map((r) => r.planJobsMs)),
              }
            : null,
        planChangeMs: total,
        planChangeRuns: endToEnd.map((r) => round(r.ms)),
        maxRssMB: Math.max(...endToEnd.map((r) => r.maxRssMB), ...stages.map((r) => r.maxRssMB)),
        jobs: endToEnd[0].jobs,
        plannedUnits: endToEnd[0].plannedUnits,
      };
    };
    detection.plan = {
      cold: plan(stagesCold, planCold, detection.cold),
      warm: plan(stagesWarm, planWarm, detection.warm),
    };
  }
  return detection;
}

/** The detector keeps its cache in the git common dir; the bench clears anything named like it there. */
function clearDetectionCache(repoDir) {
  const gitDir = join(repoDir, ".git");
  for (const name of readdirSync(gitDir)) {
    if (/gantry/i.test(name)) rmSync(join(gitDir, name), { recursive: true, force: true });
  }
  rmSync(join(repoDir, ".gantry-cache"), { recursive: true, force: true });
}

/**
 * `terragrunt find --filter '[BASE...HEAD]' --json` run in a clean checkout of HEAD, as a CI job would.
 * Capped by a timeout (it parses every unit's configuration in two worktrees).
 */
async function measureTerragrunt(terragrunt, dir, scenario, reps, timeoutMs) {
  const runs = [];
  let units;
  for (let i = 0; i < reps; i++) {
    const start = performance.now();
    const outcome = await spawnCollect(
      terragrunt,
      ["find", "--filter", `[${scenario.base}...${scenario.head}]`, "--json", "--no-color", "--working-dir", dir],
      {
        cwd: dir,
        timeoutMs,
        env: { ...process.env, TG_LOG_LEVEL: "error", TG_NON_INTERACTIVE: "true", TG_NO_TIPS: "true" },
      },
    );
    const ms = performance.now() - start;
    removeTerragruntWorktrees(dir);
    if (outcome.timedOut) return { status: `timed out after ${timeoutMs / 1000} s`, ms, timedOut: true };
    if (outcome.code !== 0)
      return {
        status: `failed (exit ${outcome.code})`,
        ms,
        error: outcome.stderr.trim().split("\n").slice(-3).join(" | "),
      };
    try {
      units = JSON.parse(outcome.stdout)
        .filter((entry) => entry.type === "unit")
        .map((entry) => entry.path);
    } catch (error) {
      return { status: "unparseable output", ms, error: String(error) };
    }
    runs.push(ms);
  }
  return {
    status: "ok",
    ms: median(runs),
    runs: runs.map(round),
    units: units.sort(),
    unitCount: units.length,
    load1: round(loadavg()[0], 2),
  };
}

/** A killed terragrunt leaves its temporary worktrees behind; remove them so the next run starts clean. */
function removeTerragruntWorktrees(dir) {
  const listing = git(dir, ["worktree", "list", "--porcelain"]);
  for (const line of listing.split("\n")) {
    const path = line.startsWith("worktree ") ? line.slice("worktree ".length) : "";
    if (/\/terragrunt-worktree-[^/]+$/.test(path)) rmSync(path, { recursive: true, force: true });
  }
  git(dir, ["worktree", "prune"]);
}

/**
 * Terragrunt's figures depend only on the (deterministic) repository, the commits and the binary, and
 * take minutes at 50,000 units, so they are kept next to the repository and reused unless
 * `--terragrunt-rerun`; the JSON keeps the time they were measured (`measuredAt`).
 */
async function cachedTerragrunt(repo, scenario, terragrunt, rerun, measure) {
  const stat = statSync(terragrunt);
  const key = `${terragrunt}:${stat.size}:${stat.mtimeMs}:${scenario.base}:${scenario.head}`;
  const path = `${repo.dir}.terragrunt.json`;
  const cache = existsSync(path) ? JSON.parse(readFileSync(path, "utf8")) : {};
  if (!rerun && cache[key]) return { ...cache[key], reused: true };
  const result = { ...(await measure()), measuredAt: new Date().toISOString() };
  cache[key] = result;
  writeFileSync(path, JSON.stringify(cache));
  return result;
}

/** CPU profile of the heaviest case (cold `root` change at the largest size): top self-time functions. */
async function profileHotspots(results, work, seed) {
  const largest = results.sizes.at(-1);
  const scenario = largest.scenarios.find((s) => s.name === "root");
  const dir = join(work, `infrastructure-live-${largest.units}-seed${seed}`);
  const profileDir = join(ROOT, "bench-results/profiles");
  rmSync(profileDir, { recursive: true, force: true });
  mkdirSync(profileDir, { recursive: true });
  checkout(dir, scenario.head);
  clearDetectionCache(dir);
  log(`profiling cold root change at ${largest.units} units (node --cpu-prof)…`);
  await child({ kind: "detect", repo: dir, base: scenario.base, head: scenario.head, cache: true }, [
    "--cpu-prof",
    "--cpu-prof-dir",
    profileDir,
  ]);
  const file = readdirSync(profileDir).find((name) => name.endsWith(".cpuprofile"));
  if (!file) return { error: "no profile written" };
  return {
    units: largest.units,
    scenario: "root (cold)",
    file: join("bench-results/profiles", file),
    top: summarizeProfile(JSON.parse(readFileSync(join(profileDir, file), "utf8"))),
  };
}

const sourceMaps = new Map();
/** `packages/x/src/file.ts:line` for a frame in a built dist/ file (through its source map), else the file as run. */
function originalLocation(frame) {
  const file = frame.url.startsWith("file://") ? fileURLToPath(frame.url) : frame.url;
  if (!sourceMaps.has(file)) {
    let map = null;
    try {
      if (file.startsWith(ROOT) && existsSync(`${file}.map`))
        map = new SourceMap(JSON.parse(readFileSync(`${file}.map`, "utf8")));
    } catch {
      map = null;
    }
    sourceMaps.set(file, map);
  }
  const map = sourceMaps.get(file);
  const entry = map?.findEntry(frame.lineNumber, frame.columnNumber);
  if (entry?.originalSource) {
    const original = entry.originalSource.startsWith("file://")
      ? fileURLToPath(entry.originalSource)
      : resolve(dirname(file), entry.originalSource);
    return `${relativeToRoot(original)}:${entry.originalLine + 1}`;
  }
  return `${relativeToRoot(file)}:${frame.lineNumber + 1}`;
}

function relativeToRoot(file) {
  return file.startsWith(`${ROOT}/`) ? file.slice(ROOT.length + 1) : file;
}

/** Self time per function (name + file:line), from a V8 .cpuprofile. */
function summarizeProfile(profile) {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const self = new Map();
  const byFile = new Map();
  const deltas = profile.timeDeltas ?? [];
  let total = 0;
  profile.samples.forEach((id, index) => {
    const node = byId.get(id);
    const dt = (deltas[index + 1] ?? deltas[index] ?? 0) / 1000;
    total += dt;
    const frame = node.callFrame;
    const where = frame.url ? originalLocation(frame) : "";
    const key = `${frame.functionName || "(anonymous)"} ${where}`.trim();
    self.set(key, (self.get(key) ?? 0) + dt);
    const file = where ? where.replace(/:\d+$/, "") : key;
    byFile.set(file, (byFile.get(file) ?? 0) + dt);
  });
  const top = (map, n, label) =>
    [...map.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([name, ms]) => ({ [label]: name, selfMs: round(ms), share: round(ms / total, 3) }));
  return { totalMs: round(total), functions: top(self, 15, "function"), files: top(byFile, 10, "file") };
}

// ---------------------------------------------------------------------------------------------------
// Targets (issue 2, "Performance"; issue 3, planning): reported, never asserted
// ---------------------------------------------------------------------------------------------------

function evaluateTargets(results) {
  const lines = [];
  const at = (n) => results.sizes.find((s) => s.units === n && s.layout !== "stacks");
  const ten = at(10000);
  const fifty = at(50000);
  const scen = (size, name) => size?.scenarios.find((s) => s.name === name)?.detection;
  const add = (name, pass, detail) =>
    lines.push({ name, status: pass === undefined ? "N/A" : pass ? "PASS" : "MISS", detail });
  if (!ten) {
    add("targets at 10,000 units", undefined, "10,000 units not in --sizes");
    return lines;
  }
  const worst = (mode) => Math.max(...["one-unit", "root"].map((name) => scen(ten, name)?.[mode]?.ms ?? NaN));
  const cold = worst("cold");
  if (Number.isNaN(cold)) {
    add("detection targets", undefined, "detection not measured (detectChanges missing from the built package)");
    return lines;
  }
  const floor = ten.floor.ms;
  add(
    "cold worst case ≤ 3x floor (about 0.5 s) at 10,000 units",
    cold <= 3 * floor,
    `${fmtMs(cold)} = ${round(cold / floor, 2)}x floor (${fmtMs(floor)})`,
  );
  const warm = worst("warm");
  add("warm < 100 ms at 10,000 units", warm < 100, fmtMs(warm));
  const peak = Math.max(...ten.scenarios.map((s) => s.detection?.peakRssMB ?? 0));
  add("peak memory < 300 MB at 10,000 units", peak < 300, `${peak} MB maxRSS (whole node process)`);
  if (fifty && scen(fifty, "root")) {
    const perUnit = (size) => scen(size, "root").cold.ms / size.units;
    const growth = perUnit(fifty) / perUnit(ten);
    add(
      "linear growth 10,000 → 50,000 (cold root change, per unit, within 1.25x)",
      growth <= 1.25,
      `${fmtMs(scen(ten, "root").cold.ms)} → ${fmtMs(scen(fifty, "root").cold.ms)}: ${round(growth, 2)}x per unit`,
    );
    const memGrowth = Math.max(...fifty.scenarios.map((s) => s.detection?.peakRssMB ?? 0)) / peak;
    add("memory growth 10,000 → 50,000 (within 5x)", memGrowth <= 5, `${round(memGrowth, 2)}x`);
  } else {
    add("linear growth to 50,000", undefined, "50,000 units not in --sizes");
  }
  const planRatios = ["one-unit", "root"].map((name) => scen(ten, name)?.plan?.cold).filter(Boolean);
  if (planRatios.length > 0) {
    const worstPlan = planRatios.reduce((a, b) => (b.ratioToDetection > a.ratioToDetection ? b : a));
    add(
      "planning a small fraction of detection at 10,000 units (≤ 25%)",
      worstPlan.ratioToDetection <= 0.25,
      `adds ${fmtMs(worstPlan.addedMs)} = ${round(worstPlan.ratioToDetection * 100, 1)}% of detection (cold, worst case)`,
    );
  }
  const wrong = results.sizes.flatMap((s) =>
    s.scenarios.filter((sc) => sc.gantryAgreement && !sc.gantryAgreement.equal).map((sc) => `${s.units}/${sc.name}`),
  );
  add(
    "gantry reports exactly the expected units in every scenario",
    wrong.length === 0,
    wrong.length === 0 ? "all scenarios" : `differs: ${wrong.join(", ")}`,
  );
  const planned = results.sizes.flatMap((s) =>
    s.scenarios
      .filter((sc) => sc.detection?.plan)
      .map((sc) => ({
        at: `${s.units}${s.layout === "stacks" ? " (stacks)" : ""}/${sc.name}`,
        planned: sc.detection.plan.cold.plannedUnits,
        ideal: sc.expected,
      })),
  );
  if (planned.length > 0) {
    const off = planned.filter((p) => p.planned !== p.ideal);
    add(
      "gantry plans the ideal number of units for every change kind (issue 15)",
      off.length === 0,
      off.length === 0
        ? `${planned.length} changes`
        : `differs: ${off.map((p) => `${p.at} ${p.planned} vs ${p.ideal}`).join(", ")}`,
    );
  }
  return lines;
}

// ---------------------------------------------------------------------------------------------------
// Output
// ---------------------------------------------------------------------------------------------------

function renderTables(results) {
  const out = [];
  out.push(
    `Machine: ${results.machine.cpus} cores (${results.machine.cpuModel}), ${results.machine.memoryGB} GB, Node ${results.machine.node}, ${results.machine.git}. Median of ${results.options.reps} runs${results.options.repsLarge !== results.options.reps ? ` (${results.options.repsLarge} above 10,000 units)` : ""}, each in a fresh process.`,
  );
  out.push("");
  out.push(
    "| units | change | floor | cold | warm | restored | cold / floor | peak RSS | planning adds (cold) | terragrunt find | units: expected / gantry / terragrunt | load |",
  );
  out.push("| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: |");
  for (const size of results.sizes) {
    for (const s of size.scenarios) {
      const d = s.detection;
      const tg = s.terragrunt;
      const tgTime = tg
        ? tg.status === "ok"
          ? fmtMs(tg.ms)
          : tg.timedOut
            ? `> ${fmtMs(tg.ms)} (timeout)`
            : tg.skipped
              ? `not run (${tg.after} timed out)`
              : tg.status
        : "—";
      const plan = d?.plan ? `${fmtMs(d.plan.cold.addedMs)} (${round(d.plan.cold.ratioToDetection * 100, 1)}%)` : "—";
      const gantryUnits = s.gantryAgreement
        ? `${s.gantryAgreement.actual}${s.gantryAgreement.equal ? " ✓" : " ✗"}`
        : "—";
      const tgUnits = s.terragruntAgreement
        ? `${s.terragruntAgreement.actual}${s.terragruntAgreement.equal ? " ✓" : " ✗"}`
        : "—";
      out.push(
        `| ${size.units.toLocaleString("en-US")}${size.layout === "stacks" ? " (stacks)" : ""} | ${s.name} | ${fmtMs(size.floor.ms)} | ${d ? fmtMs(d.cold.ms) : s.error ? "failed" : "—"} | ${d ? fmtMs(d.warm.ms) : "—"} | ${d?.restored ? `${fmtMs(d.restored.ms)} (${d.restored.cacheHits} reused, ${Math.round(d.restored.maxRssMB)} MB)` : "—"} | ${d ? `${round(d.cold.ms / size.floor.ms, 2)}x` : "—"} | ${d ? `${d.peakRssMB} MB` : "—"} | ${plan} | ${tgTime} | ${s.expected} / ${gantryUnits} / ${tgUnits} | ${d ? median([...d.cold.load1, ...d.warm.load1]).toFixed(1) : "—"} |`,
      );
    }
  }
  out.push("");
  out.push(
    "_restored_: a first run on a fresh CI machine with the deploy branch's cache restored (written at the base commit), as the example workflow does; units whose reads did not change since are reused. Its peak RSS is in the cell, not in _peak RSS_.",
  );
  out.push(
    "_load_: median 1-minute load average at the end of the Gantry runs of that row (2 cores; above 2 means other work competed for the CPU).",
  );
  const tgTimes = results.sizes
    .flatMap((size) => size.scenarios.map((s) => s.terragrunt?.measuredAt).filter(Boolean))
    .sort();
  if (tgTimes.length > 0) {
    out.push("");
    out.push(
      `Terragrunt: \`terragrunt find --filter '[BASE...HEAD]' --json\`, ${results.options.terragruntReps === 1 ? "one run each" : `median of ${results.options.terragruntReps}`}, measured ${tgTimes[0].slice(0, 16).replace("T", " ")} – ${tgTimes.at(-1).slice(0, 16).replace("T", " ")} UTC (kept and reused across bench runs; \`--terragrunt-rerun\` measures again).`,
    );
  }
  out.push("");
  out.push(
    "Precision: units each change kind makes Gantry plan, against the ideal (the units whose plan the change can alter, from the generator's wiring) and what `terragrunt find --filter` reports.",
  );
  out.push("");
  out.push("| units | change | ideal | gantry detects | gantry plans | terragrunt find |");
  out.push("| ---: | --- | ---: | ---: | ---: | ---: |");
  for (const size of results.sizes) {
    for (const s of size.scenarios) {
      const planned = s.detection?.plan?.cold.plannedUnits;
      const cell = (agreement) =>
        agreement
          ? `${agreement.actual}${agreement.equal ? " ✓" : ` ✗ (${agreement.missing} missed, ${agreement.extra} extra)`}`
          : "—";
      const plannedCell = planned === undefined ? "—" : `${planned}${planned === s.expected ? " ✓" : " ✗"}`;
      out.push(
        `| ${size.units.toLocaleString("en-US")}${size.layout === "stacks" ? " (stacks)" : ""} | ${s.name} | ${s.expected} | ${cell(s.gantryAgreement)} | ${plannedCell} | ${cell(s.terragruntAgreement)} |`,
      );
    }
  }
  out.push("");
  out.push("Targets (issue 2 at 10,000 units; issue 3 for planning), reported, not asserted:");
  for (const t of results.targets) out.push(`- ${t.status} ${t.name}: ${t.detail}`);
  const differences = [];
  for (const size of results.sizes) {
    for (const s of size.scenarios) {
      for (const [who, agreement] of [
        ["gantry", s.gantryAgreement],
        ["terragrunt", s.terragruntAgreement],
      ]) {
        if (agreement && !agreement.equal) {
          differences.push(
            `- ${size.units.toLocaleString("en-US")} units, ${s.name} (${s.description}): ${who} misses ${agreement.missing} of ${agreement.expected} expected units${agreement.extra ? ` and adds ${agreement.extra}` : ""}${agreement.missingExamples.length ? ` (e.g. ${agreement.missingExamples.join(", ")})` : ""}`,
          );
        }
      }
    }
  }
  const failures = results.sizes.flatMap((size) =>
    size.scenarios
      .filter((s) => s.error)
      .map((s) => `- ${size.units.toLocaleString("en-US")} units, ${s.name}: ${s.error.split("\n")[0]}`),
  );
  if (failures.length > 0) {
    out.push("");
    out.push("Failed measurements:");
    out.push(...failures);
  }
  if (differences.length > 0) {
    out.push("");
    out.push("Unit sets that differ from the ground truth (the units the generator wired to the changed file):");
    out.push(...differences);
  }
  if (results.profile?.top) {
    const { top } = results.profile;
    out.push("");
    out.push(
      `CPU hotspots, ${results.profile.scenario} at ${results.profile.units.toLocaleString("en-US")} units (${fmtMs(top.totalMs)} sampled; self time; ${results.profile.file}):`,
    );
    for (const entry of top.functions.slice(0, 10))
      out.push(`- ${fmtMs(entry.selfMs)} (${round(entry.share * 100, 1)}%) ${entry.function}`);
    out.push("By file:");
    for (const entry of top.files.slice(0, 8))
      out.push(`- ${fmtMs(entry.selfMs)} (${round(entry.share * 100, 1)}%) ${entry.file}`);
  }
  return out.join("\n");
}

function writeReadmeResults(table, results) {
  const path = join(ROOT, "bench/README.md");
  const start = "<!-- bench:results:start -->";
  const end = "<!-- bench:results:end -->";
  const block = `${start}\n_Run ${results.date.slice(0, 16).replace("T", " ")} UTC, \`pnpm bench ${process.argv.slice(2).join(" ")}\`._\n\n${table}\n${end}`;
  let text = existsSync(path) ? readFileSync(path, "utf8") : "# Benchmark\n\n## Latest results\n\n";
  if (text.includes(start) && text.includes(end)) {
    text = text.slice(0, text.indexOf(start)) + block + text.slice(text.indexOf(end) + end.length);
  } else {
    text = `${text.trimEnd()}\n\n${block}\n`;
  }
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
}

// ---------------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------------

function compareSets(expected, actual) {
  const want = new Set(expected);
  const got = new Set(actual);
  const missing = [...want].filter((u) => !got.has(u));
  const extra = [...got].filter((u) => !want.has(u));
  return {
    expected: want.size,
    actual: got.size,
    equal: missing.length === 0 && extra.length === 0,
    missing: missing.length,
    extra: extra.length,
    missingExamples: missing.slice(0, 3),
    extraExamples: extra.slice(0, 3),
  };
}

function agreementNote(agreement) {
  if (agreement.equal) return " (exact)";
  return ` (missing ${agreement.missing}, extra ${agreement.extra})`;
}

/**
 * Spawns this file as a measurement child and returns its JSON report. Other work may be rebuilding a
 * package's dist/ (tsup empties it first) while the bench runs: a child that cannot load it is retried.
 */
async function child(spec, nodeFlags = []) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await childOnce(spec, nodeFlags);
    } catch (error) {
      const loading = /ERR_MODULE_NOT_FOUND|does not provide an export named|Cannot find module/.test(error.message);
      if (!loading || attempt >= 10) throw error;
      log(`(a package dist/ is being rebuilt; retrying the ${spec.kind} run in 15 s)`);
      await new Promise((r) => setTimeout(r, 15000));
    }
  }
}

async function childOnce(spec, nodeFlags) {
  const outcome = await spawnCollect(
    process.execPath,
    ["--expose-gc", ...nodeFlags, SELF, "--child", JSON.stringify(spec)],
    { cwd: ROOT, timeoutMs: 30 * 60 * 1000 },
  );
  const last = outcome.stdout.trim().split("\n").at(-1) ?? "";
  let report;
  try {
    report = JSON.parse(last);
  } catch {
    throw new Error(
      `measurement child (${spec.kind}) exited ${outcome.code} without a report: ${outcome.stderr.trim().slice(-2000)}`,
    );
  }
  if (report.error) throw new Error(`measurement child (${spec.kind}) failed: ${report.error}`);
  return report;
}

function spawnCollect(command, args, { cwd, env = process.env, timeoutMs }) {
  return new Promise((resolvePromise, reject) => {
    const proc = spawn(command, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    const stdout = [];
    let stderr = "";
    let timedOut = false;
    proc.stdout.on("data", (chunk) => stdout.push(chunk));
    proc.stderr.setEncoding("utf8").on("data", (chunk) => (stderr = (stderr + chunk).slice(-20000)));
    const timer = setTimeout(() => {
      timedOut = true;
      proc.kill("SIGKILL");
    }, timeoutMs);
    proc.on("error", reject);
    proc.on("close", (code) => {
      clearTimeout(timer);
      resolvePromise({ code, stdout: Buffer.concat(stdout).toString("utf8"), stderr, timedOut });
    });
  });
}

async function repeat(times, task) {
  const out = [];
  for (let i = 0; i < times; i++) out.push(await task());
  return out;
}

async function exportsAll(file, names) {
  for (const name of names) if (!(await exportsFunction(file, name))) return false;
  return true;
}

const loadedModules = new Map();
async function exportsFunction(file, name) {
  if (!loadedModules.has(file)) {
    let mod = null;
    if (existsSync(file)) {
      try {
        mod = await import(pathToFileURL(file).href);
      } catch (error) {
        log(`could not load ${file}: ${error.message}`);
      }
    }
    loadedModules.set(file, mod);
  }
  return typeof loadedModules.get(file)?.[name] === "function";
}

function findTerragrunt() {
  const candidates = [
    process.env.GANTRY_TERRAGRUNT,
    ...(process.env.PATH ?? "").split(":").map((d) => d && join(d, "terragrunt")),
  ];
  for (const candidate of candidates) if (candidate && isExecutable(candidate)) return candidate;
  // The directory ensure-iac-tools.sh builds into; asking the script would start a build when absent.
  const cacheRoot =
    process.env.GANTRY_TOOLS_CACHE ??
    join(process.env.XDG_CACHE_HOME ?? join(process.env.HOME ?? "", ".cache"), "gantry/tools");
  if (!existsSync(cacheRoot)) return undefined;
  for (const name of readdirSync(cacheRoot).sort().reverse()) {
    const candidate = join(cacheRoot, name, "terragrunt");
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

function isExecutable(path) {
  try {
    return statSync(path).isFile() && (statSync(path).mode & 0o111) !== 0;
  } catch {
    return false;
  }
}

function checkout(dir, sha) {
  git(dir, ["checkout", "-q", "--detach", sha]);
}

function git(dir, args) {
  return execFileSync("git", args, {
    cwd: dir,
    env: { ...process.env, ...GIT_ENV },
    encoding: "utf8",
    maxBuffer: 1 << 30,
  }).trim();
}

function gitVersion() {
  return spawnSync("git", ["--version"], { encoding: "utf8" }).stdout.trim();
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function round(value, digits = 1) {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

function fmtMs(ms) {
  if (ms === undefined || Number.isNaN(ms)) return "—";
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${Math.round(ms)} ms`;
}

function log(message) {
  process.stderr.write(`${message}\n`);
}

function fail(message) {
  log(`bench: ${message}`);
  process.exit(2);
}

// Last, so every module-level declaration above is initialised before it runs.
if (process.argv[2] === "--child") {
  await runChild(JSON.parse(process.argv[3]));
} else {
  await main();
}
