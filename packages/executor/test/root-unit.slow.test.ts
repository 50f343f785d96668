/**
 * The root unit (`.`, a `terragrunt.hcl` at the repository root) with the real terragrunt and OpenTofu:
 * `gantry run` applies it and a child unit that depends on it on push, with the real guards, and plans a pull
 * request that changes it. And a unit Terragrunt excludes at run time (its `exclude` block) is reported as
 * skipped, not failed.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createTempGitRepo, type TempGitRepo } from "@gantry/testkit";
import { checkJobMinimal, executeJob, runReportDocumentSchema } from "../src/index.js";
import { iacToolsEnv, makeJob, runGantryCli, stateResources, worktreeList } from "./helpers.js";

const backend =
  `remote_state {\n  backend = "local"\n  generate = {\n    path      = "backend.tf"\n    if_exists = "overwrite_terragrunt"\n  }\n` +
  `  config = {\n    path = "\${get_env("GANTRY_STATE_DIR")}/\${get_path_from_repo_root()}/terraform.tfstate"\n  }\n}\n`;

const rootUnit = (release: string) =>
  `${backend}terraform {\n  source = "\${get_repo_root()}/modules//network"\n}\ninputs = {\n  release = "${release}"\n}\n`;

function repository(): TempGitRepo {
  return createTempGitRepo({
    "modules/network/main.tf":
      'variable "release" {}\nresource "terraform_data" "network" {\n  input = var.release\n}\noutput "id" {\n  value = terraform_data.network.id\n}\n',
    "modules/app/main.tf": 'variable "network_id" {}\nresource "terraform_data" "app" {\n  input = var.network_id\n}\n',
  });
}

const gantry = (repo: TempGitRepo, stateDir: string, ...args: string[]) => runGantryCli(repo.dir, stateDir, ...args);

/** The files of the newest run's job directories (logs and saved plans). */
function runFiles(repo: TempGitRepo): string[] {
  const runs = join(repo.dir, ".git", "gantry", "runs");
  const newest = readdirSync(runs).sort().at(-1)!;
  return readdirSync(join(runs, newest)).flatMap((job) => readdirSync(join(runs, newest, job)));
}

describe("the root unit", () => {
  it("is applied before a child that depends on it on push, and planned on a pull request that changes it", async () => {
    await using repo = repository();
    const stateDir = join(repo.dir, "..", `${repo.dir.split("/").pop()}-state`);
    const empty = repo.sha();
    const units = repo.commit({
      "terragrunt.hcl": rootUnit("v1"),
      "app/terragrunt.hcl": `${backend}terraform {\n  source = "\${get_repo_root()}/modules//app"\n}\ndependency "network" {\n  config_path = ".."\n  mock_outputs = { id = "mock" }\n  mock_outputs_allowed_terraform_commands = ["plan"]\n}\ninputs = {\n  network_id = dependency.network.outputs.id\n}\n`,
    });

    const applied = gantry(repo, stateDir, "run", "--base", empty, "--head", units, "--event", "push");
    expect(applied.stderr).not.toMatch(/gantry run: error/);
    expect([applied.code, applied.stdout]).toEqual([0, expect.stringMatching(/units 2 succeeded, 0 failed/)]);
    const networkId = stateResources(stateDir, ".")!.get("terraform_data.network")!["id"];
    // The child read the root unit's real output: Terragrunt ran the root first.
    expect(stateResources(stateDir, "app")!.get("terraform_data.app")!["input"]).toBe(networkId);
    expect(runFiles(repo)).toEqual(expect.arrayContaining(["(root).log", "app.log"]));
    expect(worktreeList(repo.dir)).toHaveLength(1);

    repo.checkout("release-v2", { create: true });
    const pr = repo.commit({ "terragrunt.hcl": rootUnit("v2") });
    repo.checkout("main");
    const plan = gantry(
      repo,
      stateDir,
      "run",
      "--base",
      units,
      "--head",
      pr,
      "--event",
      "pull_request",
      "--branch",
      "release-v2",
      "--json",
    );
    expect(plan.stderr).not.toMatch(/gantry run: error/);
    expect(plan.code).toBe(0);
    const report = runReportDocumentSchema.parse(JSON.parse(plan.stdout));
    const root = report.jobs.flatMap((job) => job.result?.units ?? []).find((unit) => unit.unit === ".");
    expect(root).toMatchObject({ status: "succeeded", plan: { add: 0, change: 1, destroy: 0 } });
    expect(runFiles(repo)).toContain("(root).tfplan");
  });

  it("reports a unit Terragrunt excludes at run time (its exclude block) as skipped and excluded, and the job as succeeded", async () => {
    await using repo = repository();
    const stateDir = join(repo.dir, ".git", "state");
    const head = repo.commit({
      "network/terragrunt.hcl": rootUnit("v1"),
      // Excluded only when the variable is set: detection and planning cannot know, Terragrunt decides when it runs.
      "paused/terragrunt.hcl": `${rootUnit("v1")}exclude {\n  if      = get_env("PAUSE_UNITS", "") == "true"\n  actions = ["all"]\n}\n`,
    });
    const job = makeJob({ action: "plan", units: ["network", "paused"], ref: head });
    const result = await executeJob(job, {
      repo: repo.dir,
      env: { ...process.env, ...iacToolsEnv(), PAUSE_UNITS: "true" },
      stateDir,
      guard: checkJobMinimal,
    });
    expect(result.error).toBeNull();
    expect(result.units.map((unit) => [unit.unit, unit.status, unit.reason])).toEqual([
      ["network", "succeeded", null],
      ["paused", "skipped", "excluded by its Terragrunt configuration (`exclude`)"],
    ]);
    expect(result.units[1]!.excluded).toBe(true);
    // Excluded is what the unit's configuration asks for, not a failure.
    expect(result.status).toBe("succeeded");
    expect(existsSync(join(stateDir, "paused"))).toBe(false);
    expect(readFileSync(join(result.runDir!, "terragrunt-report.json"), "utf8")).toContain('"excluded"');
  });
});
