import { describe, expect, it } from "vitest";
import {
  classifyChanges,
  gantryConfigSchema,
  planJobs,
  renderPlan,
  githubOutputLine,
  type PlanDocument,
} from "../src/index.js";
import { buildDetection, HEAD } from "./detection-builder.js";

async function samplePlan(): Promise<PlanDocument> {
  const detection = buildDetection({
    event: "push",
    changes: [
      { files: "prod/db/main.tf", insideUnit: "prod/db" },
      { files: "prod/app/main.tf", insideUnit: "prod/app" },
      { type: "deleted", files: "prod/old/terragrunt.hcl", insideUnit: "prod/old" },
      { files: "docs/readme.txt" },
    ],
    units: { "prod/db": { status: "changed" }, "prod/app": { status: "changed" }, "prod/old": { status: "deleted" } },
    graph: { "prod/app": ["prod/db"], "prod/db": [], "prod/old": [] },
  });
  const config = gantryConfigSchema.parse({ consolidation: "unit", ignore: ["**/*.md"] });
  return planJobs({
    detection,
    classification: await classifyChanges(detection, { ignore: config.ignore }),
    config,
    branch: "main",
  });
}

describe("renderPlan", () => {
  it("prints a readable summary: changes by type, jobs with needs", async () => {
    expect(renderPlan(await samplePlan(), "text")).toBe(`push bbbbbbb..ccccccc on main (deploy branch main)

Changes (4):
  UnitChanged
    prod/app/main.tf → prod/app [apply-default-prod-app]
    prod/db/main.tf → prod/db [apply-default-prod-db]
  UnitDeleted
    prod/old/terragrunt.hcl → prod/old [destroy-default-prod-old]
  FileChanged
    docs/readme.txt (read by no unit: no action)

Jobs (3):
  apply-default-prod-db: apply 1 unit in default at ccccccc
    - prod/db
  apply-default-prod-app: apply 1 unit in default at ccccccc
    needs: apply-default-prod-db
    - prod/app
  destroy-default-prod-old: destroy 1 unit in default at bbbbbbb
    needs: apply-default-prod-db, apply-default-prod-app
    - prod/old
`);
  });

  it("draws the job graph in Mermaid", async () => {
    expect(renderPlan(await samplePlan(), "mermaid")).toBe(`flowchart TD
  job_apply_hdefault_hprod_hdb["apply-default-prod-db<br/>apply: prod/db"]
  job_apply_hdefault_hprod_happ["apply-default-prod-app<br/>apply: prod/app"]
  job_destroy_hdefault_hprod_hold["destroy-default-prod-old<br/>destroy: prod/old"]
  job_apply_hdefault_hprod_hdb --> job_apply_hdefault_hprod_happ
  job_apply_hdefault_hprod_hdb --> job_destroy_hdefault_hprod_hold
  job_apply_hdefault_hprod_happ --> job_destroy_hdefault_hprod_hold
`);
  });

  it("writes a GitHub Actions matrix of self-contained jobs on one line", async () => {
    const plan = await samplePlan();
    const line = githubOutputLine(plan);
    expect(line.endsWith("\n")).toBe(true);
    expect(line.slice(0, -1)).not.toContain("\n");
    const matrix = JSON.parse(line.slice("matrix=".length)) as { include: PlanDocument["jobs"] };
    expect(matrix.include.map((job) => job.id)).toEqual(plan.jobs.map((job) => job.id));
    expect(matrix.include[0]).toMatchObject({ apiVersion: "gantry/v1", kind: "Job", ref: HEAD, action: "apply" });
    expect(JSON.parse(renderPlan(plan, "github-matrix"))).toEqual(matrix);
    expect(JSON.parse(renderPlan(plan, "json"))).toEqual(plan);
  });
});
