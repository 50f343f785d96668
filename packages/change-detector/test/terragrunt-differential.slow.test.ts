/**
 * Differential test: Gantry against the real terragrunt on a corpus of repositories generated here, from
 * Terragrunt's own test fixtures (each fixture directory one repository) and a Gruntwork-shaped generated
 * repository. For every repository: the units and the dependency graph against `terragrunt find
 * --dependencies`; then one-file edits, each its own commit, against `terragrunt find --filter
 * '[BASE...HEAD]'`. Every disagreement must have a known cause (`differential.ts`, listed with who is right
 * in the change-detector README); Gantry must never miss a unit Terragrunt finds unless the cause says
 * Terragrunt is wrong.
 *
 * CI runs a representative subset; `GANTRY_DIFFERENTIAL=full` runs every fixture (about 185 repositories,
 * up to GANTRY_DIFFERENTIAL_EDITS edits each, default 12; tens of minutes); `GANTRY_DIFFERENTIAL=a,b` runs
 * the fixtures named.
 */
import { generateInfrastructureRepo, realToolOrSkip, runGit, terragruntFixturesDir } from "@gantry/testkit";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import type { DetectionResult } from "../src/index.js";
import {
  CAUSES,
  allFixtures,
  causeOfGantryOnly,
  causeOfTerragruntOnly,
  copyFixture,
  editFile,
  filesToEdit,
  type CauseName,
  type TerragruntView,
} from "./differential.js";
import { createTempGitRepo, detect } from "./helpers.js";
import { runTerragrunt, terragruntFind, type FoundComponent } from "./terragrunt.js";

/**
 * The CI subset: includes and exposed includes, multiple includes with merge strategies and placeholder
 * dependencies, read_terragrunt_config, reads Terragrunt records (units-reading), find_in_parent_folders,
 * local modules, dependency cycles, a legacy root terragrunt.hcl, external dependencies, var files.
 */
const CI_FIXTURES = [
  "include-expose",
  "include-multiple",
  "read-config",
  "units-reading",
  "parent-folders",
  "modules",
  "get-output",
  "root-terragrunt-hcl-regression",
  "external-dependency",
  "extra-args",
  "mark-glob-as-read",
  "dependency-optimisation",
];
const requested = process.env.GANTRY_DIFFERENTIAL ?? "";
const full = requested === "full";
const editsPerRepository = Number(process.env.GANTRY_DIFFERENTIAL_EDITS ?? (full ? 12 : 5));
const fixtures = realToolOrSkip(
  terragruntFixturesDir(),
  "Terragrunt's test fixtures (the Go module cache)",
  "run scripts/setup.sh, which builds terragrunt v1.1.3 from the Go module proxy and leaves its fixtures in `go env GOMODCACHE`",
);
// `full`: every fixture; a comma-separated list: those fixtures; else the CI subset.
const corpus =
  fixtures === undefined ? [] : full ? allFixtures(fixtures) : requested !== "" ? requested.split(",") : CI_FIXTURES;

interface Disagreement {
  repository: string;
  edit: string;
  unit: string;
  side: "gantry only" | "terragrunt only" | "terragrunt failed";
  cause: CauseName | "UNKNOWN";
  /** For a broken unit, Gantry's first problem; for a failed terragrunt, its last line of errors. */
  detail?: string;
}
const disagreements: Disagreement[] = [];
let editsCompared = 0;
let repositoriesCompared = 0;

afterAll(() => {
  if (repositoriesCompared === 0) return;
  // The summary the README's table comes from.
  const counts = new Map<string, number>();
  for (const d of disagreements) counts.set(`${d.side}: ${d.cause}`, (counts.get(`${d.side}: ${d.cause}`) ?? 0) + 1);
  const lines = [...counts].sort().map(([key, count]) => `  ${key}: ${count}`);
  // Broken units and failed terragrunt runs, once each: a fixture written to fail, or something to learn.
  const broken = new Map(
    disagreements
      .filter((d) => d.detail)
      .map((d) => [
        `${d.side === "terragrunt failed" ? "terragrunt failed on " : "broken "}${d.repository}/${d.unit}`,
        d.detail,
      ]),
  );
  for (const [unit, detail] of broken) lines.push(`  ${unit}: ${detail}`);
  process.stdout.write(
    `differential: ${repositoriesCompared} repositories, ${editsCompared} edits, ${disagreements.length} unit disagreements\n${lines.join("\n")}\n`,
  );
});

/**
 * Compares one repository: its units with Terragrunt's list, then each edit (`edit` commits one file and
 * returns the new head) with `terragrunt find --filter`. `files` picks the edits from Terragrunt's units.
 */
