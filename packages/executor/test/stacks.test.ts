/**
 * Units generated from stack files (`<stack dir>/.terragrunt-stack/<path>`): their directory exists only
 * once `terragrunt stack generate` has run. What the executor must do for them, to be built by its owner;
 * `@gantry/change-detector`'s `listUnits({ repo, commit })` says which units are generated and by which
 * stack file (`generatedBy.stackFile`).
 */
import { describe, it } from "vitest";

describe("executing units generated from stack files", () => {
  it.todo("before running a generated unit, runs `terragrunt stack generate` in its stack file's directory of the job's worktree (once per stack file per job), then runs the unit in the generated directory");
  it.todo("a destroy job of a unit whose stack was deleted generates that stack in the worktree of the base commit (job.ref) and destroys the unit from there, dependents first");
  it.todo("its own guard (GUARD_UNIT_MISSING_AT_REF) accepts a unit that listUnits reports at job.ref instead of requiring <unit>/terragrunt.hcl in git");
  it.todo("a remote stack source that cannot be fetched fails the unit with terragrunt's error, not the job's other units");
});
