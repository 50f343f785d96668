/**
 * Terragrunt's `exclude` blocks (and the `feature` defaults they often read), compared with the real terragrunt
 * v1.1.3 on its own `exclude` fixtures plus cases of ours: what Gantry evaluates for each unit against
 * `terragrunt find --exclude`, and which units Gantry's plan leaves out of plan, apply and destroy against the
 * units `terragrunt run --all` reports `excluded` for those commands.
 *
 * Known disagreements (Gantry is conservative, the outcome is the same): an `if` only known at run time
 * (`get_env`) is null for Gantry, which plans the unit and lets Terragrunt decide; Terragrunt evaluates it.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { detectChanges } from "@gantry/change-detector";
import { createTempGitRepo, realToolOrSkip, terragruntFixturesDir, type FileMap } from "@gantry/testkit";
import { describe, expect, it } from "vitest";
import { planChange } from "../src/index.js";

const root = resolve(import.meta.dirname, "../../..");

function filesOf(dir: string, prefix: string): FileMap {
  const files: FileMap = {};
  const walk = (current: string) => {
    for (const entry of readdirSync(current)) {
      const path = join(current, entry);
      if (statSync(path).isDirectory()) walk(path);
      else files[`${prefix}/${relative(dir, path)}`] = readFileSync(path, "utf8");
    }
  };
  walk(dir);
  return files;
}

let tools: { terragrunt: string; tofuDir: string } | undefined;
function terragrunt(cwd: string, args: string[]): string {
  if (!tools) {
    const dir = process.env.GANTRY_TERRAGRUNT
      ? undefined
      : execFileSync("bash", [join(root, "scripts/ensure-iac-tools.sh")], { encoding: "utf8" })
          .trim()
          .split("\n")
          .pop()!;
    const binary = process.env.GANTRY_TERRAGRUNT ?? join(dir!, "terragrunt");
    tools = {
      terragrunt: binary,
      tofuDir: process.env.GANTRY_TOFU ? resolve(process.env.GANTRY_TOFU, "..") : resolve(binary, ".."),
    };
  }
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PATH: `${tools.tofuDir}:${process.env.PATH ?? ""}`,
    TG_NON_INTERACTIVE: "true",
    TG_NO_COLOR: "true",
    TG_LOG_LEVEL: "error",
  };
  if (env.TF_CLI_CONFIG_FILE && !existsSync(env.TF_CLI_CONFIG_FILE)) delete env.TF_CLI_CONFIG_FILE;
  for (const name of Object.keys(env))
    if (name.startsWith("TG_FEATURE") || name === "GANTRY_TEST_EXCLUDE") delete env[name];
  const out = spawnSync(tools.terragrunt, args, { cwd, encoding: "utf8", env, maxBuffer: 64 * 1024 * 1024 });
  if (out.status !== 0 && !args.includes("--report-file"))
    throw new Error(`terragrunt ${args.join(" ")} failed: ${out.stderr}`);
  return out.stdout;
}

/** The units `terragrunt run --all -- COMMAND` reports excluded (the whole repository is the queue). */
function excludedByTerragrunt(dir: string, command: string[]): string[] {
  const report = join(dir, ".git", `report-${command[0]}.json`);
  terragrunt(dir, ["run", "--all", "--report-file", report, "--report-format", "json", "--", ...command]);
  const entries = JSON.parse(readFileSync(report, "utf8")) as { Name: string; Result: string }[];
  return entries
    .filter((entry) => entry.Result === "excluded")
    .map((entry) => entry.Name)
    .sort();
}

const module = `terraform {\n  source = "."\n}\n`;
/** Cases of ours beside Terragrunt's: an inherited block, a string flag, exclude_dependencies, a feature from an include, a run-time `if`. */
const ours: FileMap = {
  "extra/common.hcl": `exclude {\n  if      = true\n  actions = ["apply"]\n}\n`,
  "extra/flags.hcl": `feature "keep" {\n  default = true\n}\n`,
  "extra/inherited/terragrunt.hcl": `${module}include "common" {\n  path = find_in_parent_folders("common.hcl")\n}\n`,
  "extra/string-flag/terragrunt.hcl": `${module}exclude {\n  if      = "true"\n  actions = ["PLAN"]\n}\n`,
  "extra/leaf/terragrunt.hcl": module,
  "extra/with-deps/terragrunt.hcl": `${module}dependency "leaf" {\n  config_path  = "../leaf"\n  mock_outputs = { id = "x" }\n}\nexclude {\n  if                   = true\n  actions              = ["plan", "destroy"]\n  exclude_dependencies = true\n}\n`,
  "extra/feature/terragrunt.hcl": `${module}include "flags" {\n  path = find_in_parent_folders("flags.hcl")\n}\nexclude {\n  if      = feature.keep.value\n  actions = ["destroy"]\n}\n`,
  "extra/run-time/terragrunt.hcl": `${module}exclude {\n  if      = get_env("GANTRY_TEST_EXCLUDE", "false") == "true"\n  actions = ["all"]\n}\n`,
};

