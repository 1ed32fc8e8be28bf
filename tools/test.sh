#!/usr/bin/env bash
# Run colash's checks: vet and every test. The reference tests read ../shared (beside the
# checkout) and run Debian's python3-torch / python3-sympy, as tools/setup.sh installs them:
# under CI (CI=true) a missing reference fails its test; elsewhere it is skipped, said here once.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f third_party/gotch/.colash-stamp ] || bash tools/make-gotch.sh
missing=""
[ -d "${COLASH_SHARED:-../shared}" ] || missing="$missing ../shared"
/usr/bin/python3 -c 'import torch' 2>/dev/null || missing="$missing python3-torch"
/usr/bin/python3 -c 'import sympy' 2>/dev/null || missing="$missing python3-sympy"
if [ -n "$missing" ]; then
  if [ "${CI:-}" = true ]; then echo "test: CI=true and missing:$missing (their tests will fail)" >&2
  else echo "test: missing:$missing; the tests that need them are skipped (go test -v names them)" >&2; fi
fi
go vet ./...
go test -timeout 30m ./...
if [ "${CI:-}" = true ]; then
  # A fresh clone has no ../shared and no CI=true: the packages whose tests read ../shared (found by
  # what they call) run again so, and a test that fails instead of skipping for its lack fails CI.
  pkgs=$(grep -rlE --include='*_test.go' 'testenv\.Shared|COLASH_SHARED|\.\./shared' . | grep -v '^\./third_party/' |
    xargs -n1 dirname | sort -u)
  echo "test: once more without ../shared (COLASH_SHARED=/nonexistent, CI unset):" $pkgs >&2
  env -u CI COLASH_SHARED=/nonexistent/colash-shared go test -count=1 -timeout 30m $pkgs
fi
