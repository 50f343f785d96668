/**
 * A small stack-layout repository for tests: a catalog of units (`catalog/units/vpc`, `catalog/units/app`, the
 * app depending on the vpc through `values.vpc_path`), a catalog stack (`catalog/stacks/env`), and live stack
 * files using them: `live/prod` (two unit blocks, `local` sources) and `live/dev` (a nested stack).
 */
import type { FileMap } from "./git-repo.js";

export function stackRepoFiles(): FileMap {
  return {
    "root.hcl": `locals {\n  account = read_terragrunt_config(find_in_parent_folders("account.hcl"))\n}\nremote_state {\n  backend = "local"\n  config = { path = "\${get_parent_terragrunt_dir()}/state/\${path_relative_to_include()}/tf.tfstate" }\n}\n`,
    "account.hcl": `locals {\n  name = "live"\n}\n`,
    "catalog/units/vpc/terragrunt.hcl": `include "root" {\n  path = find_in_parent_folders("root.hcl")\n}\nterraform {\n  source = "\${get_repo_root()}/modules/vpc"\n}\ninputs = {\n  cidr = values.cidr\n}\n`,
    "catalog/units/app/terragrunt.hcl": `include "root" {\n  path = find_in_parent_folders("root.hcl")\n}\nterraform {\n  source = "\${get_repo_root()}/modules/app"\n}\ndependency "vpc" {\n  config_path = values.vpc_path\n  mock_outputs = { id = "vpc-mock" }\n}\ninputs = {\n  version = values.version\n  vpc_id  = dependency.vpc.outputs.id\n}\n`,
    "catalog/stacks/env/terragrunt.stack.hcl": `unit "vpc" {\n  source = "\${get_repo_root()}/catalog/units/vpc"\n  path   = "vpc"\n  values = { cidr = try(values.cidr, "10.0.0.0/16") }\n}\n\nunit "app" {\n  source = "\${get_repo_root()}/catalog/units/app"\n  path   = "app"\n  values = { vpc_path = "../vpc", version = "v1" }\n}\n`,
    "live/prod/terragrunt.stack.hcl": prodStack({ appVersion: "v1" }),
    "live/dev/terragrunt.stack.hcl": `stack "env" {\n  source = "\${get_repo_root()}/catalog/stacks/env"\n  path   = "env"\n  values = { cidr = "10.1.0.0/16" }\n}\n`,
    "modules/vpc/main.tf": `variable "cidr" {}\nresource "terraform_data" "vpc" {\n  input = var.cidr\n}\noutput "id" {\n  value = terraform_data.vpc.id\n}\n`,
    "modules/app/main.tf": `variable "version" {}\nvariable "vpc_id" {}\nresource "terraform_data" "app" {\n  input = [var.version, var.vpc_id]\n}\n`,
  };
}

export function prodStack(options: { appVersion: string; extraUnit?: boolean }): string {
  return (
    `locals {\n  catalog = "../../catalog/units"\n}\n\n` +
    `unit "vpc" {\n  source = "\${local.catalog}/vpc"\n  path   = "vpc"\n  values = { cidr = "10.0.0.0/16" }\n}\n\n` +
    `unit "app" {\n  source = "\${local.catalog}/app"\n  path   = "app"\n  values = { vpc_path = "../vpc", version = "${options.appVersion}" }\n}\n` +
    (options.extraUnit
      ? `\nunit "worker" {\n  source = "\${local.catalog}/app"\n  path   = "worker"\n  values = { vpc_path = "../vpc", version = "w1" }\n}\n`
      : "")
  );
}
