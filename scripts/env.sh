# shellcheck shell=bash
# Source this file: it puts Node >= 22 and pnpm 10 on PATH, bringing them from the npm registry into a
# cache outside the repository when the machine's own are too old or absent (a fresh machine has Node 20).
# Why from npm: the registry is the one source of Node binaries every Gantry machine can reach.
GANTRY_CACHE="${GANTRY_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/gantry}"
GANTRY_NODE_SPEC="${GANTRY_NODE_SPEC:-node@24}"
GANTRY_PNPM_SPEC="${GANTRY_PNPM_SPEC:-pnpm@10.34.8}"

_gantry_log() { printf 'gantry-setup: %s\n' "$*" >&2; }

_gantry_node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

if [ "$(_gantry_node_major)" -lt 22 ]; then
  _gantry_node_dir="$GANTRY_CACHE/node24"
  if [ ! -x "$_gantry_node_dir/node_modules/.bin/node" ]; then
    _gantry_log "system Node is $(node --version 2>/dev/null || echo absent); installing $GANTRY_NODE_SPEC into $_gantry_node_dir"
    mkdir -p "$_gantry_node_dir"
    npm install --silent --no-audit --no-fund --prefix "$_gantry_node_dir" "$GANTRY_NODE_SPEC" >&2
  fi
  export PATH="$_gantry_node_dir/node_modules/.bin:$PATH"
fi

if ! command -v pnpm >/dev/null 2>&1 || [ "$(pnpm --version 2>/dev/null | cut -d. -f1)" != "10" ]; then
  _gantry_pnpm_dir="$GANTRY_CACHE/pnpm10"
  if [ ! -x "$_gantry_pnpm_dir/node_modules/.bin/pnpm" ]; then
    _gantry_log "installing $GANTRY_PNPM_SPEC into $_gantry_pnpm_dir"
    mkdir -p "$_gantry_pnpm_dir"
    npm install --silent --no-audit --no-fund --prefix "$_gantry_pnpm_dir" "$GANTRY_PNPM_SPEC" >&2
  fi
  export PATH="$_gantry_pnpm_dir/node_modules/.bin:$PATH"
fi
export COREPACK_ENABLE_STRICT=0
