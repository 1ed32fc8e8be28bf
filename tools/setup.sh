#!/usr/bin/env bash
# Install what colash needs on Debian 12 / Ubuntu and generate the patched gotch it builds with.
#   system packages: libtorch-dev (libtorch 1.13, CPU), libgloo-dev (the Gloo headers engine/dist
#   compiles against), libopenblas0-openmp (fast BLAS: ~25x faster
#   matmuls than the reference BLAS), g++; for the tests: python3-torch and python3-sympy (numerical
#   and symbolic references, never used at run time), jupyter-client and jupyter-nbconvert (the
#   kernel's tests run jupyter_client and nbconvert against it).
set -euo pipefail
cd "$(dirname "$0")/.."
pkgs="libtorch-dev libgloo-dev libopenblas0-openmp g++ python3-torch python3-numpy python3-sympy jupyter-core jupyter-client jupyter-nbconvert python3-jupyter-client python3-nbconvert python3-nbclient"
missing=""
for p in $pkgs; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  echo "setup: installing$missing" >&2
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi
bash tools/make-gotch.sh
