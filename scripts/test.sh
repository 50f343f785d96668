#!/usr/bin/env bash
# The test command (README, .ci/run): set-up on a fresh machine, then every package's tests with the real
# terragrunt and OpenTofu. Extra arguments go to vitest (e.g. `bash scripts/test.sh packages/hcl`).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# shellcheck source=scripts/tools-env.sh
. scripts/tools-env.sh
# shellcheck source=scripts/env.sh
. scripts/env.sh
# actionlint for the tests that lint workflows (built once from the Go module proxy, like the tools above).
export GANTRY_ACTIONLINT="${GANTRY_ACTIONLINT:-$(bash scripts/ensure-actionlint.sh)}"
mkdir -p .turbo
report=.turbo/vitest-report.json
status=0
# Types first (strict, no unused locals or parameters): a type error fails the run, the tests still run.
pnpm exec turbo run typecheck --output-logs=errors-only || { status=$?; echo "typecheck failed (see above)" >&2; }
# The workspace's own rules (test/workspace.test.ts: imports, dependencies, the error registry, git) run with the
# tests; their file is type-checked here.
pnpm exec tsc -p test/tsconfig.json || { status=$?; echo "typecheck of test/ failed (see above)" >&2; }
# The formatter (Prettier, print width 120) over the code: `pnpm format` fixes what this reports.
pnpm format:check || { status=$?; echo "unformatted files (run: pnpm format)" >&2; }
pnpm exec vitest run --reporter=default --reporter=json --outputFile.json="$report" "$@" || status=$?
# One closing line in the plain form CI tooling reads: "N passed, N failed".
node -e '
  const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  const skipped = r.numPendingTests + r.numTodoTests;
  console.log(`tests: ${r.numPassedTests} passed, ${r.numFailedTests} failed` + (skipped ? `, ${skipped} skipped` : ""));
' "$report" || true
exit "$status"
