import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { planDocumentSchema } from "@gantry/classifier";
import { createTempGitRepo } from "@gantry/testkit";
import { runGantry } from "./support/run-gantry.js";

const outputDir = mkdtempSync(join(tmpdir(), "gantry-plan-cli-"));
afterAll(() => rmSync(outputDir, { recursive: true, force: true }));

const gantry = runGantry;
/** `gantry plan --base <base> --head <head> …` in the repository. */
const planRange = (repoDir: string, env: NodeJS.ProcessEnv, base: string, head: string, ...argv: string[]) =>
  gantry(repoDir, env, "plan", "--base", base, "--head", head, ...argv);

const unit = (dependency?: string) =>
  `terraform {\n  source = "\${get_repo_root()}/modules/noop"\n}\n${dependency ? `dependency "d" {\n  config_path = "${dependency}"\n}\n` : ""}`;

function fixture() {
  const repo = createTempGitRepo({
    "modules/noop/main.tf": 'resource "terraform_data" "noop" {}\n',
    "live/vpc/terragrunt.hcl": unit(),
    "live/app/terragrunt.hcl": unit("../vpc"),
  });
  const base = repo.sha();
  const head = repo.commit({
    "live/vpc/terragrunt.hcl": `${unit()}\ninputs = { v = 2 }\n`,
    "live/app/terragrunt.hcl": `${unit("../vpc")}\ninputs = { v = 2 }\n`,
  });
  return { repo, base, head };
}

describe("gantry plan", () => {
  it("prints the plan document with --json", async () => {
    const { repo, base, head } = fixture();
    await using _ = repo;
    const result = await gantry(repo.dir, {}, "plan", "--base", base, "--head", head, "--event", "push", "--json");
    expect(result.exitCode).toBe(0);
    const plan = planDocumentSchema.parse(JSON.parse(result.stdout));
    expect(plan.jobs.map((job) => [job.id, job.action, job.units, job.ref])).toEqual([
      ["apply-default", "apply", ["live/vpc", "live/app"], head],
    ]);
    expect(plan.branch).toBe("main");
  });

  it("prints text and mermaid", async () => {
    const { repo, base, head } = fixture();
    await using _ = repo;
    const text = await gantry(
      outputDir,
      {},
      "plan",
      "--repo",
      repo.dir,
      "--base",
      base,
      "--head",
      head,
      "--event",
      "pull_request",
      "--format",
      "text",
    );
    expect(text.exitCode).toBe(0);
    expect(text.stdout).toContain(
      "  UnitChanged\n    live/app/terragrunt.hcl → live/app [plan-default]\n    live/vpc/terragrunt.hcl → live/vpc [plan-default]\n",
    );
    expect(text.stdout).toContain(
      `  plan-default: plan 2 units in default at ${head.slice(0, 7)}\n    - live/vpc\n    - live/app\n`,
    );
    const mermaid = await planRange(repo.dir, {}, base, head, "--event", "pull_request", "--format", "mermaid");
    expect(mermaid.stdout.startsWith("flowchart TD\n  job_plan_hdefault[")).toBe(true);
  });

  it("appends matrix=<json> to $GITHUB_OUTPUT, and uses the Actions branch", async () => {
    const { repo, base, head } = fixture();
    await using _ = repo;
    const output = join(outputDir, "github-output");
    writeFileSync(output, "earlier=1\n");
    const env = { GITHUB_OUTPUT: output, GITHUB_ACTIONS: "true", GITHUB_REF_NAME: "main" };
    const result = await planRange(repo.dir, env, base, head, "--event", "push", "--format", "github-matrix");
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toBe("");
    const [earlier, matrixLine, rest] = readFileSync(output, "utf8").split("\n");
    expect([earlier, rest]).toEqual(["earlier=1", ""]);
    const matrix = JSON.parse(matrixLine!.slice("matrix=".length)) as {
      include: { id: string; source: { branch: string } }[];
    };
    expect(matrix.include.map((job) => [job.id, job.source.branch])).toEqual([["apply-default", "main"]]);

    const elsewhere = await planRange(
      repo.dir,
      { GITHUB_ACTIONS: "true", GITHUB_REF_NAME: "feature" },
      base,
      head,
      "--event",
      "push",
      "--format",
      "github-matrix",
    );
    expect(JSON.parse(elsewhere.stdout)).toEqual({ include: [] });
    expect(elsewhere.stderr).toContain("push to 'feature', which is not the deploy branch 'main': nothing is planned");
  });

  it("is a usage error (exit 2) on missing or bad options, and maps planning errors to their exit codes", async () => {
    const { repo, base, head } = fixture();
    await using _ = repo;
    expect((await gantry(repo.dir, {}, "plan", "--base", base, "--head", head)).exitCode).toBe(2);
    expect((await gantry(repo.dir, {}, "plan", "--base", base, "--head", head, "--event", "merge")).stderr).toContain(
      "--event must be pull_request or push",
    );
    expect(
      (await gantry(repo.dir, {}, "plan", "--base", base, "--head", head, "--event", "push", "--format", "yaml"))
        .exitCode,
    ).toBe(2);

    const deleting = repo.commit({ "live/vpc/terragrunt.hcl": null });
    const refused = await gantry(repo.dir, {}, "plan", "--base", head, "--head", deleting, "--event", "pull_request");
    expect(refused.exitCode).toBe(23);
    expect(refused.stderr).toContain("error [PLAN_DELETED_UNIT_STILL_USED]");
    expect(refused.stderr).toContain("live/app still depends on live/vpc, which this change deletes");
  });
});
