#!/usr/bin/env bash
# Builds a real git repository from this example, with the history `gantry run` needs:
#   commit 0 (main): empty, so `gantry run --base <root> --head <base> --event push` applies everything
#   commit 1 (main): the initial infrastructure (dev and prod: network, app; dev: queue)
#   commit 2 (branch `change`, and main fast-forwarded with --merged): a pull-request-like change:
#     - dev/us-east-1/dev/app      changed  (2 replicas instead of 1)
#     - dev/us-east-1/dev/database added    (depends on the network)
#     - dev/us-east-1/dev/queue    deleted  (destroyed from commit 1)
# Usage: make-demo-repo.sh DEST [--merged]
#   prints the SHAs as `root=<sha> base=<sha> head=<sha>` (commit 0, 1 and 2).
set -euo pipefail

dest="${1:?usage: make-demo-repo.sh DEST [--merged]}"
merged="${2:-}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

if [ -e "$dest" ] && [ -n "$(ls -A "$dest" 2>/dev/null)" ]; then
  echo "make-demo-repo: $dest exists and is not empty; choose a new directory" >&2
  exit 2
fi
mkdir -p "$dest"

export GIT_AUTHOR_NAME="Gantry Demo" GIT_AUTHOR_EMAIL="demo@gantry.invalid"
export GIT_COMMITTER_NAME="Gantry Demo" GIT_COMMITTER_EMAIL="demo@gantry.invalid"
g() { git -C "$dest" -c commit.gpgsign=false "$@"; }

g init -q -b main
g commit -q --allow-empty -m "Empty repository"
root="$(g rev-parse HEAD)"
# Copy the tracked layout only (no state, caches or plan files from a local run).
(cd "$here" && tar --exclude=.terragrunt-cache --exclude=.gantry-state --exclude='*.tfplan' --exclude=test -cf - .) | tar -C "$dest" -xf -
g add -A
g commit -q -m "Initial infrastructure: dev and prod networks and apps, dev queue"
base="$(g rev-parse HEAD)"

g checkout -q -b change
# The dev app runs two replicas (inputs in the unit override the _envcommon defaults key by key).
cat >> "$dest/dev/us-east-1/dev/app/terragrunt.hcl" <<'HCL'

inputs = {
  replicas = 2
}
HCL
mkdir -p "$dest/dev/us-east-1/dev/database"
cat > "$dest/dev/us-east-1/dev/database/terragrunt.hcl" <<'HCL'
include "root" {
  path = find_in_parent_folders("root.hcl")
}

terraform {
  source = "${dirname(find_in_parent_folders("root.hcl"))}/modules//database"
}

dependency "network" {
  config_path = "../network"

  mock_outputs = {
    network_id = "mock-network-id"
  }
  mock_outputs_allowed_terraform_commands = ["validate", "plan", "show"]
}

inputs = {
  network_id = dependency.network.outputs.network_id
}
HCL
g rm -q -r dev/us-east-1/dev/queue
g add -A
g commit -q -m "Scale the dev app, add a dev database, retire the dev queue"
head="$(g rev-parse HEAD)"

if [ "$merged" = "--merged" ]; then
  g checkout -q main
  g merge -q --ff-only change
else
  g checkout -q main
fi
echo "root=$root base=$base head=$head"
