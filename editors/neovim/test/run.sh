#!/usr/bin/env bash
# Neovim end-to-end test: builds specls (unless SPECLS_BIN names a binary) and runs e2e.lua in
# headless Neovim against fixture/. Exits non-zero when a check fails or the run times out.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../../.." && pwd)"

if [ -z "${SPECLS_BIN:-}" ]; then
  (cd "$repo" && cargo build --quiet -p specls)
  SPECLS_BIN="${CARGO_TARGET_DIR:-$repo/target}/debug/specls"
fi
export SPECLS_BIN
export SPECLS_PLUGIN="$repo/editors/neovim"

# A private state folder: the run neither reads nor writes the user's Neovim files.
state="$(mktemp -d)"
trap 'rm -rf "$state"' EXIT
export XDG_CONFIG_HOME="$state/config" XDG_DATA_HOME="$state/data" XDG_STATE_HOME="$state/state" XDG_CACHE_HOME="$state/cache"

nvim --version | head -n 1
status=0
timeout 180 nvim --headless -u NONE -i NONE +"luafile $here/e2e.lua" </dev/null || status=$?
if [ "$status" -ne 0 ]; then
  echo "neovim e2e failed (exit $status); the LSP log follows"
  cat "$state"/cache/nvim/lsp.log "$state"/state/nvim/lsp.log 2>/dev/null | tail -n 50 || true
fi
exit "$status"
