# A typical Gruntwork-style unit
include "root" {
  path = find_in_parent_folders("root.hcl")
}

include "envcommon" {
  path           = "${dirname(find_in_parent_folders("root.hcl"))}/_envcommon/vpc.hcl"
  expose         = true
  merge_strategy = "deep"
}

locals {
  env_vars     = read_terragrunt_config(find_in_parent_folders("env.hcl"))
  region_vars  = read_terragrunt_config(find_in_parent_folders("region.hcl"))
  env          = local.env_vars.locals.environment
  aws_region   = local.region_vars.locals.aws_region
  base_source  = include.envcommon.locals.base_source_url
  name_prefix  = "${local.env}-${local.aws_region}"
  tags         = merge(include.envcommon.locals.tags, { Unit = basename(get_terragrunt_dir()) })
}

terraform {
  source = "${local.base_source}?ref=v1.2.3"
}

dependency "vpc" {
  config_path = "../vpc"

  mock_outputs = {
    vpc_id          = "vpc-00000000"
    private_subnets = ["subnet-1", "subnet-2"]
  }
  mock_outputs_allowed_terraform_commands = ["validate", "plan"]
  mock_outputs_merge_strategy_with_state  = "shallow"
}

dependencies {
  paths = ["../kms", "../iam"]
}

inputs = {
  name       = "${local.name_prefix}-app"
  vpc_id     = dependency.vpc.outputs.vpc_id
  subnet_ids = dependency.vpc.outputs.private_subnets
  tags       = local.tags
  settings   = jsondecode(file("${get_terragrunt_dir()}/settings.json"))
}
