/**
 * Units generated from stack files flow through classification and planning like any unit: a changed values
 * entry plans only the unit it feeds; a deleted stack destroys its units from the base commit, in reverse
 * dependency order.
 */
import { describe, expect, it } from "vitest";
import { createTempGitRepo, prodStack, stackRepoFiles } from "@gantry/testkit";
import { planChange, planDocumentSchema } from "../src/index.js";

const PROD_VPC = "live/prod/.terragrunt-stack/vpc";
const PROD_APP = "live/prod/.terragrunt-stack/app";
const WORKER = "live/prod/.terragrunt-stack/worker";
const config = {
  ".gantry/config.yml":
    'environments:\n  - name: live\n    paths: ["live/**"]\n  - name: catalog\n    paths: ["catalog/**"]\n',
};

describe("stacks in plans", () => {
  it("a changed values entry plans the unit it feeds; a unit block added is UnitAdded", async () => {
    await using repo = createTempGitRepo({ ...stackRepoFiles(), ...config });
    const base = repo.sha();
    const head = repo.commit({ "live/prod/terragrunt.stack.hcl": prodStack({ appVersion: "v2", extraUnit: true }) });
    const plan = planDocumentSchema.parse(
      await planChange({ repo: repo.dir, base, head, event: "pull_request", env: {}, cache: false }),
    );
    const live = plan.jobs.filter((job) => job.units.some((unit) => unit.startsWith("live/")));
    expect(live.flatMap((job) => job.units).sort()).toEqual([PROD_APP, WORKER]);
    expect(live.every((job) => job.action === "plan")).toBe(true);
    const types = (plan.changes ?? []).map((change) => ({
      type: change.type,
      units: change.units.filter((unit) => unit.startsWith("live/")),
    }));
    expect(types).toContainEqual({ type: "UnitAdded", units: [WORKER] });
  });

  it("a deleted stack destroys its units from the base commit, dependents first", async () => {
    await using repo = createTempGitRepo({ ...stackRepoFiles(), ...config });
    const base = repo.sha();
    const head = repo.commit({ "live/prod/terragrunt.stack.hcl": null });
    const plan = planDocumentSchema.parse(
      await planChange({ repo: repo.dir, base, head, event: "push", branch: "main", env: {}, cache: false }),
    );
    const destroys = plan.jobs.filter((job) => job.action === "destroy");
    expect(destroys.flatMap((job) => job.units).sort()).toEqual([PROD_APP, PROD_VPC]);
    expect(destroys.every((job) => job.ref === base)).toBe(true);
    const vpc = destroys.find((job) => job.units.includes(PROD_VPC))!;
    const app = destroys.find((job) => job.units.includes(PROD_APP))!;
    expect(vpc.needs).toContain(app.id);
    expect((plan.changes ?? []).map((change) => change.type)).toContain("UnitDeleted");
  });
});
