import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { createTempGitRepo, detect, liveRepoFiles, statuses, unit } from "./helpers.js";

describe("units: files inside a unit directory", () => {
  test("a unit added, changed and deleted; a deleted file is looked up in the base tree", async () => {
    await using repo = createTempGitRepo({
      ...liveRepoFiles(),
      "live/prod/us-east-1/app/.terraform.lock.hcl": "# lock\n",
      "live/prod/us-east-1/db/terragrunt.hcl": `include "root" {\n  path = find_in_parent_folders("root.hcl")\n}\n`,
      "live/prod/us-east-1/db/extra.tfvars": `size = 1\n`,
    });
    const base = repo.sha();
    const head = repo.commit({
      "live/prod/us-east-1/cache/terragrunt.hcl": `include "root" {\n  path = find_in_parent_folders("root.hcl")\n}\n`,
      "live/prod/us-east-1/app/.terraform.lock.hcl": "# lock v2\n",
      "live/prod/us-east-1/db/terragrunt.hcl": null,
      "live/prod/us-east-1/db/extra.tfvars": null,
    });
    const result = await detect(repo.dir, base, head);
    expect(statuses(result)).toEqual({
      "live/prod/us-east-1/app": "changed",
      "live/prod/us-east-1/cache": "added",
      "live/prod/us-east-1/db": "deleted",
    });
    const extra = result.changes.find((c) => c.files[0] === "live/prod/us-east-1/db/extra.tfvars");
    expect(extra).toMatchObject({
      type: "deleted",
      insideUnit: "live/prod/us-east-1/db",
      units: ["live/prod/us-east-1/db"],
    });
    expect(unit(result, "live/prod/us-east-1/app")!.reasons).toEqual([
      {
        file: "live/prod/us-east-1/app/.terraform.lock.hcl",
        chain: [{ file: "live/prod/us-east-1/app/.terraform.lock.hcl", via: "unit" }],
      },
    ]);
    expect(result.stats.unitsInHead).toBe(4);
  });

  test("a file renamed from one unit to another changes both; a file outside units read by nobody affects none", async () => {
    await using repo = createTempGitRepo({
      ...liveRepoFiles(),
      "live/prod/us-east-1/app/notes.md": "some notes about the app unit\n".repeat(5),
      "docs/README.md": "# docs\n",
    });
    const base = repo.sha();
    repo.rename("live/prod/us-east-1/app/notes.md", "live/prod/us-east-1/vpc/notes.md");
    const head = repo.commit({ "docs/README.md": "# docs v2\n" });
    const result = await detect(repo.dir, base, head);
    expect(statuses(result)).toEqual({ "live/prod/us-east-1/app": "changed", "live/prod/us-east-1/vpc": "changed" });
    const rename = result.changes.find((c) => c.type === "renamed");
    expect(rename).toEqual({
      type: "renamed",
      files: ["live/prod/us-east-1/app/notes.md", "live/prod/us-east-1/vpc/notes.md"],
      insideUnit: "live/prod/us-east-1/vpc",
      units: ["live/prod/us-east-1/app", "live/prod/us-east-1/vpc"],
    });
    expect(result.changes.find((c) => c.files[0] === "docs/README.md")).toEqual({
      type: "modified",
      files: ["docs/README.md"],
      insideUnit: null,
      units: [],
    });
  });

  test("a renamed unit directory is one unit deleted and one added", async () => {
    await using repo = createTempGitRepo(liveRepoFiles());
    const base = repo.sha();
    repo.rename("live/prod/us-east-1/app", "live/prod/us-east-1/web");
    const head = repo.commit({});
    const result = await detect(repo.dir, base, head);
    expect(statuses(result)).toEqual({ "live/prod/us-east-1/app": "deleted", "live/prod/us-east-1/web": "added" });
  });
});

