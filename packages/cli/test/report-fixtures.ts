/**
 * Shared by the report and dispatch command tests: a real git repository whose pull-request change plans
 * two jobs (a plan, and a plan-destroy that needs it), the real plan document from `gantry plan --json`,
 * and real JobResult documents from `gantry execute --dry-run --result` (guards run, terragrunt does not).
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { planDocumentSchema, type PlanDocument } from "@gantry/classifier";
import { createTempGitRepo } from "@gantry/testkit";

import { runGantry } from "./support/run-gantry.js";

export type { GantryRun } from "./support/run-gantry.js";
export const gantry = runGantry;

const unit = (dependency?: string) =>
  `terraform {\n  source = "\${get_repo_root()}/modules/noop"\n}\n${dependency ? `dependency "d" {\n  config_path = "${dependency}"\n  mock_outputs = { id = "x" }\n}\n` : ""}`;

const files = {
  "modules/noop/main.tf": 'resource "terraform_data" "noop" {}\n',
  "live/vpc/terragrunt.hcl": unit(),
  "live/app/terragrunt.hcl": unit("../vpc"),
  "live/old/terragrunt.hcl": unit(),
};

/** A pull request that changes live/vpc and deletes live/old: jobs `plan-…` and `plan-destroy-…` (which needs it). */
export async function pullRequestFixture() {
  const repo = createTempGitRepo(files);
  const base = repo.sha();
  repo.checkout("change", { create: true });
  const head = repo.commit({
    "live/vpc/terragrunt.hcl": `${unit()}\ninputs = { v = 2 }\n`,
    "live/old/terragrunt.hcl": null,
  });
  repo.checkout("main");
  const work = mkdtempSync(join(tmpdir(), "gantry-report-cli-"));
  const planned = await planJson(repo.dir, base, head, "pull_request", "change");
  if (planned.exitCode !== 0) throw new Error(`gantry plan failed: ${planned.stderr}`);
  const planFile = join(work, "plan.json");
  writeFileSync(planFile, planned.stdout);
  const plan: PlanDocument = planDocumentSchema.parse(JSON.parse(planned.stdout));
  return { repo, base, head, work, planFile, plan };
}

/** `gantry plan --json` of base..head in the repository, for the given event on the given branch. */
export function planJson(repoDir: string, base: string, head: string, event: string, branch: string) {
  return gantry(repoDir, {}, "plan", "--base", base, "--head", head, "--event", event, "--branch", branch, "--json");
}

/** The fixture's change pushed to main (a fast-forward merge): its push plan, written to `<work>/<name>`. */
export async function pushPlanFixture(fixture: Awaited<ReturnType<typeof pullRequestFixture>>, name: string) {
  const planned = await planJson(fixture.repo.dir, fixture.base, fixture.head, "push", "main");
  const file = join(fixture.work, name);
  writeFileSync(file, planned.stdout);
  return { planned, file };
}

let toolsDirectory: string | undefined;
/** The directory holding the pinned terragrunt and tofu (built once by the project's setup script). */
export function iacToolsDirectory(): string {
  toolsDirectory ??= execFileSync(
    "bash",
    [fileURLToPath(new URL("../../../scripts/ensure-iac-tools.sh", import.meta.url))],
    { encoding: "utf8" },
  )
    .trim()
    .split("\n")
    .pop()!;
  return toolsDirectory;
}

/**
 * Runs `gantry execute --dry-run --result` for one job of the plan; returns the result file and exit code.
 * `withTools: false` runs it where terragrunt cannot be found: a real failed JobResult (EXEC_TOOL_NOT_FOUND).
 * `dryRun: false` really runs terragrunt and tofu (the units only use `terraform_data`: offline, local state).
 */
export async function executeDryRun(
  repoDir: string,
  work: string,
  plan: PlanDocument,
  jobId: string,
  options: { withTools?: boolean; name?: string; dryRun?: boolean } = {},
): Promise<{ file: string; exitCode: number; stdout: string }> {
  const job = plan.jobs.find((candidate) => candidate.id === jobId);
  if (!job) throw new Error(`no job ${jobId} in the plan`);
  const jobFile = join(work, `${jobId}.job.json`);
  writeFileSync(jobFile, JSON.stringify(job));
  const name = options.name ?? jobId;
  const file = join(work, `${name}.result.json`);
  const env =
    options.withTools !== false ? { PATH: `${iacToolsDirectory()}:${process.env.PATH}` } : { PATH: "/nonexistent" };
  const run = await gantry(
    work,
    env,
    "execute",
    "--repo",
    repoDir,
    "--job",
    jobFile,
    ...(options.dryRun === false ? [] : ["--dry-run"]),
    "--result",
    file,
    "--run-dir",
    join(work, `runs-${name}`),
  );
  return { file, exitCode: run.exitCode, stdout: run.stdout };
}

export function readJson(file: string): unknown {
  return JSON.parse(readFileSync(file, "utf8"));
}
