#!/usr/bin/env bash
# Differential check: OpenSpec's own validator against specls.
#
# For each OpenSpec project given (default: the OpenSpec corpus in ../shared/corpora beside the
# repository, when present, and tests/fixtures/rules/openspec), this
#   1. installs @fission-ai/openspec from npm into a temporary folder (or uses $OPENSPEC_BIN),
#   2. copies the project to a temporary folder (the validator may write; the source is never
#      touched),
#   3. runs `openspec validate --all --strict --json` there, and `specls check --format json`,
#   4. compares them with compare.mjs: every validator finding needs a specls diagnostic in the
#      same file whose message starts with the same leading text (or a documented mapping), on
#      the validator's line when it gives one. It prints a table and exits non-zero on mismatches.
#
# Environment:
#   SPECLS_BIN        the specls binary (default: build it with cargo and use target/debug/specls)
#   OPENSPEC_BIN      an installed `openspec` executable (default: install from npm)
#   OPENSPEC_VERSION  the npm version to install (default: 1.13.2, the version the rules follow)
#
# Needs bash, node and npm (for the install). Usage: compare.sh [project-folder …]
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
version="${OPENSPEC_VERSION:-1.13.2}"

work="$(mktemp -d "${TMPDIR:-/tmp}/openspec-oracle.XXXXXX")"
trap 'rm -rf "$work"' EXIT

if [[ $# -gt 0 ]]; then
  projects=("$@")
else
  projects=()
  corpus="$repo/../shared/corpora/Fission-AI+OpenSpec"
  [[ -d "$corpus" ]] && projects+=("$corpus")
  projects+=("$repo/tests/fixtures/rules/openspec")
fi

specls="${SPECLS_BIN:-}"
if [[ -z "$specls" ]]; then
  echo "== building specls"
  (cd "$repo" && cargo build --quiet -p specls)
  specls="${CARGO_TARGET_DIR:-$repo/target}/debug/specls"
fi

openspec="${OPENSPEC_BIN:-}"
if [[ -z "$openspec" ]]; then
  echo "== installing @fission-ai/openspec@$version from npm"
  npm install --prefix "$work/npm" --no-audit --no-fund --loglevel=error "@fission-ai/openspec@$version" >/dev/null
  openspec="$work/npm/node_modules/.bin/openspec"
fi
echo "== openspec $("$openspec" --version 2>/dev/null | tail -n 1), specls at $specls"

# No telemetry from the validator.
export OPENSPEC_TELEMETRY=0 DO_NOT_TRACK=1 CI=1

status=0
for project in "${projects[@]}"; do
  name="$(basename "$project")"
  copy="$work/projects/$name"
  mkdir -p "$copy"
  cp -R "$project/." "$copy/"
  echo
  echo "== $name"
  # Exit status 1 means "some item failed validation", which is the point; anything else is not.
  (cd "$copy" && "$openspec" validate --all --strict --json --no-interactive >"$work/$name.openspec.json" 2>"$work/$name.openspec.err") || {
    code=$?
    if [[ $code -ne 1 ]]; then
      echo "openspec validate failed ($code):" >&2
      cat "$work/$name.openspec.err" >&2
      exit 2
    fi
  }
  (cd "$copy" && "$specls" check . --format json >"$work/$name.specls.json") || {
    code=$?
    if [[ $code -ne 1 ]]; then
      echo "specls check failed ($code)" >&2
      exit 2
    fi
  }
  node "$here/compare.mjs" "$copy" "$work/$name.openspec.json" "$work/$name.specls.json" || status=1
done
exit $status
