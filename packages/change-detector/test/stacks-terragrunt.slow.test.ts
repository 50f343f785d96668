/**
 * Gantry against the real `terragrunt find --filter '[BASE...HEAD]'` (which generates the stacks of both
 * commits in worktrees and compares them) on a stack-layout repository, change by change. Every
 * disagreement is listed below with who is right; any other one fails the test.
 */
import { execFileSync } from "node:child_process";
import { join, resolve } from "node:path";
import { describe, expect, test } from "vitest";
import { createTempGitRepo, detect } from "./helpers.js";
import { prodStack, stackRepoFiles } from "@gantry/testkit";

const root = resolve(import.meta.dirname, "../../..");

function terragrunt(): string {
  if (process.env.GANTRY_TERRAGRUNT) return process.env.GANTRY_TERRAGRUNT;
  const tools = execFileSync("bash", [join(root, "scripts/ensure-iac-tools.sh")], { encoding: "utf8" }).trim();
  return join(tools, "terragrunt");
}

/** The units (not stacks) `terragrunt find --filter` reports for the range. */
function terragruntFind(dir: string, base: string, head: string): string[] {
  const out = execFileSync(terragrunt(), ["find", "--json", "--no-color", "--filter", `[${base}...${head}]`], {
    cwd: dir,
    encoding: "utf8",
    env: { ...process.env, TG_LOG_LEVEL: "error", TG_NON_INTERACTIVE: "true", TG_NO_TIPS: "true" },
  });
  return (JSON.parse(out) as Array<{ type: string; path: string }>)
    .filter((entry) => entry.type === "unit")
    .map((entry) => entry.path)
    .sort();
}

const files = stackRepoFiles();
/** The catalog's app unit takes its dependency path from values: outside a stack it is unknown. */
const APP_TEMPLATE = "catalog/units/app";
/**
 * Each change, and where Gantry and Terragrunt are known to differ. `gantryOnly`: units only Gantry reports;
 * `terragruntOnly`: units only Terragrunt reports.
 */
const CHANGES: Array<{ name: string; files: Record<string, string | null>; gantryOnly?: string[]; why?: string }> = [
  {
    name: "a values entry",
    files: { "live/prod/terragrunt.stack.hcl": prodStack({ appVersion: "v2" }) },
    gantryOnly: [APP_TEMPLATE],
    why: "Gantry is conservative: the template's dependency path (values.vpc_path) is unknown outside a stack, so any change may matter to it",
  },
  {
    name: "a catalog unit's terragrunt.hcl",
    files: { "catalog/units/vpc/terragrunt.hcl": `${files["catalog/units/vpc/terragrunt.hcl"]}# edit\n` },
    gantryOnly: [
      APP_TEMPLATE,
      "catalog/stacks/env/.terragrunt-stack/vpc",
      "live/dev/.terragrunt-stack/env/.terragrunt-stack/vpc",
      "live/prod/.terragrunt-stack/vpc",
    ],
    why: "Gantry is right for the generated units: their generated terragrunt.hcl is that file, changed; Terragrunt reports only the catalog directory (and the template as above)",
  },
  { name: "a module", files: { "modules/app/main.tf": `${files["modules/app/main.tf"]}# edit\n` } },
  { name: "root.hcl", files: { "root.hcl": `${files["root.hcl"]}# edit\n` } },
  {
    name: "a unit block added",
    files: { "live/prod/terragrunt.stack.hcl": prodStack({ appVersion: "v2", extraUnit: true }) },
    gantryOnly: [APP_TEMPLATE],
    why: "as for a values entry",
  },
  {
    name: "a nested stack's values",
    files: {
      "live/dev/terragrunt.stack.hcl": String(files["live/dev/terragrunt.stack.hcl"]).replace(
        "10.1.0.0/16",
        "10.2.0.0/16",
      ),
    },
    gantryOnly: [APP_TEMPLATE],
    why: "as for a values entry",
  },
  { name: "account.hcl", files: { "account.hcl": `locals {\n  name = "LIVE"\n}\n` } },
  {
    name: "a stack deleted",
    files: { "live/prod/terragrunt.stack.hcl": null },
    gantryOnly: [APP_TEMPLATE],
    why: "as for a values entry",
  },
];

describe("stacks against terragrunt find --filter", () => {
  test("the same units for every change, but for the listed disagreements", { timeout: 300_000 }, async () => {
    await using repo = createTempGitRepo(files);
    let base = repo.sha();
    for (const change of CHANGES) {
      const head = repo.commit(change.files, change.name);
      const gantry = (await detect(repo.dir, base, head)).units.map((unit) => unit.path).sort();
      const theirs = terragruntFind(repo.dir, base, head);
      const gantryOnly = gantry.filter((unit) => !theirs.includes(unit));
      const terragruntOnly = theirs.filter((unit) => !gantry.includes(unit));
      expect({ change: change.name, gantryOnly, terragruntOnly }).toEqual({
        change: change.name,
        gantryOnly: (change.gantryOnly ?? []).sort(),
        terragruntOnly: [],
      });
      base = head;
    }
  });

  test(
    "a remote source (git::file://…//subdir?ref=): a new ref, and a root.hcl edit",
    { timeout: 300_000 },
    async () => {
      await using catalog = createTempGitRepo({
        "units/vpc/terragrunt.hcl": `include "root" {\n  path = find_in_parent_folders("root.hcl")\n}\n`,
        "units/vpc/main.tf": "# v1\n",
      });
      catalog.git("tag", "v1");
      catalog.commit({ "units/vpc/main.tf": "# v2\n" });
      catalog.git("tag", "v2");
      const stack = (ref: string) =>
        `unit "vpc" {\n  source = "git::file://${catalog.dir}//units/vpc?ref=${ref}"\n  path   = "vpc"\n}\nunit "other" {\n  source = "git::file://${catalog.dir}//units/vpc?ref=v1"\n  path   = "other"\n}\n`;
      await using repo = createTempGitRepo({ "root.hcl": "locals {}\n", "live/terragrunt.stack.hcl": stack("v1") });
      let base = repo.sha();
      const changes: Array<Record<string, string>> = [
        { "live/terragrunt.stack.hcl": stack("v2") },
        { "root.hcl": "locals {}\n# edit\n" },
      ];
      for (const change of changes) {
        const head = repo.commit(change);
        const gantry = (await detect(repo.dir, base, head)).units.map((unit) => unit.path).sort();
        expect(gantry.length).toBeGreaterThan(0);
        expect(gantry).toEqual(terragruntFind(repo.dir, base, head));
        base = head;
      }
    },
  );
});
