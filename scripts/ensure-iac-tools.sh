#!/usr/bin/env bash
# Builds the pinned terragrunt and OpenTofu from the Go module proxy when they are not already cached,
# and prints the directory that holds both binaries. See DEVELOPERS.md ("Real tools").
#
# Why build from source: this project's machines reach only package registries (npm, Debian, Go proxy),
# so release downloads are not an option. `go install mod@version` refuses modules with `replace`
# directives (both have them), so we build inside the module cache instead.
set -euo pipefail

TERRAGRUNT_VERSION="${GANTRY_TERRAGRUNT_VERSION:-v1.1.3}"
TOFU_VERSION="${GANTRY_TOFU_VERSION:-v1.12.6}"
CACHE_ROOT="${GANTRY_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/gantry/tools}"
OUT="$CACHE_ROOT/terragrunt-$TERRAGRUNT_VERSION-tofu-$TOFU_VERSION"
mkdir -p "$OUT"

log() { printf 'ensure-iac-tools: %s\n' "$*" >&2; }

# Go's standard install location, for environments whose PATH does not carry it.
if ! command -v go >/dev/null 2>&1 && [ -x /usr/local/go/bin/go ]; then
  export PATH="$PATH:/usr/local/go/bin"
fi

need() {
  command -v "$1" >/dev/null 2>&1 || { log "missing '$1': $2"; exit 1; }
}

build_module() { # module version package output ldflags
  local module="$1" version="$2" package="$3" output="$4" ldflags="$5"
  if [ -x "$output" ]; then return 0; fi
  need go "install Go (https://go.dev/dl) or set GANTRY_TERRAGRUNT / GANTRY_TOFU to existing binaries"
  log "building $module@$version (first run only; cached in $OUT)"
  local dir
  # The module's directory in the module cache, from `go mod download -json` (no jq needed).
  dir=$(go mod download -json "$module@$version" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p')
  [ -d "$dir" ] || { log "go mod download gave no directory for $module@$version"; exit 1; }
  (cd "$dir" && CGO_ENABLED=0 go build -trimpath -ldflags "-s -w $ldflags" -o "$output.tmp" "$package")
  mv "$output.tmp" "$output"
}

# The -X flags stamp the real version (the default builds say "latest" / "-dev").
build_module github.com/gruntwork-io/terragrunt "$TERRAGRUNT_VERSION" . "$OUT/terragrunt" \
  "-X github.com/gruntwork-io/terragrunt/internal/version.Version=$TERRAGRUNT_VERSION" &
tg=$!
build_module github.com/opentofu/opentofu "$TOFU_VERSION" ./cmd/tofu "$OUT/tofu" \
  "-X github.com/opentofu/opentofu/version.dev=no" &
tf=$!
wait $tg
wait $tf
echo "$OUT"
