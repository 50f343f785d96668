terraform {
  source = "../../../modules//networking/vpc"

  extra_arguments "common_vars" {
    commands = get_terraform_commands_that_need_vars()
    optional_var_files = [
      "${get_terragrunt_dir()}/${find_in_parent_folders("common.tfvars", "ignore")}",
    ]
  }

  before_hook "fmt" {
    commands = ["plan", "apply"]
    execute  = ["tofu", "fmt", "-recursive"]
  }
}

include {
  path = find_in_parent_folders()
}

generate "versions" {
  path      = "versions_override.tf"
  if_exists = "overwrite"
  contents  = <<-EOF
    terraform {
      required_providers {
        aws = {
          source  = "hashicorp/aws"
          version = "${local.aws_version}"
        }
      }
    }
  EOF
}

locals {
  aws_version = "5.40.0"
  common      = yamldecode(file(find_in_parent_folders("common.yaml")))
  files       = fileset(get_terragrunt_dir(), "configs/*.json")
  rendered    = templatefile("${get_terragrunt_dir()}/tpl/user_data.sh.tftpl", { name = "x" })
  tfvars      = read_tfvars_file("${get_terragrunt_dir()}/extra.tfvars")
  secrets     = jsondecode(sops_decrypt_file("${get_terragrunt_dir()}/secrets.enc.json"))
  marked      = mark_as_read("${get_repo_root()}/shared/policy.json")
  rel         = path_relative_from_include()
  parent_dir  = get_parent_terragrunt_dir()
}

inputs = {
  cidr_blocks = [for i in range(3) : cidrsubnet("10.0.0.0/16", 8, i)]
  by_az       = { for az in ["a", "b"] : az => "${local.aws_version}-${az}" }
}
