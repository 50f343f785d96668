/**
 * Deleting a unit that an included `dependency` block names, when every including unit replaces that block:
 * nothing depends on the deleted unit any more, so the deletion is planned (the graph once held the union
 * of both blocks and refused it with PLAN_DELETED_UNIT_STILL_USED).
 */
import { expect, it } from "vitest";
import { createTempGitRepo } from "@gantry/testkit";
import { planChange, planDocumentSchema } from "../src/index.js";

it("plans the deletion of a unit only an overridden included dependency block named", async () => {
  await using repo = createTempGitRepo({
    "live/common.hcl": `dependency "network" {\n  config_path  = "\${get_terragrunt_dir()}/../old-network"\n  mock_outputs = { id = "mock" }\n}\n`,
    "live/old-network/terragrunt.hcl": "",
    "live/network/terragrunt.hcl": "",
    "live/app/terragrunt.hcl": `include "common" {\n  path = "../common.hcl"\n}\ndependency "network" {\n  config_path  = "../network"\n  mock_outputs = { id = "mock" }\n}\n`,
  });
  const base = repo.sha();
  const head = repo.commit({ "live/old-network/terragrunt.hcl": null });
  const plan = planDocumentSchema.parse(
    await planChange({ repo: repo.dir, base, head, event: "pull_request", env: {}, cache: false }),
  );
  expect(plan.jobs.map((job) => [job.action, job.units])).toEqual([["plan-destroy", ["live/old-network"]]]);
});
