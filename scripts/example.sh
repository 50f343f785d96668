#!/usr/bin/env bash
# The README's first command: set-up on a fresh machine, then Gantry's main job on the bundled example.
#
# It builds a real git repository from examples/infrastructure-live (see make-demo-repo.sh) and runs the
# whole pipeline (detect -> classify/plan -> dispatch in-process -> execute with real terragrunt and
# OpenTofu -> report) three times, as the GitOps flow would:
#   1. push to main of the initial infrastructure: apply every unit in dependency order;
#   2. a pull request that changes, adds and deletes a unit: plan and plan-destroy, no state changes;
#   3. the merge of that pull request (push to main): apply, and destroy the deleted unit from the base commit.
# Pass a directory to keep the demo repository there (default: a new temporary directory).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# shellcheck source=scripts/tools-env.sh
. scripts/tools-env.sh
# shellcheck source=scripts/env.sh
. scripts/env.sh

demo="${1:-$(mktemp -d "${TMPDIR:-/tmp}/gantry-demo-XXXXXX")}"
eval "$(bash examples/infrastructure-live/make-demo-repo.sh "$demo/infrastructure-live")"
repo="$demo/infrastructure-live"
banner() { printf '\n\033[1m== %s ==\033[0m\n\n' "$*"; }

banner "1/3 push to main: the initial infrastructure ($root..$base)"
pnpm exec gantry run --repo "$repo" --base "$root" --head "$base" --event push --branch main \
  --report "$demo/report-1-initial-apply.md"

banner "2/3 pull request: change the dev app, add a database, delete the queue ($base...$head)"
pnpm exec gantry plan --repo "$repo" --base "$base" --head "$head" --event pull_request --format text
pnpm exec gantry run --repo "$repo" --base "$base" --head "$head" --event pull_request \
  --report "$demo/report-2-pull-request.md"

banner "3/3 merge: push to main ($base..$head)"
git -C "$repo" merge -q --ff-only change
pnpm exec gantry run --repo "$repo" --base "$base" --head "$head" --event push --branch main \
  --report "$demo/report-3-merge.md"

banner "done"
echo "demo repository: $repo"
echo "pull-request comments (markdown): $demo/report-*.md"
