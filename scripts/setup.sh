#!/usr/bin/env bash
# One-time (idempotent) set-up: Node 24 + pnpm 10 when needed, dependencies, and a build of every package.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/env.sh
. scripts/env.sh
pnpm install --frozen-lockfile --reporter=append-only >&2
pnpm exec turbo run build --output-logs=errors-only >&2