async function compareRepository(
  name: string,
  dir: string,
  files: (units: string[]) => string[],
  edit: (file: string) => string,
): Promise<void> {
  const found0 = terragruntFind(dir, ["--reading"]).filter((c) => c.type === "unit");
  const listed = new Set(found0.map((c) => c.path));
  const view: TerragruntView = {
    reading: new Map(found0.map((c) => [c.path, c.reading ?? []])),
    hasExcludeBlock: (unit) => {
      const files = [
        `${unit.path === "." ? "" : `${unit.path}/`}terragrunt.hcl`,
        ...unit.reasons.flatMap((r) => r.chain.filter((l) => l.via === "include").map((l) => l.file)),
      ];
      return files.some(
        (file) => existsSync(join(dir, file)) && /^\s*exclude\s*\{/m.test(readFileSync(join(dir, file), "utf8")),
      );
    },
  };
  let base = runGit(dir, ["rev-parse", "HEAD"]).trim();
  const whole = await detect(dir, base, base);
  // Every unit Terragrunt lists is one of Gantry's, but an included root terragrunt.hcl (a known cause).
  for (const unit of listed) {
    if (!(unit in whole.graph.dependencies))
      expect({ name, unit, cause: causeOfTerragruntOnly(unit, whole) }).toEqual({
        name,
        unit,
        cause: "root-configuration",
      });
  }
  for (const file of files([...listed])) {
    const next = edit(file);
    const filtered = runTerragrunt(dir, ["find", "--json", "--filter", `[${base}...${next}]`]);
    editsCompared++;
    if (filtered.code !== 0) {
      disagreements.push({
        repository: name,
        edit: file,
        unit: "*",
        side: "terragrunt failed",
        cause: "terragrunt-failed",
        detail: filtered.stderr.trim().split("\n").at(-1)!.slice(0, 200),
      });
      base = next;
      continue;
    }
    const found = new Set(
      (JSON.parse(filtered.stdout || "[]") as FoundComponent[]).filter((c) => c.type === "unit").map((c) => c.path),
    );
    const detection: DetectionResult = await detect(dir, base, next);
    const gantry = new Set(detection.units.map((u) => u.path));
    for (const unit of detection.units) {
      if (found.has(unit.path)) continue;
      const problem = unit.problems[0];
      disagreements.push({
        repository: name,
        edit: file,
        unit: unit.path,
        side: "gantry only",
        cause: causeOfGantryOnly(unit, view, listed) ?? "UNKNOWN",
        ...(problem
          ? { detail: `${problem.code} ${problem.file ?? ""}:${problem.line ?? ""} ${problem.message}` }
          : {}),
      });
    }
    for (const unit of found) {
      if (!gantry.has(unit))
        disagreements.push({
          repository: name,
          edit: file,
          unit,
          side: "terragrunt only",
          cause: causeOfTerragruntOnly(unit, detection) ?? "UNKNOWN",
        });
    }
    base = next;
  }
  repositoriesCompared++;
  expect(disagreements.filter((d) => d.repository === name && d.cause === "UNKNOWN")).toEqual([]);
}

describe.skipIf(fixtures === undefined)("Gantry against terragrunt find on Terragrunt's own fixtures", () => {
  test.each(corpus)("%s", async (name) => {
    await using repo = createTempGitRepo();
    copyFixture(fixtures!, name, repo.dir);
    repo.commit({}, `fixture ${name}`);
    await compareRepository(
      name,
      repo.dir,
      (units) => filesToEdit(repo.dir, units, editsPerRepository),
      (file) => {
        editFile(repo.dir, file);
        return repo.commit({}, `edit ${file}`);
      },
    );
  });
});

describe("Gantry against terragrunt find on a Gruntwork-shaped repository", () => {
  const parent = mkdtempSync(join(tmpdir(), "gantry-differential-"));
  afterAll(() => rmSync(parent, { recursive: true, force: true }));

  test("root.hcl, account files, _envcommon, data files, modules (// sources) and a README", async () => {
    const dir = join(parent, "live");
    const generated = await generateInfrastructureRepo({ dir, units: 40, unitsPerEnv: 10 });
    const unit = generated.unitPaths[3]!;
    const edits = [
      "root.hcl",
      `${unit.split("/")[0]}/account.hcl`,
      "_envcommon/rds.hcl",
      "_envcommon/data/rds-parameters.json",
      "modules/shared/main.tf",
      "modules/dynamodb/main.tf",
      "modules/data/node-sizes.json",
      "README.md",
      `${unit}/terragrunt.hcl`,
    ];
    await compareRepository(
      "generated",
      dir,
      () => edits,
      (file) => {
        editFile(dir, file);
        runGit(dir, ["commit", "-qam", `edit ${file}`]);
        return runGit(dir, ["rev-parse", "HEAD"]).trim();
      },
    );
  });
});

test("every known cause is documented with who is right", () => {
  for (const [name, cause] of Object.entries(CAUSES)) expect([name, cause.why.length > 40]).toEqual([name, true]);
});