describe("reads: files outside units", () => {
  test("root.hcl (include) and account.hcl (read_terragrunt_config through find_in_parent_folders) changes", async () => {
    await using repo = createTempGitRepo(liveRepoFiles());
    const base = repo.sha();
    const rootChange = repo.commit({ "root.hcl": `${liveRepoFiles()["root.hcl"]}\n# comment\n` });
    const all = await detect(repo.dir, base, rootChange);
    expect(statuses(all)).toEqual({
      "live/dev/us-east-1/vpc": "affected",
      "live/prod/us-east-1/app": "affected",
      "live/prod/us-east-1/vpc": "affected",
    });
    expect(unit(all, "live/prod/us-east-1/app")!.reasons).toEqual([
      {
        file: "root.hcl",
        chain: [
          { file: "live/prod/us-east-1/app/terragrunt.hcl", via: "unit" },
          { file: "root.hcl", via: "include", from: "live/prod/us-east-1/app/terragrunt.hcl:3" },
        ],
      },
    ]);

    const accountChange = repo.commit({ "live/prod/account.hcl": `locals {\n  account_id = "333333333333"\n}\n` });
    const prod = await detect(repo.dir, rootChange, accountChange);
    expect(statuses(prod)).toEqual({ "live/prod/us-east-1/app": "affected", "live/prod/us-east-1/vpc": "affected" });
    expect(unit(prod, "live/prod/us-east-1/app")!.reasons[0]!.chain).toEqual([
      { file: "live/prod/us-east-1/app/terragrunt.hcl", via: "unit" },
      { file: "root.hcl", via: "include", from: "live/prod/us-east-1/app/terragrunt.hcl:3" },
      { file: "live/prod/account.hcl", via: "read_terragrunt_config", from: "root.hcl:3" },
    ]);
  });

  test("find_in_parent_folders: a file added at a probed (absent) path affects the units that probed it", async () => {
    await using repo = createTempGitRepo(liveRepoFiles());
    const base = repo.sha();
    const head = repo.commit({ "live/prod/us-east-1/account.hcl": `locals {\n  account_id = "444444444444"\n}\n` });
    const result = await detect(repo.dir, base, head);
    expect(statuses(result)).toEqual({ "live/prod/us-east-1/app": "affected", "live/prod/us-east-1/vpc": "affected" });
    // In the head tree the new, nearer file is found and read.
    expect(unit(result, "live/prod/us-east-1/vpc")!.reasons[0]!.chain.at(-1)).toMatchObject({
      file: "live/prod/us-east-1/account.hcl",
      via: "read_terragrunt_config",
    });
    // Deleting it again: the head tree only has the (absent) probe, which still links it to the units.
    const removed = repo.commit({ "live/prod/us-east-1/account.hcl": null });
    const again = await detect(repo.dir, head, removed);
    expect(statuses(again)).toEqual({ "live/prod/us-east-1/app": "affected", "live/prod/us-east-1/vpc": "affected" });
    expect(unit(again, "live/prod/us-east-1/vpc")!.reasons[0]!.chain.at(-1)).toMatchObject({
      file: "live/prod/us-east-1/account.hcl",
      via: "find_in_parent_folders",
    });
  });

  test("find_in_parent_folders without a name finds root.hcl, and falls back to terragrunt.hcl in old repositories", async () => {
    await using repo = createTempGitRepo({
      "terragrunt.hcl": `inputs = { old = true }\n`,
      "new/root.hcl": `inputs = { new = true }\n`,
      "new/a/terragrunt.hcl": `include {\n  path = find_in_parent_folders()\n}\n`,
      "old/a/terragrunt.hcl": `include {\n  path = find_in_parent_folders()\n}\n`,
      "fallback/a/terragrunt.hcl": `locals {\n  x = find_in_parent_folders("missing.hcl", "none")\n}\n`,
    });
    const base = repo.sha();
    const head = repo.commit({ "terragrunt.hcl": `inputs = { old = 2 }\n`, "new/root.hcl": `inputs = { new = 2 }\n` });
    const result = await detect(repo.dir, base, head);
    expect(unit(result, "new/a")!.reasons.map((r) => r.file)).toEqual(["new/root.hcl"]);
    expect(unit(result, "old/a")!.reasons.map((r) => r.file)).toEqual(["terragrunt.hcl"]);
    expect(unit(result, "fallback/a")).toBeUndefined();
    // The fallback unit analysed cleanly: adding the missing file where it was probed affects it.
    const added = repo.commit({ "fallback/missing.hcl": "locals {}\n" });
    expect(statuses(await detect(repo.dir, head, added))).toEqual({ "fallback/a": "affected" });
  });

  test("an exposed include that reads another config, with include.NAME.locals references", async () => {
    await using repo = createTempGitRepo({
      "common/top.hcl": `locals {\n  data_dir = "\${get_repo_root()}/data"\n}\n`,
      "common/mid.hcl": `locals {\n  top      = read_terragrunt_config("\${get_repo_root()}/common/top.hcl")\n  data_dir = local.top.locals.data_dir\n}\n`,
      "data/settings.json": `{"a": 1}\n`,
      "data/other.json": `{"b": 1}\n`,
      "units/a/terragrunt.hcl": `include "mid" {\n  path = "../../common/mid.hcl"\n  expose = true\n}\ninputs = jsondecode(file("\${include.mid.locals.data_dir}/settings.json"))\n`,
    });
    const base = repo.sha();
    const head = repo.commit({
      "common/top.hcl": `locals {\n  data_dir = "\${get_repo_root()}/data"\n  more = 1\n}\n`,
      "data/settings.json": `{"a": 2}\n`,
    });
    const result = await detect(repo.dir, base, head);
    const reasons = unit(result, "units/a")!.reasons;
    expect(reasons.find((r) => r.file === "common/top.hcl")!.chain.map((l) => l.via)).toEqual([
      "unit",
      "include",
      "read_terragrunt_config",
    ]);
    expect(reasons.find((r) => r.file === "data/settings.json")!.chain.at(-1)).toEqual({
      file: "data/settings.json",
      via: "file",
      from: "units/a/terragrunt.hcl:5",
    });
    expect(unit(result, "units/a")!.problems).toEqual([]);
    const other = repo.commit({ "data/other.json": `{"b": 2}\n` });
    expect(statuses(await detect(repo.dir, head, other))).toEqual({});
  });

  test("terraform.source: a local directory, inherited from an include, with //subdir, and nested local modules", async () => {
    await using repo = createTempGitRepo(liveRepoFiles());
    const base = repo.sha();
    const head = repo.commit({
      "modules/subnets/main.tf": `resource "terraform_data" "s2" {}\n`,
      "modules/app/variables.tf": `variable "x" {}\n`,
    });
    const result = await detect(repo.dir, base, head);
    expect(statuses(result)).toEqual({
      "live/dev/us-east-1/vpc": "affected",
      "live/prod/us-east-1/app": "affected",
      "live/prod/us-east-1/vpc": "affected",
    });
    // The vpc units read modules/vpc (right of `//`), and subnets through a module call.
    expect(
      unit(result, "live/prod/us-east-1/vpc")!
        .reasons.find((r) => r.file === "modules/subnets/main.tf")!
        .chain.slice(1),
    ).toEqual([
      { file: "_envcommon/vpc.hcl", via: "include", from: "live/prod/us-east-1/vpc/terragrunt.hcl:6" },
      { file: "modules/vpc", via: "terraform.source", from: "_envcommon/vpc.hcl:6" },
      { file: "modules/subnets", via: "module", from: "modules/vpc/main.tf:2" },
    ]);
    // app reads only modules/app: a change in modules/app affects it, one in modules/subnets does not; and
    // modules/app is not vpc's code, even though Terragrunt copies it with modules//vpc.
    expect(unit(result, "live/prod/us-east-1/app")!.reasons.map((r) => r.file)).toEqual(["modules/app/variables.tf"]);
    expect(unit(result, "live/prod/us-east-1/vpc")!.reasons.map((r) => r.file)).toEqual(["modules/subnets/main.tf"]);
  });

  test("modules outside the source root are followed to any depth, and module cycles end", async () => {
    await using repo = createTempGitRepo({
      "infra/a/terragrunt.hcl": `terraform {\n  source = "../../tf/root"\n}\n`,
      "tf/root/main.tf": `module "one" {\n  source = "../one"\n}\nmodule "remote" {\n  source = "git::https://example.com/x.git"\n}\n`,
      "tf/one/main.tf": `module "two" {\n  source = "./two"\n}\n`,
      "tf/one/two/main.tf": `module "back" {\n  source = "../../root"\n}\n`,
      "tf/unused/main.tf": `# not called\n`,
    });
    const base = repo.sha();
    const head = repo.commit({
      "tf/one/two/main.tf": `module "back" {\n  source = "../../root"\n}\n# edit\n`,
      "tf/unused/main.tf": "# edit\n",
    });
    const result = await detect(repo.dir, base, head);
    expect(statuses(result)).toEqual({ "infra/a": "affected" });
    expect(unit(result, "infra/a")!.reasons[0]!.chain.map((l) => `${l.via}:${l.file}`)).toEqual([
      "unit:infra/a/terragrunt.hcl",
      "terraform.source:tf/root",
      "module:tf/one",
      "module:tf/one/two",
    ]);
  });

  test("file, templatefile, fileset, read_tfvars_file, sops_decrypt_file and mark_as_read reads", async () => {
    await using repo = createTempGitRepo({
      "shared/a.txt": "a\n",
      "shared/t.tpl": "hello ${name}\n",
      "shared/conf/one.yaml": "x: 1\n",
      "shared/common.tfvars": `region = "eu-west-1"\n`,
      "shared/secrets.enc.json": `{"sops": true}\n`,
      "shared/marker.txt": "m\n",
      "shared/unrelated.txt": "u\n",
      "units/u/terragrunt.hcl": `
locals {
  tfvars = jsondecode(read_tfvars_file("../../shared/common.tfvars"))
}
inputs = {
  a       = file("../../shared/a.txt")
  t       = templatefile("\${get_repo_root()}/shared/t.tpl", { name = "x" })
  confs   = fileset("\${get_repo_root()}/shared/conf", "*.yaml")
  secret  = sops_decrypt_file("../../shared/secrets.enc.json")
  marked  = mark_as_read("../../shared/marker.txt")
  region  = local.tfvars.region
}
`,
    });
    const base = repo.sha();
    const head = repo.commit({
      "shared/a.txt": "a2\n",
      "shared/t.tpl": "bye ${name}\n",
      "shared/conf/two.yaml": "x: 2\n",
      "shared/common.tfvars": `region = "eu-west-2"\n`,
      "shared/secrets.enc.json": `{"sops": 2}\n`,
      "shared/marker.txt": "m2\n",
      "shared/unrelated.txt": "u2\n",
    });
    const result = await detect(repo.dir, base, head);
    const reasons = unit(result, "units/u")!.reasons;
    const viaOf = (file: string) => reasons.find((r) => r.file === file)?.chain.at(-1)?.via;
    expect(viaOf("shared/a.txt")).toBe("file");
    expect(viaOf("shared/t.tpl")).toBe("templatefile");
    expect(viaOf("shared/conf/two.yaml")).toBe("fileset");
    expect(viaOf("shared/common.tfvars")).toBe("read_tfvars_file");
    expect(viaOf("shared/secrets.enc.json")).toBe("sops_decrypt_file");
    expect(viaOf("shared/marker.txt")).toBe("mark_as_read");
    expect(viaOf("shared/unrelated.txt")).toBeUndefined();
    expect(unit(result, "units/u")!.dynamic).toEqual([]);
    expect(unit(result, "units/u")!.problems).toEqual([]);
  });
});

