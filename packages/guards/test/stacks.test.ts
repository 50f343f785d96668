/**
 * Units generated from stack files are not in git: their existence is what the stack files of a commit
 * generate. What the guards must do for them, to be built by their owner, with `@gantry/change-detector`'s
 * `listUnits({ repo, commit })` (it evaluates the commit's stack files as detection does).
 */
import { describe, it } from "vitest";

describe("guards for units generated from stack files", () => {
  it.todo("unit-at-ref and apply-unit-on-deploy-branch accept a generated unit that listUnits lists at the ref / at the deploy branch's tip");
  it.todo("attack: destroy-unit-absent refuses to destroy a generated unit that the tip's stack files still generate, although no <unit>/terragrunt.hcl exists in git (today the absence check passes for every generated unit)");
  it.todo("path containment: readsOfUnits of a generated unit reports the symlinks its source directory reads through, like any unit's");
  it.todo("the trusted re-derivation of a job (checkJob) evaluates the stack files of the trusted ref, never generated directories from the job's branch");
});
