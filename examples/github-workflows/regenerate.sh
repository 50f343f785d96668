#!/usr/bin/env bash
# Regenerates this example: it is exactly what `gantry init` writes for acme (test/workflows.test.ts runs the
# same command into a scratch directory and compares). Needs the built CLI (`pnpm build`).
set -euo pipefail
cd "$(dirname "$0")"
pnpm exec gantry init --live-dir infrastructure-live --pipelines-dir infrastructure-pipelines \
  --live-repository acme/infrastructure-live --pipelines-repository acme/infrastructure-pipelines \
  --aws-account-id dev=111111111111 --aws-account-id prod=222222222222 \
  --action gantry-iac/gantry@ac0b76b2d10c035e7b85d0e37bc39344f2b849b5 --force
