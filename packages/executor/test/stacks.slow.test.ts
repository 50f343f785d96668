/**
 * Units generated from stack files, end to end with the real terragrunt and OpenTofu: a stack-layout
 * repository (a catalog repository of units pinned by tag, `terraform_data` modules, values, a dependency
 * between generated units) applied on push by `gantry run` with the real guards, a pull request changing one
 * `values` entry planning only that unit, and a deleted stack destroyed from the base commit, dependents
 * first. In-process: the minimal guard, a source that cannot be fetched, and generated directories committed
 * by hand.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { planChange } from "@gantry/classifier";
import { createTempGitRepo, type FileMap, type TempGitRepo } from "@gantry/testkit";
import { checkJobMinimal, executeJob } from "../src/index.js";
import { iacToolsEnv, makeJob, runGantryCli, stateResources, worktreeList } from "./helpers.js";

const include = 'include "root" {\n  path = find_in_parent_folders("root.hcl")\n}\n';

/** The catalog: units only, in a repository of its own, tagged v1 (Gruntwork's layout). */
function catalogRepository(): TempGitRepo {
  const catalog = createTempGitRepo(
    {
      "units/vpc/terragrunt.hcl": `${include}terraform {\n  source = "\${get_repo_root()}/modules//vpc"\n}\ninputs = {\n  cidr = values.cidr\n}\n`,
      "units/app/terragrunt.hcl":
        `${include}terraform {\n  source = "\${get_repo_root()}/modules//app"\n}\n` +
        `dependency "vpc" {\n  config_path = values.vpc_path\n  mock_outputs = { id = "vpc-mock" }\n  mock_outputs_allowed_terraform_commands = ["plan"]\n}\n` +
        `inputs = {\n  release = values.release\n  vpc_id  = dependency.vpc.outputs.id\n}\n`,
    },
    { prefix: "gantry-catalog-" },
  );
  catalog.git("tag", "v1");
  return catalog;
}

const stack = (catalog: string, cidr: string, release: string) =>
  `unit "vpc" {\n  source = "git::file://${catalog}//units/vpc?ref=v1"\n  path   = "vpc"\n  values = { cidr = "${cidr}" }\n}\n\n` +
  `unit "app" {\n  source = "git::file://${catalog}//units/app?ref=v1"\n  path   = "app"\n  values = { vpc_path = "../vpc", release = "${release}" }\n}\n`;

function liveRepository(): TempGitRepo {
  return createTempGitRepo({
    "root.hcl":
      `remote_state {\n  backend = "local"\n  generate = {\n    path      = "backend.tf"\n    if_exists = "overwrite_terragrunt"\n  }\n` +
      `  config = {\n    path = "\${get_env("GANTRY_STATE_DIR")}/\${path_relative_to_include()}/terraform.tfstate"\n  }\n}\n`,
    "modules/vpc/main.tf":
      'variable "cidr" {}\nresource "terraform_data" "vpc" {\n  input = var.cidr\n}\noutput "id" {\n  value = terraform_data.vpc.id\n}\n',
    "modules/app/main.tf":
      'variable "release" {}\nvariable "vpc_id" {}\nresource "terraform_data" "app" {\n  input = { release = var.release, vpc = var.vpc_id }\n}\n',
  });
}

const PROD = "live/prod/.terragrunt-stack";
const DEV = "live/dev/.terragrunt-stack";

const gantry = (repo: TempGitRepo, stateDir: string, ...args: string[]) => runGantryCli(repo.dir, stateDir, ...args);

/** Terragrunt's run reports of every job of the repository's runs, by unit. */
function reportedTimes(repo: TempGitRepo): Map<string, { started: number; ended: number; result: string }> {
  const runs = join(repo.dir, ".git", "gantry", "runs");
  const times = new Map<string, { started: number; ended: number; result: string }>();
  for (const run of readdirSync(runs)) {
    for (const job of readdirSync(join(runs, run))) {
      const file = join(runs, run, job, "terragrunt-report.json");
      if (!existsSync(file)) continue;
      for (const entry of JSON.parse(readFileSync(file, "utf8")) as Array<{
        Name: string;
        Started: string;
        Ended: string;
        Result: string;
        Cmd: string;
      }>) {
        times.set(`${entry.Cmd} ${entry.Name}`, {
          started: Date.parse(entry.Started),
          ended: Date.parse(entry.Ended),
          result: entry.Result,
        });
      }
    }
  }
  return times;
}

