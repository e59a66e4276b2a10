#!/usr/bin/env bash
# Makes a prefix of culturesim's C/C++ build dependencies without root, from Debian's packages:
# downloads them with `apt-get download` (no root needed) and unpacks each with `dpkg -x` into
# PREFIX. It holds HDF5 (headers, libraries), Random123 and toml++ (header-only); TBB comes from
# PyPI's tbb-devel wheel instead (docs/cluster.md). Afterwards build with
#   HDF5_ROOT=PREFIX/usr/lib/<arch>/hdf5/serial CMAKE_PREFIX_PATH=PREFIX/usr pip install .
# which the script prints. Usage: bash tools/prefix_from_debs.sh PREFIX
set -euo pipefail
[ $# -eq 1 ] || { echo "usage: bash tools/prefix_from_debs.sh PREFIX" >&2; exit 2; }
PACKAGES=(libhdf5-dev libhdf5-103-1 librandom123-dev libtomlplusplus-dev)
mkdir -p "$1"
PREFIX="$(cd "$1" && pwd)"
debs="$(mktemp -d)"
trap 'rm -rf "$debs"' EXIT
(cd "$debs" && apt-get download -q "${PACKAGES[@]}")
for deb in "$debs"/*.deb; do dpkg -x "$deb" "$PREFIX"; done
arch="$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || gcc -print-multiarch)"
echo "prefix_from_debs: unpacked ${PACKAGES[*]} into $PREFIX; build with"
echo "  HDF5_ROOT=$PREFIX/usr/lib/$arch/hdf5/serial CMAKE_PREFIX_PATH=$PREFIX/usr pip install ."