describe("var files passed to Terraform", () => {
  test("extra_arguments required_var_files, optional_var_files (absent too) and -var-file= arguments are reads", async () => {
    await using repo = createTempGitRepo({
      "root.hcl": `terraform {
  extra_arguments "vars" {
    commands           = ["plan", "apply"]
    required_var_files = ["\${get_parent_terragrunt_dir()}/common.tfvars"]
    optional_var_files = ["\${get_terragrunt_dir()}/../region.tfvars"]
    arguments          = ["-var-file=\${get_parent_terragrunt_dir()}/extra.tfvars", "-lock-timeout=20m"]
  }
}
`,
      "common.tfvars": "a = 1\n",
      "extra.tfvars": "b = 1\n",
      "live/a/terragrunt.hcl": `include "root" {\n  path = find_in_parent_folders("root.hcl")\n}\n`,
    });
    const base = repo.sha();
    const head = repo.commit({
      "common.tfvars": "a = 2\n",
      "extra.tfvars": "b = 2\n",
      "live/region.tfvars": "r = 1\n",
    });
    const result = await detect(repo.dir, base, head);
    expect(statuses(result)).toEqual({ "live/a": "affected" });
    expect(
      unit(result, "live/a")!
        .reasons.map((r) => r.file)
        .sort(),
    ).toEqual(["common.tfvars", "extra.tfvars", "live/region.tfvars"]);
    expect(
      unit(result, "live/a")!
        .reasons.find((r) => r.file === "common.tfvars")!
        .chain.at(-1),
    ).toEqual({ file: "common.tfvars", via: "file", from: "root.hcl:4" });
  });
});

