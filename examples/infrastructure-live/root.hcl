# Root configuration every unit includes (Gruntwork layout: <account>/<region>/<env>/<unit>).
#
# State: a local backend whose files live OUTSIDE the checkout, under GANTRY_STATE_DIR. Gantry runs each
# job in a throw-away git worktree, so state written under the unit directory would vanish with the
# worktree; a stable directory lets a PR plan, a later apply and a destroy from another commit all see
# the same state. `gantry execute` sets GANTRY_STATE_DIR (default: <git dir>/gantry/state); when you
# run terragrunt by hand, set it yourself or state goes to .gantry-state/ at the repository root
# (ignored by .gitignore).
locals {
  account_vars = read_terragrunt_config(find_in_parent_folders("account.hcl"))
  region_vars  = read_terragrunt_config(find_in_parent_folders("region.hcl"))
  env_vars     = read_terragrunt_config(find_in_parent_folders("env.hcl"))
  state_dir    = get_env("GANTRY_STATE_DIR", "${get_repo_root()}/.gantry-state")
}

remote_state {
  backend = "local"
  generate = {
    path      = "backend.tf"
    if_exists = "overwrite_terragrunt"
  }
  config = {
    path = "${local.state_dir}/${path_relative_to_include()}/terraform.tfstate"
  }
}

inputs = merge(
  local.account_vars.locals,
  local.region_vars.locals,
  local.env_vars.locals,
)
