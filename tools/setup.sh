#!/usr/bin/env bash
# Installs what culturesim needs when it is missing: Debian packages (compiler, CMake, TBB,
# HDF5, Random123, toml++, Catch2, OpenMPI, python3-venv) and the Python package with its test
# extras into the project's virtual environment .venv (created with `python3 -m venv`, reused when
# present; CULTURESIM_VENV names another). Idempotent: a second run installs nothing new.
# Usage: bash tools/setup.sh [--no-python]; afterwards `. .venv/bin/activate` puts `culturesim` on PATH.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(g++ cmake ninja-build pkg-config libtbb-dev libhdf5-dev hdf5-tools catch2
              librandom123-dev libbenchmark-dev openmpi-bin libopenmpi-dev libtomlplusplus-dev)
# CI also fuzzes the results-file opener (tools/fuzz.sh): clang with its libFuzzer runtime; and
# checks `culturesim report` in a real browser (tests/python/test_report.py): Debian's chromium; and
# installs culturesim as an unprivileged user without the system's development files
# (tests/python/test_install_without_root.py): bubblewrap, and Debian's own python3 to build for.
[ -n "${CI:-}" ] && APT_PACKAGES+=(clang libclang-rt-14-dev chromium bubblewrap python3-dev python3-venv)
PYTHON=${PYTHON:-python3}
# Debian's own python3 makes virtual environments only with python3-venv (ensurepip).
if [ "${1:-}" != "--no-python" ] && [[ "$(command -v "$PYTHON" || true)" == /usr/bin/* ]]; then
  APT_PACKAGES+=(python3-venv)
fi
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

VENV=${CULTURESIM_VENV:-.venv}
# Reused when it works; remade when a failed creation left it without pip.
if ! "$VENV/bin/python" -m pip --version >/dev/null 2>&1; then
  echo "setup: creating the virtual environment $VENV ($("$PYTHON" --version))"
  "$PYTHON" -m venv --clear "$VENV" || {
    echo "setup: '$PYTHON -m venv' failed; on Debian install python3-venv (apt-get install python3-venv)" >&2
    exit 1
  }
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check --upgrade pip
fi
# The package itself, rebuilt when its sources changed (pip reuses the build directory).
echo "setup: building and installing the culturesim Python package into $VENV"
"$VENV/bin/python" -m pip install -q --disable-pip-version-check ".[test,cluster]" 2>&1 \
  | grep -v -E "^\[notice\]" || true
"$VENV/bin/python" -c "import culturesim" || { echo "setup: the culturesim package failed to install" >&2; exit 1; }