describe("Terragrunt path functions", () => {
  test("paths from include, repository and original-unit functions resolve to the right files", async () => {
    await using repo = createTempGitRepo({
      "root.hcl": `
locals {
  per_unit = file("\${get_parent_terragrunt_dir()}/data/\${path_relative_to_include()}.json")
  common   = read_terragrunt_config("\${get_path_to_repo_root()}/shared/common.hcl")
  by_path  = file("\${get_repo_root()}/by-unit/\${get_path_from_repo_root()}/x.txt")
  optional = read_terragrunt_config("\${get_terragrunt_dir()}/../optional.hcl", { locals = {} })
}
`,
      "shared/common.hcl": `locals {
  sibling = file("\${get_terragrunt_dir()}/sibling.txt")
  notes   = file("\${get_original_terragrunt_dir()}/../notes.txt")
}
`,
      "shared/sibling.txt": "s\n",
      "live/notes.txt": "n\n",
      "data/live/a.json": "{}\n",
      "data/live/b.json": "{}\n",
      "by-unit/live/a/x.txt": "x\n",
      "by-unit/live/b/x.txt": "x\n",
      "live/a/terragrunt.hcl": `include "root" {
  path = find_in_parent_folders("root.hcl")
}
`,
      "live/b/terragrunt.hcl": `include "root" {
  path = find_in_parent_folders("root.hcl")
}
`,
    });
    const base = repo.sha();
    const perUnit = repo.commit({ "data/live/a.json": "{ }\n", "by-unit/live/b/x.txt": "y\n" });
    expect(statuses(await detect(repo.dir, base, perUnit))).toEqual({ "live/a": "affected", "live/b": "affected" });
    const first = await detect(repo.dir, base, perUnit);
    expect(unit(first, "live/a")!.reasons.map((r) => r.file)).toEqual(["data/live/a.json"]);
    expect(unit(first, "live/b")!.reasons.map((r) => r.file)).toEqual(["by-unit/live/b/x.txt"]);

    const shared = repo.commit({ "shared/sibling.txt": "s2\n", "live/notes.txt": "n2\n" });
    const result = await detect(repo.dir, perUnit, shared);
    expect(statuses(result)).toEqual({ "live/a": "affected", "live/b": "affected" });
    expect(
      unit(result, "live/a")!
        .reasons.find((r) => r.file === "shared/sibling.txt")!
        .chain.map((l) => l.via),
    ).toEqual(["unit", "include", "read_terragrunt_config", "file"]);
    expect(
      unit(result, "live/a")!
        .reasons.map((r) => r.file)
        .sort(),
    ).toEqual(["live/notes.txt", "shared/sibling.txt"]);

    // read_terragrunt_config with a default probes the absent file: adding it affects both units.
    const optional = repo.commit({ "live/optional.hcl": "locals {}\n" });
    expect(statuses(await detect(repo.dir, shared, optional))).toEqual({ "live/a": "affected", "live/b": "affected" });
    expect(unit(result, "live/a")!.problems).toEqual([]);
  });

  test("an included file that depends on the including unit is evaluated for each unit, not shared", async () => {
    await using repo = createTempGitRepo({
      "env/common.hcl": `locals {\n  own_data = "\${get_terragrunt_dir()}/../data/\${basename(get_terragrunt_dir())}"\n}\n`,
      "env/shared.hcl": `locals {\n  account = read_terragrunt_config(find_in_parent_folders("account.hcl"))\n}\n`,
      "account.hcl": "locals {}\n",
      "env/data/a.txt": "a\n",
      "env/data/b.txt": "b\n",
      "env/a/terragrunt.hcl": `include "common" {\n  path   = "../common.hcl"\n  expose = true\n}\ninclude "shared" {\n  path = "../shared.hcl"\n}\ninputs = { d = file("\${include.common.locals.own_data}.txt") }\n`,
      "env/b/terragrunt.hcl": `include "common" {\n  path   = "../common.hcl"\n  expose = true\n}\ninclude "shared" {\n  path = "../shared.hcl"\n}\ninputs = { d = file("\${include.common.locals.own_data}.txt") }\n`,
    });
    const base = repo.sha();
    const head = repo.commit({ "env/data/b.txt": "b2\n" });
    expect(statuses(await detect(repo.dir, base, head))).toEqual({ "env/b": "affected" });
    const account = repo.commit({ "account.hcl": "locals {\n  x = 1\n}\n" });
    const result = await detect(repo.dir, head, account);
    expect(statuses(result)).toEqual({ "env/a": "affected", "env/b": "affected" });
    expect(unit(result, "env/b")!.reasons[0]!.chain).toEqual([
      { file: "env/b/terragrunt.hcl", via: "unit" },
      { file: "env/shared.hcl", via: "include", from: "env/b/terragrunt.hcl:6" },
      { file: "account.hcl", via: "read_terragrunt_config", from: "env/shared.hcl:2" },
    ]);
  });

  test("a relative file() path in an included file: the unit-relative and the file-relative paths are both read", async () => {
    await using repo = createTempGitRepo({
      "common/inc.hcl": `locals {\n  data = file("data.txt")\n}\n`,
      "common/data.txt": "d\n",
      "u/a/terragrunt.hcl": `include "inc" {\n  path = "../../common/inc.hcl"\n}\n`,
    });
    const base = repo.sha();
    const head = repo.commit({ "common/data.txt": "d2\n" });
    const result = await detect(repo.dir, base, head);
    expect(statuses(result)).toEqual({ "u/a": "affected" });
    expect(unit(result, "u/a")!.problems).toEqual([]);
    // Adding the unit-relative file also affects the unit (it would take precedence).
    const added = repo.commit({ "u/a/data.txt": "local\n" });
    expect(statuses(await detect(repo.dir, head, added))).toEqual({ "u/a": "changed" });
  });

  test("a cycle through locals is a problem with its location", async () => {
    const config = "locals {\n  a = local.b\n  b = local.a\n  c = file(local.a)\n}\n";
    await using repo = createTempGitRepo({ "units/u/terragrunt.hcl": config });
    const base = repo.sha();
    const head = repo.commit({ "units/u/terragrunt.hcl": `${config}# edit\n` });
    const result = await detect(repo.dir, base, head);
    expect(unit(result, "units/u")!.problems[0]).toMatchObject({ code: "HCL_EVAL", file: "units/u/terragrunt.hcl" });
    expect(unit(result, "units/u")!.problems[0]!.message).toContain("cycle");
  });
});

