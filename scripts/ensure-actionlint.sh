#!/usr/bin/env bash
# Builds the pinned actionlint from the Go module proxy when it is not already cached, and prints its path.
# Tests lint every workflow this repository holds or generates with it (see DEVELOPERS.md, "Real tools").
# About a minute the first time; cached in ~/.cache/gantry/tools/ (GANTRY_TOOLS_CACHE moves it).
set -euo pipefail

ACTIONLINT_VERSION="${GANTRY_ACTIONLINT_VERSION:-v1.7.12}"
CACHE_ROOT="${GANTRY_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/gantry/tools}"
OUT="$CACHE_ROOT/actionlint-$ACTIONLINT_VERSION"

if [ ! -x "$OUT/actionlint" ]; then
  if ! command -v go >/dev/null 2>&1 && [ -x /usr/local/go/bin/go ]; then export PATH="$PATH:/usr/local/go/bin"; fi
  command -v go >/dev/null 2>&1 || { echo "ensure-actionlint: missing 'go' (https://go.dev/dl), or set GANTRY_ACTIONLINT" >&2; exit 1; }
  echo "ensure-actionlint: building github.com/rhysd/actionlint@$ACTIONLINT_VERSION (first run only; cached in $OUT)" >&2
  mkdir -p "$OUT"
  # actionlint has no replace directives, so `go install module@version` works; GOBIN keeps it out of ~/go/bin.
  GOBIN="$OUT/.build" CGO_ENABLED=0 go install -trimpath -ldflags "-s -w" "github.com/rhysd/actionlint/cmd/actionlint@$ACTIONLINT_VERSION"
  mv "$OUT/.build/actionlint" "$OUT/actionlint"
  rmdir "$OUT/.build"
fi
echo "$OUT/actionlint"
