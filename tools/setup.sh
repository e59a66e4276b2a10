#!/usr/bin/env bash
# Installs what culturesim needs when it is missing: Debian packages (compiler, CMake, TBB,
# HDF5, Random123, toml++, Catch2, OpenMPI) and the Python package with its test extras.
# Idempotent: a second run installs nothing. Usage: bash tools/setup.sh [--no-python]
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(g++ cmake ninja-build pkg-config libtbb-dev libhdf5-dev hdf5-tools catch2
              librandom123-dev libbenchmark-dev openmpi-bin libopenmpi-dev libtomlplusplus-dev)
# CI also fuzzes the results-file opener (tools/fuzz.sh): clang with its libFuzzer runtime.
[ -n "${CI:-}" ] && APT_PACKAGES+=(clang libclang-rt-14-dev)
missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ((${#missing[@]})); then
  echo "setup: installing Debian packages: ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

[ "${1:-}" = "--no-python" ] && exit 0

PYTHON=${PYTHON:-python3}
# A Debian system Python marks itself externally managed (PEP 668); this machine's Python may be
# one. Installing culturesim and its test tools into it is what these scripts are for.
export PIP_BREAK_SYSTEM_PACKAGES=1
# The package itself, rebuilt when its sources changed (pip reuses the build directory).
echo "setup: building and installing the culturesim Python package"
"$PYTHON" -m pip install -q --disable-pip-version-check --root-user-action=ignore ".[test,cluster]" 2>&1 \
  | grep -v -E "^(WARNING: Running pip as the 'root' user|\[notice\])" || true
"$PYTHON" -c "import culturesim" || { echo "setup: the culturesim package failed to install" >&2; exit 1; }