describe("dynamic reads", () => {
  test("values decoded from YAML resolve the paths they feed, so those reads are exact, not dynamic", async () => {
    await using repo = createTempGitRepo({
      "settings.yaml": "team:\n  name: payments\n  policies: [a.json, b.json]\n",
      "policies/payments/a.json": "{}\n",
      "policies/payments/b.json": "{}\n",
      "policies/payments/c.json": "{}\n",
      "units/u/terragrunt.hcl": `locals {
  settings = yamldecode(file("\${get_repo_root()}/settings.yaml"))
  docs     = [for name in local.settings.team.policies : file("\${get_repo_root()}/policies/\${local.settings.team.name}/\${name}")]
}
`,
    });
    const base = repo.sha();
    const head = repo.commit({
      "policies/payments/b.json": '{ "changed": true }\n',
      "policies/payments/c.json": '{ "unread": true }\n',
    });
    const result = await detect(repo.dir, base, head);
    const u = unit(result, "units/u")!;
    expect(u.dynamic).toEqual([]);
    expect(u.reasons.map((reason) => reason.file)).toEqual(["policies/payments/b.json"]);
    expect(result.changes.find((change) => change.files[0] === "policies/payments/c.json")!.units).toEqual([]);
  });
  test("an unresolvable path is widened to a pattern from its known parts, never dropped", async () => {
    await using repo = createTempGitRepo({
      "configs/dev.yaml": "a: 1\n",
      "other/x.yaml": "a: 1\n",
      "units/u/terragrunt.hcl": `inputs = yamldecode(file("\${get_repo_root()}/configs/\${get_env("ENV", "dev")}.yaml"))\n`,
      "units/v/terragrunt.hcl": `inputs = { x = file(get_env("SOME_FILE")) }\n`,
      "units/w/terragrunt.hcl": `inputs = {}\n`,
    });
    const base = repo.sha();
    const head = repo.commit({ "configs/prod.yaml": "a: 2\n" });
    const result = await detect(repo.dir, base, head);
    expect(statuses(result)).toEqual({ "units/u": "affected", "units/v": "affected" });
    const u = unit(result, "units/u")!;
    expect(u.dynamic).toEqual([
      {
        from: "units/u/terragrunt.hcl:1",
        expression: expect.stringContaining("get_env") as unknown as string,
        reason: expect.stringContaining("ENV") as unknown as string,
        pattern: "configs/**.yaml",
      },
    ]);
    expect(u.reasons[0]!.chain.at(-1)).toEqual({
      file: "configs/**.yaml",
      via: "dynamic",
      from: "units/u/terragrunt.hcl:1",
    });
    expect(unit(result, "units/v")!.dynamic[0]!.pattern).toBe("**");
    // Outside the widened pattern, u is not affected; v (nothing known) is.
    const other = repo.commit({ "other/x.yaml": "a: 2\n" });
    expect(statuses(await detect(repo.dir, head, other))).toEqual({ "units/v": "affected" });
  });
});

