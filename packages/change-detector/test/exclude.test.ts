/**
 * `exclude` blocks in the Detection document: evaluated with the unit (its own block, else an included one),
 * kept in the cache with the unit's record, and read at base for a deleted unit. The comparison with the real
 * terragrunt (`find --exclude`, `run --all`) is in the classifier's `exclude-terragrunt.slow.test.ts`.
 */
import { describe, expect, it } from "vitest";
import { createTempGitRepo, detect, unit } from "./helpers.js";

const block = (body: string) => `exclude {\n${body}}\n`;

describe("exclude blocks", () => {
  it("reads each unit's block, an inherited one, string flags, feature defaults and run-time values", async () => {
    await using repo = createTempGitRepo({ "README.md": "x\n" });
    const base = repo.sha();
    const head = repo.commit({
      "common.hcl": block(`  if      = true\n  actions = ["apply"]\n`),
      "flags.hcl": `feature "skip" {\n  default = true\n}\n`,
      "own/terragrunt.hcl": `include "common" {\n  path = find_in_parent_folders("common.hcl")\n}\n${block(`  if                   = "false"\n  actions              = ["plan", "destroy"]\n  exclude_dependencies = "1"\n`)}`,
      "inherited/terragrunt.hcl": `include "common" {\n  path = find_in_parent_folders("common.hcl")\n}\n`,
      "flagged/terragrunt.hcl": `include "flags" {\n  path = find_in_parent_folders("flags.hcl")\n}\n${block(`  if      = feature.skip.value\n  actions = ["all"]\n`)}`,
      "run-time/terragrunt.hcl": block(
        `  if      = get_env("EXCLUDE", "") == "yes"\n  actions = [get_env("ACTION", "plan")]\n`,
      ),
      "plain/terragrunt.hcl": "",
    });
    const result = await detect(repo.dir, base, head);
    const exclude = (path: string) => unit(result, path)!.exclude;
    expect(exclude("own")).toEqual({
      if: false,
      actions: ["plan", "destroy"],
      excludeDependencies: true,
      from: "own/terragrunt.hcl:4",
    });
    expect(exclude("inherited")).toEqual({
      if: true,
      actions: ["apply"],
      excludeDependencies: false,
      from: "common.hcl:1",
    });
    expect(exclude("flagged")).toEqual({
      if: true,
      actions: ["all"],
      excludeDependencies: false,
      from: "flagged/terragrunt.hcl:4",
    });
    expect(exclude("run-time")).toEqual({
      if: null,
      actions: null,
      excludeDependencies: false,
      from: "run-time/terragrunt.hcl:1",
    });
    expect(exclude("plain")).toBeUndefined();
    // Warm runs read it from the cache.
    for (let run = 0; run < 2; run++)
      expect({ ...(await detect(repo.dir, base, head, { cache: true })), stats: null }).toEqual({
        ...result,
        stats: null,
      });
  });

  it("reads a deleted unit's block in the base tree", async () => {
    await using repo = createTempGitRepo({
      "gone/terragrunt.hcl": block(`  if      = true\n  actions = ["destroy"]\n`),
      "kept/terragrunt.hcl": "",
    });
    const base = repo.sha();
    const head = repo.commit({ "gone/terragrunt.hcl": null });
    const result = await detect(repo.dir, base, head);
    expect(unit(result, "gone")).toMatchObject({
      status: "deleted",
      exclude: { if: true, actions: ["destroy"], excludeDependencies: false, from: "gone/terragrunt.hcl:1" },
    });
  });
});