const corpus = realToolOrSkip(
  terragruntFixturesDir(),
  "Terragrunt's test fixtures (the Go module cache)",
  "run scripts/setup.sh, which builds terragrunt v1.1.3 from the Go module proxy and leaves its fixtures in `go env GOMODCACHE`",
);
const fixtures = corpus === undefined ? undefined : join(corpus, "exclude");

describe.skipIf(fixtures === undefined)("exclude blocks and feature defaults against the real terragrunt", () => {
  it(
    "evaluates each unit's exclude block as terragrunt find does, and plans without the units terragrunt run --all excludes",
    { timeout: 300_000 },
    async () => {
      await using repo = createTempGitRepo({ "README.md": "exclude\n" });
      const empty = repo.sha();
      const head = repo.commit({
        ...filesOf(join(fixtures!, "comprehensive"), "comprehensive"),
        ...filesOf(join(fixtures!, "dependency-feature-flags"), "dependency-feature-flags"),
        ...ours,
      });

      // 1. Evaluation: every unit is added, so each carries its exclude block in the detection document.
      const detection = await detectChanges({ repo: repo.dir, base: empty, head, event: "push", cache: false });
      const found = JSON.parse(terragrunt(repo.dir, ["find", "--json", "--exclude"])) as {
        path: string;
        exclude?: { if: boolean; actions: string[]; exclude_dependencies: boolean | null };
      }[];
      expect(detection.units.map((unit) => unit.path).sort()).toEqual(found.map((unit) => unit.path).sort());
      const gantry = Object.fromEntries(
        detection.units.map((unit) => [
          unit.path,
          unit.exclude && {
            if: unit.exclude.if,
            actions: unit.exclude.actions,
            excludeDependencies: unit.exclude.excludeDependencies,
          },
        ]),
      );
      const reference = Object.fromEntries(
        found.map((unit) => [
          unit.path,
          unit.exclude && {
            if: unit.exclude.if,
            actions: unit.exclude.actions,
            excludeDependencies: unit.exclude.exclude_dependencies ?? false,
          },
        ]),
      );
      // The one known disagreement: an `if` only known at run time.
      expect(gantry["extra/run-time"]).toEqual({ ...reference["extra/run-time"], if: null });
      delete gantry["extra/run-time"];
      delete reference["extra/run-time"];
      expect(gantry).toEqual(reference);
      expect(detection.units.find((unit) => unit.path === "extra/inherited")!.exclude!.from).toBe("extra/common.hcl:1");

      // 2. Planning, per command: the units Gantry leaves out are the units terragrunt run --all excludes.
      const excludedByGantry = async (event: "pull_request" | "push", base: string, to: string) =>
        (
          (await planChange({ repo: repo.dir, base, head: to, event, branch: "main", env: {}, cache: false }))
            .excludedUnits ?? []
        )
          .map((entry) => entry.unit)
          .sort();
      const planned = await excludedByGantry("pull_request", empty, head);
      const applied = await excludedByGantry("push", empty, head);
      const gone = repo.commit(
        Object.fromEntries(
          Object.keys({
            ...filesOf(join(fixtures!, "comprehensive"), "comprehensive"),
            ...filesOf(join(fixtures!, "dependency-feature-flags"), "dependency-feature-flags"),
            ...ours,
          }).map((path) => [path, null]),
        ),
      );
      const destroyed = await excludedByGantry("push", head, gone);
      repo.git("checkout", "-q", head);
      expect(planned).toEqual(excludedByTerragrunt(repo.dir, ["plan"]));
      expect(applied).toEqual(excludedByTerragrunt(repo.dir, ["apply", "-auto-approve"]));
      expect(destroyed).toEqual(excludedByTerragrunt(repo.dir, ["destroy", "-auto-approve"]));
      // What those are, so a change in either tool shows here.
      expect(planned).toEqual([
        "comprehensive/action-mismatch",
        "comprehensive/always-excluded",
        "comprehensive/conditional-no-run",
        "comprehensive/exclude-all-except-output",
        "comprehensive/exclude-plan-only",
        "comprehensive/no-run-false",
        "comprehensive/no-run-not-set",
        "comprehensive/no-run-true",
        "extra/leaf",
        "extra/string-flag",
        "extra/with-deps",
      ]);
      expect(applied).toEqual([
        "comprehensive/always-excluded",
        "comprehensive/conditional-no-run",
        "comprehensive/exclude-all-except-output",
        "comprehensive/exclude-apply-only",
        "comprehensive/no-run-false",
        "comprehensive/no-run-true",
        "extra/inherited",
      ]);
      expect(destroyed).toEqual([
        "comprehensive/always-excluded",
        "comprehensive/conditional-no-run",
        "comprehensive/exclude-all-except-output",
        "comprehensive/no-run-true",
        "extra/feature",
        "extra/leaf",
        "extra/with-deps",
      ]);
    },
  );
});