describe("functions the evaluator does not know", () => {
  test("are unknown values, not errors: a path built from one is a dynamic read", async () => {
    await using repo = createTempGitRepo({
      "common.hcl": `locals {\n  stamp = brand_new_function(1)\n}\n`,
      "units/u/terragrunt.hcl": `include "common" {\n  path   = "../../common.hcl"\n  expose = true\n}\ninputs = { x = file("\${get_repo_root()}/data/\${another_new_function()}.json") }\n`,
      "data/a.json": "{}\n",
      "docs/readme.md": "r\n",
    });
    const base = repo.sha();
    const head = repo.commit({ "data/a.json": "{ }\n", "docs/readme.md": "r2\n" });
    const result = await detect(repo.dir, base, head);
    expect(statuses(result)).toEqual({ "units/u": "affected" });
    const u = unit(result, "units/u")!;
    expect(u.problems).toEqual([]);
    expect(u.dynamic.map((d) => d.pattern)).toEqual(["data/**.json"]);
    expect(u.reasons.map((r) => r.file)).toEqual(["data/a.json"]);
  });
});

describe("graph and stacks", () => {
  test("dependency and dependencies blocks give the graph, deleted units from the base tree", async () => {
    await using repo = createTempGitRepo({
      "env/vpc/terragrunt.hcl": "inputs = {}\n",
      "env/db/terragrunt.hcl": `dependency "vpc" {\n  config_path = "../vpc"\n}\n`,
      "env/app/terragrunt.hcl": `dependencies {\n  paths = ["../vpc", "\${get_terragrunt_dir()}/../db"]\n}\n`,
      "env/old/terragrunt.hcl": `dependency "db" {\n  config_path = "../db"\n  mock_outputs = { id = "x" }\n}\n`,
    });
    const base = repo.sha();
    const head = repo.commit({ "env/old/terragrunt.hcl": null });
    const result = await detect(repo.dir, base, head);
    expect(result.graph.dependencies).toEqual({
      "env/app": ["env/db", "env/vpc"],
      "env/db": ["env/vpc"],
      "env/old": ["env/db"],
      "env/vpc": [],
    });
    expect(statuses(result)).toEqual({ "env/old": "deleted" });
  });

  test("terragrunt.stack.hcl files are reported and units under a stack are marked", async () => {
    await using repo = createTempGitRepo({
      "stacks/svc/terragrunt.stack.hcl": `unit "a" {\n  source = "../../catalog/a"\n  path = "a"\n}\n`,
      "stacks/svc/a/terragrunt.hcl": "inputs = {}\n",
      "plain/b/terragrunt.hcl": "inputs = {}\n",
    });
    const base = repo.sha();
    const head = repo.commit({
      "stacks/svc/terragrunt.stack.hcl": `unit "a" {\n  source = "../../catalog/a"\n  path = "a2"\n}\n`,
      "stacks/svc/a/terragrunt.hcl": "inputs = { x = 1 }\n",
      "plain/b/terragrunt.hcl": "inputs = { x = 1 }\n",
    });
    const result = await detect(repo.dir, base, head);
    expect(result.stacks).toEqual(["stacks/svc/terragrunt.stack.hcl"]);
    expect(unit(result, "stacks/svc/a")!.inStack).toBe(true);
    expect(unit(result, "plain/b")!.inStack).toBe(false);
  });
});

