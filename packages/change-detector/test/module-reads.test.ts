/**
 * Module precision: a unit reads the module Terraform runs in (right of `//`), the local modules it calls,
 * and the files its `.tf` code reads through Terraform's file functions; not the rest of the tree
 * Terragrunt copies. An unresolvable path widens the reads (to the copied tree at most), and says so.
 */
import { describe, expect, test } from "vitest";
import { createTempGitRepo, detect, statuses, unit } from "./helpers.js";

const unitAt = (source: string) => `terraform {\n  source = "${source}"\n}\n`;

/** A repository whose units copy the whole repository (`${get_repo_root()}//modules/<name>`). */
function splitSourceRepo(vpcCode: string) {
  return {
    "README.md": "# live\n",
    "live/vpc/terragrunt.hcl": unitAt("${get_repo_root()}//modules/vpc"),
    "live/db/terragrunt.hcl": unitAt("${get_repo_root()}//modules/db"),
    "live/app/terragrunt.hcl": unitAt("../../modules//app"),
    "modules/vpc/main.tf": vpcCode,
    "modules/vpc/variables.tf": `variable "name" {\n  type = string\n}\n`,
    "modules/subnets/main.tf": `resource "terraform_data" "s" {\n  input = templatefile("\${path.root}/templates/subnet.tpl", {})\n}\n`,
    "modules/vpc/templates/subnet.tpl": "subnet\n",
    "modules/db/main.tf": `resource "terraform_data" "db" {}\n`,
    "modules/app/main.tf": `resource "terraform_data" "app" {}\n`,
    "data/cidrs.json": `{"a": "10.0.0.0/16"}\n`,
    "data/policies/one.json": "{}\n",
    "data/envs/prod.json": "{}\n",
  };
}

const VPC_CODE = `locals {
  data_dir = "\${path.module}/../../data"
}

module "subnets" {
  source = "../subnets"
}

resource "terraform_data" "vpc" {
  input = {
    cidrs    = jsondecode(file("\${local.data_dir}/cidrs.json"))
    policies = fileset("\${path.module}/../../data/policies", "*.json")
    inside   = file("\${path.module}/templates/subnet.tpl")
  }
}
`;