describe("executing units generated from stack files", () => {
  it("applies a stack-layout repository on push, plans only the unit a values change feeds, destroys a deleted stack from the base commit, dependents first", async () => {
    await using catalog = catalogRepository();
    await using repo = liveRepository();
    const stateDir = join(repo.dir, "..", `${repo.dir.split("/").pop()}-state`);
    const empty = repo.sha();
    const stacks = repo.commit({
      "live/prod/terragrunt.stack.hcl": stack(catalog.dir, "10.0.0.0/16", "v1"),
      "live/dev/terragrunt.stack.hcl": stack(catalog.dir, "10.1.0.0/16", "v1"),
    });

    const applied = gantry(repo, stateDir, "run", "--base", empty, "--head", stacks, "--event", "push");
    expect(applied.stderr).not.toMatch(/gantry run: error/);
    expect([applied.code, applied.stdout]).toEqual([0, expect.stringMatching(/units 4 succeeded, 0 failed/)]);
    const vpcId = stateResources(stateDir, `${PROD}/vpc`)!.get("terraform_data.vpc")!["id"];
    // The app read the vpc's real output: the dependency between generated units worked.
    expect(stateResources(stateDir, `${PROD}/app`)!.get("terraform_data.app")!["input"]).toEqual({
      release: "v1",
      vpc: vpcId,
    });
    expect(worktreeList(repo.dir)).toHaveLength(1);

    repo.checkout("release-v2", { create: true });
    const pr = repo.commit({ "live/prod/terragrunt.stack.hcl": stack(catalog.dir, "10.0.0.0/16", "v2") });
    repo.checkout("main");
    const planned = await planChange({
      repo: repo.dir,
      base: stacks,
      head: pr,
      event: "pull_request",
      branch: "release-v2",
    });
    expect(planned.jobs.map((job) => [job.action, job.units])).toEqual([["plan", [`${PROD}/app`]]]);
    const plan = gantry(
      repo,
      stateDir,
      "run",
      "--base",
      stacks,
      "--head",
      pr,
      "--event",
      "pull_request",
      "--branch",
      "release-v2",
    );
    expect([plan.code, plan.stdout]).toEqual([0, expect.stringMatching(/units 1 succeeded, 0 failed/)]);
    expect(plan.stdout).toContain(`${PROD}/app  Plan: 0 to add, 1 to change, 0 to destroy.`);

    const deleted = repo.commit({ "live/dev/terragrunt.stack.hcl": null });
    const destroyed = gantry(repo, stateDir, "run", "--base", stacks, "--head", deleted, "--event", "push");
    expect([destroyed.code, destroyed.stdout]).toEqual([0, expect.stringMatching(/units 2 succeeded, 0 failed/)]);
    expect(stateResources(stateDir, `${DEV}/app`)!.size).toBe(0);
    expect(stateResources(stateDir, `${DEV}/vpc`)!.size).toBe(0);
    expect(stateResources(stateDir, `${PROD}/vpc`)!.size).toBe(1);
    const times = reportedTimes(repo);
    expect(times.get(`destroy ${DEV}/app`)!.ended).toBeLessThanOrEqual(times.get(`destroy ${DEV}/vpc`)!.started);
  });

  it("its own guard accepts a unit that the ref's stack files generate, and refuses one they do not", async () => {
    await using catalog = catalogRepository();
    await using repo = liveRepository();
    const head = repo.commit({ "live/prod/terragrunt.stack.hcl": stack(catalog.dir, "10.0.0.0/16", "v1") });
    await expect(
      checkJobMinimal(makeJob({ action: "plan", units: [`${PROD}/app`, `${PROD}/vpc`], ref: head }), {
        repo: repo.dir,
        env: {},
        dryRun: false,
      }),
    ).resolves.toBeTruthy();
    await expect(
      checkJobMinimal(makeJob({ action: "plan", units: [`${PROD}/worker`], ref: head }), {
        repo: repo.dir,
        env: {},
        dryRun: false,
      }),
    ).rejects.toMatchObject({
      code: "GUARD_UNIT_MISSING_AT_REF",
      message: expect.stringContaining("no stack file generates it"),
    });
  });

  it("a source that cannot be fetched fails its unit with terragrunt's error, not the job's other units; generation copies over what is committed", async () => {
    await using catalog = catalogRepository();
    await using repo = liveRepository();
    // Committed in the generated directory: part of the unit for Terragrunt and for detection alike.
    const committed: FileMap = {
      [`${PROD}/vpc/extra.tf`]: 'resource "terraform_data" "extra" {\n  input = "committed"\n}\n',
    };
    const head = repo.commit({
      "live/prod/terragrunt.stack.hcl": stack(catalog.dir, "10.0.0.0/16", "v1"),
      "live/broken/terragrunt.stack.hcl": `unit "x" {\n  source = "git::file://${catalog.dir}//units/vpc?ref=v9"\n  path   = "x"\n  values = { cidr = "10.9.0.0/16" }\n}\n`,
      ...committed,
    });
    const stateDir = join(repo.dir, ".git", "state");
    const job = makeJob({ action: "plan", units: [`${PROD}/vpc`, "live/broken/.terragrunt-stack/x"], ref: head });
    const result = await executeJob(job, {
      repo: repo.dir,
      env: { ...process.env, ...iacToolsEnv() },
      stateDir,
      guard: checkJobMinimal,
    });
    const [vpc, broken] = result.units;
    expect(vpc).toMatchObject({ unit: `${PROD}/vpc`, status: "succeeded" });
    expect(vpc!.plan!.addresses.create).toEqual(["terraform_data.extra", "terraform_data.vpc"]);
    expect(broken).toMatchObject({
      unit: "live/broken/.terragrunt-stack/x",
      status: "failed",
      reason: expect.stringMatching(/^its stack could not be generated: /),
    });
    expect(broken!.error).toMatch(/^failed to fetch unit x\n\s+Source:\s+git::file:\/\/.*\?ref=v9/);
    expect(result.command).toMatch(
      /^terragrunt stack generate .*--filter '\.\/live\/broken \| type=stack'.* && terragrunt run --all .*--no-stack-generate/,
    );
    expect(readFileSync(broken!.logPath!, "utf8")).toContain("$ terragrunt stack generate");
  });
});