describe("events", () => {
  test("pull_request compares from the merge-base, push compares the plain range", async () => {
    await using repo = createTempGitRepo(liveRepoFiles());
    repo.checkout("feature", { create: true });
    const feature = repo.commit({
      "live/prod/us-east-1/app/terragrunt.hcl": `${liveRepoFiles()["live/prod/us-east-1/app/terragrunt.hcl"]}\n# pr\n`,
    });
    repo.checkout("main");
    const mainTip = repo.commit({
      "live/dev/us-east-1/vpc/terragrunt.hcl": `${liveRepoFiles()["live/dev/us-east-1/vpc/terragrunt.hcl"]}\n# main moved on\n`,
    });
    const pr = await detect(repo.dir, "main", "feature", { event: "pull_request" });
    expect(statuses(pr)).toEqual({ "live/prod/us-east-1/app": "changed" });
    expect(pr.requestedBase).toBe(mainTip);
    expect(pr.base).not.toBe(mainTip);
    expect(pr.head).toBe(feature);
    const push = await detect(repo.dir, "main", "feature", { event: "push" });
    expect(statuses(push)).toEqual({ "live/dev/us-east-1/vpc": "changed", "live/prod/us-east-1/app": "changed" });
    expect(push.base).toBe(mainTip);
    // Refs as commit SHAs, or an annotated tag's SHA, give the documents branch names give.
    repo.git("tag", "-a", "-m", "t", "feature-tag", feature);
    const tagSha = repo.git("rev-parse", "feature-tag");
    expect(tagSha).not.toBe(feature);
    for (const event of ["pull_request", "push"] as const) {
      const byName = await detect(repo.dir, "main", "feature", { event });
      for (const [base, head] of [
        [mainTip, feature],
        [mainTip, tagSha],
      ] as const) {
        expect({ ...(await detect(repo.dir, base, head, { event })), stats: null }).toEqual({ ...byName, stats: null });
      }
    }
  });

  test("several merge-bases (criss-cross merges): the diff is taken from the one `git merge-base` picks", async () => {
    const files = liveRepoFiles();
    const edit = (path: string, note: string) => ({ [path]: `${files[path]}\n# ${note}\n` });
    await using repo = createTempGitRepo(files);
    repo.checkout("feature", { create: true });
    const featureSide = repo.commit(edit("live/prod/us-east-1/app/terragrunt.hcl", "feature"));
    repo.checkout("main");
    const mainSide = repo.commit(edit("live/dev/us-east-1/vpc/terragrunt.hcl", "main"));
    repo.git("merge", "-q", "--no-edit", featureSide);
    repo.checkout("feature");
    repo.git("merge", "-q", "--no-edit", mainSide);
    repo.commit(edit("live/prod/us-east-1/vpc/terragrunt.hcl", "after the criss-cross"));
    expect(repo.git("merge-base", "--all", "main", "feature").split("\n")).toHaveLength(2);
    const picked = repo.git("merge-base", "main", "feature");

    const pr = await detect(repo.dir, "main", "feature", { event: "pull_request" });
    expect(pr.base).toBe(picked);
    const fromPicked = await detect(repo.dir, picked, "feature", { event: "push" });
    expect(pr.changes).toEqual(fromPicked.changes);
    expect(pr.units).toEqual(fromPicked.units);
  });

  test("works from a subdirectory and in a bare clone (nothing is read from the working tree)", async () => {
    await using repo = createTempGitRepo(liveRepoFiles());
    const base = repo.sha();
    const head = repo.commit({ "live/prod/account.hcl": `locals {\n  account_id = "1"\n}\n` });
    repo.write({ "live/prod/account.hcl": "this working-tree edit is not committed {{{" });
    const expected = { "live/prod/us-east-1/app": "affected", "live/prod/us-east-1/vpc": "affected" };
    expect(statuses(await detect(join(repo.dir, "live/prod"), base, head))).toEqual(expected);
    const bare = mkdtempSync(join(tmpdir(), "gantry-bare-"));
    try {
      execFileSync("git", ["clone", "-q", "--bare", repo.dir, bare], { stdio: "ignore" });
      expect(statuses(await detect(bare, base, head))).toEqual(expected);
    } finally {
      rmSync(bare, { recursive: true, force: true });
    }
  });
});

