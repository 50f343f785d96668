# shellcheck shell=bash
# Source this file: it makes sure the pinned terragrunt and OpenTofu exist (building them the first time, see
# ensure-iac-tools.sh) and exports GANTRY_TERRAGRUNT / GANTRY_TOFU, unless you already set your own.
_gantry_tools_dir=$(bash "$(dirname "${BASH_SOURCE[0]}")/ensure-iac-tools.sh")
export GANTRY_TERRAGRUNT="${GANTRY_TERRAGRUNT:-$_gantry_tools_dir/terragrunt}"
export GANTRY_TOFU="${GANTRY_TOFU:-$_gantry_tools_dir/tofu}"
