#!/usr/bin/env bash
# Run colash's checks: vet and every test (PyTorch/sympy reference tests run when Debian's
# python3-torch / python3-sympy are installed, as tools/setup.sh does).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f third_party/gotch/.colash-stamp ] || bash tools/make-gotch.sh
go vet ./...
go test -timeout 20m ./...