describe("readsOfUnits", () => {
  test("lists what units read at one commit, with the problems found, and says when a path is not a unit", async () => {
    const { readsOfUnits } = await import("../src/index.js");
    await using repo = createTempGitRepo({
      "root.hcl": `locals {\n  env = read_terragrunt_config(find_in_parent_folders("env.hcl"))\n}\n`,
      "prod/env.hcl": `locals {\n  name = "prod"\n}\n`,
      "prod/app/terragrunt.hcl": `include "root" {\n  path = find_in_parent_folders("root.hcl")\n}\ninputs = {\n  policy = file("\${get_repo_root()}/shared/leak.json")\n}\n`,
      "shared/leak.json": { symlink: "/etc/hostname" },
    });
    const [app, missing] = await readsOfUnits({
      repo: repo.dir,
      commit: repo.sha(),
      units: ["prod/app", "prod/nothing"],
    });
    expect(app!.exists).toBe(true);
    expect(app!.files).toEqual(
      expect.arrayContaining(["prod/app/terragrunt.hcl", "root.hcl", "prod/env.hcl", "shared/leak.json"]),
    );
    expect(app!.problems).toEqual([
      expect.objectContaining({ code: "SYMLINK_ESCAPES_REPO", file: "prod/app/terragrunt.hcl", line: 5 }),
    ]);
    expect(missing).toEqual({
      unit: "prod/nothing",
      exists: false,
      files: [],
      dirs: [],
      dynamic: [],
      dependencies: [],
      problems: [],
    });
  });

  test("lists the directories a unit reads whole, its run-time reads and its dependencies", async () => {
    const { readsOfUnits } = await import("../src/index.js");
    await using repo = createTempGitRepo({
      "modules/app/main.tf": 'module "inner" {\n  source = "./inner"\n}\n',
      "modules/app/inner/main.tf": "",
      "prod/db/terragrunt.hcl": "",
      "prod/app/terragrunt.hcl": `terraform {\n  source = "../../modules/app"\n}\ndependency "db" {\n  config_path = "../db"\n}\ninputs = {\n  token = run_cmd("cat", "token")\n}\n`,
    });
    const [app] = await readsOfUnits({ repo: repo.dir, commit: repo.sha(), units: ["prod/app"] });
    expect(app!.dirs).toEqual(["modules/app", "modules/app/inner"]);
    expect(app!.dependencies).toEqual(["prod/db"]);
    expect(app!.dynamic).toEqual([
      expect.objectContaining({ pattern: "**", reason: expect.stringContaining("run_cmd") }),
    ]);
  });

  test("names the root unit `.`, as the detection document does, in listings, reads and dependencies", async () => {
    const { listUnits, readsOfUnits } = await import("../src/index.js");
    await using repo = createTempGitRepo({
      "terragrunt.hcl": 'terraform {\n  source = "./modules/network"\n}\n',
      "modules/network/main.tf": "",
      "app/terragrunt.hcl": 'dependency "network" {\n  config_path = ".."\n}\n',
    });
    expect((await listUnits({ repo: repo.dir, commit: repo.sha() })).map((unit) => unit.path)).toEqual([".", "app"]);
    const [root, app] = await readsOfUnits({ repo: repo.dir, commit: repo.sha(), units: [".", "app"] });
    expect(root).toMatchObject({ unit: ".", exists: true, dirs: ["modules/network"] });
    expect(root!.files).toContain("terragrunt.hcl");
    expect(app!.dependencies).toEqual(["."]);
  });
});