describe("module precision", () => {
  test("a //subdir source reads its module, the modules it calls and the files its code reads, not the rest of the copy", async () => {
    await using repo = createTempGitRepo(splitSourceRepo(VPC_CODE));
    const base = repo.sha();
    // Files inside the copied tree that no module reads change nothing.
    const other = repo.commit({
      "README.md": "# live v2\n",
      "modules/db/main.tf": `resource "terraform_data" "db2" {}\n`,
      "data/envs/prod.json": `{"x": 1}\n`,
    });
    expect(statuses(await detect(repo.dir, base, other))).toEqual({ "live/db": "affected" });

    const head = repo.commit({
      "modules/subnets/main.tf": `resource "terraform_data" "s2" {\n  input = templatefile("\${path.root}/templates/subnet.tpl", {})\n}\n`,
      "data/cidrs.json": `{"a": "10.1.0.0/16"}\n`,
      "data/policies/two.json": "{}\n",
    });
    const result = await detect(repo.dir, other, head);
    expect(statuses(result)).toEqual({ "live/vpc": "affected" });
    const reasons = Object.fromEntries(
      unit(result, "live/vpc")!.reasons.map((r) => [
        r.file,
        r.chain.map((l) => `${l.via}:${l.file}${l.from ? `@${l.from}` : ""}`),
      ]),
    );
    expect(reasons).toEqual({
      "modules/subnets/main.tf": [
        "unit:live/vpc/terragrunt.hcl",
        "terraform.source:modules/vpc@live/vpc/terragrunt.hcl:2",
        "module:modules/subnets@modules/vpc/main.tf:6",
      ],
      "data/cidrs.json": [
        "unit:live/vpc/terragrunt.hcl",
        "terraform.source:modules/vpc@live/vpc/terragrunt.hcl:2",
        "file:data/cidrs.json@modules/vpc/main.tf:11",
      ],
      "data/policies/two.json": [
        "unit:live/vpc/terragrunt.hcl",
        "terraform.source:modules/vpc@live/vpc/terragrunt.hcl:2",
        "fileset:data/policies/*.json@modules/vpc/main.tf:12",
      ],
    });
    expect(unit(result, "live/vpc")!.dynamic).toEqual([]);
  });

  test("path.root and relative paths resolve against the root module, also from a called module", async () => {
    await using repo = createTempGitRepo(splitSourceRepo(VPC_CODE));
    const base = repo.sha();
    // modules/subnets reads ${path.root}/templates/subnet.tpl: the root module's (vpc's) template, already read.
    const head = repo.commit({
      "modules/vpc/templates/subnet.tpl": "subnet v2\n",
      "modules/subnets/templates/subnet.tpl": "unused\n",
    });
    expect(statuses(await detect(repo.dir, base, head))).toEqual({ "live/vpc": "affected" });
  });

  test("an unresolvable path widens the reads to what its known text allows, at most the copied tree, and says so", async () => {
    await using repo = createTempGitRepo({
      ...splitSourceRepo(
        `resource "terraform_data" "v" {\n  input = [file("\${path.module}/../../data/envs/\${var.env}.json"), file(var.policy)]\n}\n`,
      ),
      "live/app/terragrunt.hcl": unitAt("../../modules//app"),
      "modules/app/main.tf": `resource "terraform_data" "a" {\n  input = file(var.anything)\n}\n`,
    });
    const base = repo.sha();
    const head = repo.commit({
      "data/envs/prod.json": `{"y": 2}\n`,
      "modules/db/main.tf": `resource "terraform_data" "db3" {}\n`,
    });
    const result = await detect(repo.dir, base, head);
    // vpc copies the whole repository: file(var.policy) could be anything. app copies modules/ only.
    expect(statuses(result)).toEqual({ "live/app": "affected", "live/db": "affected", "live/vpc": "affected" });
    expect(unit(result, "live/vpc")!.dynamic.map((d) => [d.pattern, d.from])).toEqual([
      ["data/envs/**.json", "modules/vpc/main.tf:2"],
      ["**", "modules/vpc/main.tf:2"],
    ]);
    expect(unit(result, "live/vpc")!.dynamic[1]!.reason).toMatch(
      /var is only known when Terraform runs .*widened to the copied tree \(the whole repository\)/,
    );
    expect(unit(result, "live/app")!.dynamic.map((d) => d.pattern)).toEqual(["modules/**"]);
    expect(unit(result, "live/app")!.reasons.map((r) => r.file)).toEqual(["modules/db/main.tf"]);
    // Outside the copied tree of app and off the known text of vpc's pattern: only vpc (whole repository).
    const readme = repo.commit({ "README.md": "# v3\n" });
    expect(statuses(await detect(repo.dir, head, readme))).toEqual({ "live/vpc": "affected" });
  });

  test("a source without // reads its directory and what its code reads outside it", async () => {
    await using repo = createTempGitRepo({
      "live/a/terragrunt.hcl": unitAt("../../modules/a"),
      "modules/a/main.tf": `module "b" {\n  source = "../b"\n}\noutput "x" {\n  value = filesha256("\${path.module}/../../shared/x.txt")\n}\n`,
      "modules/b/main.tf": `output "y" {\n  value = fileexists("../../shared/y.txt")\n}\n`,
      "modules/c/main.tf": "# not called\n",
      "shared/x.txt": "x\n",
      "shared/z.txt": "z\n",
    });
    const base = repo.sha();
    const head = repo.commit({
      "shared/x.txt": "x2\n",
      "shared/y.txt": "added\n",
      "shared/z.txt": "z2\n",
      "modules/c/main.tf": "# edit\n",
    });
    const result = await detect(repo.dir, base, head);
    expect(statuses(result)).toEqual({ "live/a": "affected" });
    // fileexists in modules/b is relative to Terraform's working directory (modules/a): ../../shared/y.txt.
    expect(
      unit(result, "live/a")!
        .reasons.map((r) => r.file)
        .sort(),
    ).toEqual(["shared/x.txt", "shared/y.txt"]);
  });
});

describe("sources with parts known only at run time", () => {
  test("a remote source with an unknown interpolation reads nothing in the repository; an unknown local one is widened", async () => {
    await using repo = createTempGitRepo({
      "live/git/terragrunt.hcl": `locals {\n  version = get_env("MODULE_VERSION")\n}\n${unitAt("git::https://github.com/acme/modules.git//vpc?ref=${local.version}")}`,
      "live/tfr/terragrunt.hcl": unitAt('tfr:///terraform-aws-modules/vpc/aws?version=${get_env("V", "5.0.0")}'),
      "live/split/terragrunt.hcl": unitAt('${get_repo_root()}/modules//${get_env("MODULE")}'),
      "live/unknown/terragrunt.hcl": unitAt('${get_env("SOURCE")}'),
      "modules/vpc/main.tf": "# vpc\n",
      "docs/README.md": "# docs\n",
    });
    const base = repo.sha();
    const head = repo.commit({ "modules/vpc/main.tf": "# vpc v2\n", "docs/README.md": "# docs v2\n" });
    const result = await detect(repo.dir, base, head);
    // The split source may be any module under modules/ (the copied tree); an unknown source anything.
    expect(statuses(result)).toEqual({ "live/split": "affected", "live/unknown": "affected" });
    expect(unit(result, "live/split")!.dynamic.map((d) => d.pattern)).toEqual(["modules/**"]);
    expect(unit(result, "live/unknown")!.dynamic.map((d) => d.pattern)).toEqual(["**"]);
    expect(unit(result, "live/split")!.reasons.map((r) => r.file)).toEqual(["modules/vpc/main.tf"]);
    // The remote ones, changed themselves, report no unresolved read.
    const touched = repo.commit({ "live/git/notes.txt": "x\n", "live/tfr/notes.txt": "x\n" });
    const own = await detect(repo.dir, head, touched);
    expect(statuses(own)).toEqual({ "live/git": "changed", "live/tfr": "changed", "live/unknown": "affected" });
    expect(unit(own, "live/git")!.dynamic).toEqual([]);
    expect(unit(own, "live/tfr")!.dynamic).toEqual([]);
  });
});
