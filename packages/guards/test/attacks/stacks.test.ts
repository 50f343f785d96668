/**
 * Route 5: units generated from stack files are not in git. Their existence is what the commit's stack files
 * generate (`listUnits`), never "is there a `<unit>/terragrunt.hcl` in the tree": otherwise every generated
 * unit looks absent at the deploy branch's tip, and a destroy of a live one passes the absence check.
 *
 * The attack: a team migrates a unit into a stack, keeping its path (`no_dot_terragrunt_stack`, which exists
 * for this). The old destroy job of the unit, planned when it was deleted, is replayed after the migration: its
 * ref is deploy-branch history, a merged commit removed the unit's `terragrunt.hcl`, and re-deriving it from
 * its own source range gives the same job. Only the unit's existence at the tip refuses it.
 */
import { describe, expect, it } from "vitest";
import { listUnits } from "@gantry/change-detector";
import { planChange } from "@gantry/classifier";
import { createTempGitRepo } from "@gantry/testkit";
import { checkJob } from "../../src/index.js";
import { checkout, include, infrastructureLive, refusal } from "./support.js";

const guardOptions = (dir: string) => ({ repo: dir, env: {}, dryRun: false });

/** The catalog, in a repository of its own as Gruntwork lays it out, pinned by tag. */
function catalogRepository() {
  const catalog = createTempGitRepo(
    { "units/db/terragrunt.hcl": `${include}inputs = { engine = "postgres" }\n` },
    { prefix: "gantry-catalog-" },
  );
  catalog.git("tag", "v1");
  return catalog;
}

const migrationStack = (catalog: string) =>
  `unit "db" {\n  source = "git::file://${catalog}//units/db?ref=v1"\n  path   = "db"\n  no_dot_terragrunt_stack = true\n}\n`;

describe("route 5: generated units exist where the stack files generate them", () => {
  it("refuses a replayed destroy of a unit that the tip's stack file generates again at the same path (45)", async () => {
    await using catalog = catalogRepository();
    await using origin = infrastructureLive();
    const before = origin.sha("main");
    const removed = origin.commit({ "prod/db/terragrunt.hcl": null }, "remove prod/db");
    const destroy = (
      await planChange({ repo: origin.dir, base: before, head: removed, event: "push", branch: "main" })
    ).jobs.find((job) => job.action === "destroy")!;
    expect([destroy.units, destroy.ref]).toEqual([["prod/db"], before]);
    await using pipelines = checkout(origin, before);
    // At the time, the destroy is legitimate.
    await expect(checkJob(destroy, guardOptions(pipelines.dir))).resolves.toMatchObject({ jobId: destroy.id });

    // The migration: prod/db comes back, generated from the catalog at its old path (and applied).
    const migrated = origin.commit(
      { "prod/terragrunt.stack.hcl": migrationStack(catalog.dir) },
      "prod/db from the catalog",
    );
    expect(
      (await listUnits({ repo: origin.dir, commit: migrated })).find((unit) => unit.path === "prod/db")?.generatedBy
        ?.stackFile,
    ).toBe("prod/terragrunt.stack.hcl");

    // The replay: same job, same ref, same source range; only the tip moved.
    const error = await refusal(checkJob(destroy, guardOptions(pipelines.dir)));
    expect([error.guard, error.exitCode, error.unit, error.commit]).toEqual([
      "destroy-unit-absent",
      45,
      "prod/db",
      migrated,
    ]);
    expect(error.message).toContain("prod/terragrunt.stack.hcl");
  });
});
