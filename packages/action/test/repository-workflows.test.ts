import { execFileSync, spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";

const repositoryRoot = join(dirname(fileURLToPath(import.meta.url)), "../../..");
const workflowsDir = join(repositoryRoot, ".github/workflows");

interface Step {
  uses?: string;
  with?: Record<string, unknown>;
}
interface Workflow {
  permissions?: unknown;
  jobs: Record<string, { permissions?: unknown; "timeout-minutes"?: number; steps: Step[] }>;
}

const workflows = readdirSync(workflowsDir)
  .filter((name) => name.endsWith(".yml"))
  .map((name) => ({ name, text: readFileSync(join(workflowsDir, name), "utf8") }));

/** actionlint, built by scripts/ensure-actionlint.sh unless GANTRY_ACTIONLINT names one (scripts/test.sh does). */
function actionlint(): string {
  return (
    process.env.GANTRY_ACTIONLINT ||
    execFileSync("bash", [join(repositoryRoot, "scripts/ensure-actionlint.sh")], { encoding: "utf8" }).trim()
  );
}

describe("this repository's workflows", () => {
  it("pass actionlint, and so do the example workflows", { timeout: 300_000 }, () => {
    const files = [
      ...workflows.map(({ name }) => join(".github/workflows", name)),
      "examples/github-workflows/infrastructure-live/.github/workflows/gantry-plan.yml",
      "examples/github-workflows/infrastructure-live/.github/workflows/gantry-deploy.yml",
      "examples/github-workflows/infrastructure-pipelines/.github/workflows/plan.yml",
      "examples/github-workflows/infrastructure-pipelines/.github/workflows/apply.yml",
    ];
    const run = spawnSync(actionlint(), ["-no-color", ...files], { cwd: repositoryRoot, encoding: "utf8" });
    expect(run.stdout + run.stderr).toBe("");
    expect(run.status).toBe(0);
  });

  it("pin every action by commit SHA, with the version in a comment", () => {
    for (const { name, text } of workflows) {
      const workflow = parse(text) as Workflow;
      for (const [jobName, job] of Object.entries(workflow.jobs)) {
        for (const step of job.steps) {
          if (step.uses === undefined) continue;
          expect(step.uses, `${name} ${jobName}`).toMatch(/^[\w.-]+\/[\w.-]+(\/[\w./-]+)?@[0-9a-f]{40}$/);
          expect(text, `${name}: ${step.uses}`).toMatch(
            new RegExp(`${step.uses.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")} # v\\d`),
          );
        }
      }
    }
  });

  it("grant no permission by default and each job only its own, with a timeout and no persisted git credentials", () => {
    for (const { name, text } of workflows) {
      const workflow = parse(text) as Workflow;
      expect(workflow.permissions, name).toEqual({});
      for (const [jobName, job] of Object.entries(workflow.jobs)) {
        expect(job["timeout-minutes"], `${name} ${jobName}`).toBeGreaterThan(0);
        for (const step of job.steps.filter((candidate) => candidate.uses?.startsWith("actions/checkout@"))) {
          expect(step.with?.["persist-credentials"], `${name} ${jobName}`).toBe(false);
        }
      }
    }
  });

  it("release with provenance, checking the Action's bundle first", () => {
    const release = readFileSync(join(workflowsDir, "release.yml"), "utf8");
    const workflow = parse(release) as Workflow;
    expect(workflow.jobs["release"]!.permissions).toEqual({
      contents: "write",
      "pull-requests": "write",
      "id-token": "write",
    });
    expect(release).toContain('NPM_CONFIG_PROVENANCE: "true"');
    expect(release.indexOf("bundle.ts --check")).toBeLessThan(release.indexOf("changesets/action@"));
    const scripts = (
      JSON.parse(readFileSync(join(repositoryRoot, "package.json"), "utf8")) as { scripts: Record<string, string> }
    ).scripts;
    expect(scripts["version-packages"]).toContain("pnpm bundle:action");
    expect(scripts["release"]).toContain("changeset publish");
  });
});
