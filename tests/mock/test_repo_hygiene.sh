#!/usr/bin/env bash
# No tracked file carries merge-conflict markers (one once reached the README).
. "$(dirname "$0")/../lib.sh"
cd "$ROOT"
if ! git rev-parse --git-dir >/dev/null 2>&1; then
    echo "not a git checkout: nothing to check"
    exit 0
fi
hits=$(git grep -nE '^(<<<<<<<|>>>>>>>)( |$)|^=======$' -- . ':!tests/fuzz' || true)
[ -z "$hits" ] || fail "merge-conflict markers in tracked files:
$hits"
echo "no merge-conflict markers"
