"""docs/cluster.md's install without root, end to end: an unprivileged user with the system's HDF5,
TBB, Random123 and toml++ development files hidden (Debian's bubblewrap) makes a virtual
environment, takes TBB from PyPI's tbb-devel wheel and HDF5, Random123 and toml++ from a prefix of
unpacked Debian packages (tools/prefix_from_debs.sh), runs `pip install .` on a copy of this
source tree, and runs a short experiment. Nothing is fetched but from the package registries.

About 10 minutes on 2 busy cores (the whole package is built once more), hence slow."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARCH_LIB = "/usr/lib/x86_64-linux-gnu"

#: What a cluster user does (docs/cluster.md, "Install without root"), as the user runs it.
SCRIPT = r"""
set -euo pipefail
cd "$WORK"
test "$(id -u)" != 0
/usr/bin/python3 -m venv venv
. venv/bin/activate
pip install -q tbb-devel
bash src/tools/prefix_from_debs.sh deps
cd src
HDF5_ROOT="$WORK/deps/usr/lib/$(gcc -print-multiarch)/hdf5/serial" CMAKE_PREFIX_PATH="$WORK/deps/usr" \
  CMAKE_BUILD_PARALLEL_LEVEL=2 pip install -v . > "$WORK/pip.log" 2>&1 || { tail -60 "$WORK/pip.log"; exit 1; }
cd "$WORK"
culturesim run src/experiments/scenarios/typical.toml -o typical.h5 --years 1 --replicates 2 --no-progress
python -c "import culturesim as cs; r = cs.open_results('typical.h5'); print('replicates', r.replicates)"
"""

#: The system's development files the user must not see: directories become empty, files empty
#: and not executable. (Symbolic links to the runtime libraries stay: hiding them would hide the
#: runtime libraries other programs need; the configure cache is checked instead.)
HIDDEN_DIRS = [
    "/usr/include/hdf5",
    "/usr/include/tbb",
    "/usr/include/oneapi",
    "/usr/include/Random123",
    "/usr/include/toml++",
    f"{ARCH_LIB}/hdf5",
    f"{ARCH_LIB}/cmake/TBB",
    f"{ARCH_LIB}/cmake/tomlplusplus",
]
HIDDEN_FILES = ["/usr/bin/h5cc", f"{ARCH_LIB}/pkgconfig/tbb.pc", f"{ARCH_LIB}/pkgconfig/hdf5-serial.pc"]


def _needs():
    missing = [tool for tool in ("bwrap", "apt-get", "dpkg") if shutil.which(tool) is None]
    if not os.path.exists("/usr/bin/python3"):
        missing.append("/usr/bin/python3")
    if missing and not os.environ.get("CI"):  # CI installs them (tools/setup.sh): there it must run
        pytest.skip(f"needs Debian's {', '.join(missing)} (tools/setup.sh installs bubblewrap under CI)")


@pytest.mark.slow
def test_install_without_root_with_hdf5_from_a_prefix_and_tbb_from_pypi():
    _needs()
    work = Path(tempfile.mkdtemp(prefix="culturesim-noroot-", dir="/tmp"))
    try:
        files = subprocess.run(
            ["git", "ls-files", "-co", "--exclude-standard"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.split("\n")
        for name in files:
            if name and not name.startswith("build/") and (ROOT / name).is_file():
                (work / "src" / name).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(ROOT / name, work / "src" / name)
        (work / "home").mkdir()
        empty = work / "empty"
        empty.write_text("")
        empty.chmod(0o444)
        drop = []
        if os.geteuid() == 0:  # CI runs as root: become nobody, owning only the work folder
            shutil.chown(work, "nobody", "nogroup")
            for path in work.rglob("*"):
                shutil.chown(path, "nobody", "nogroup")
            drop = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", "--inh-caps=-all"]
        sandbox = ["bwrap", "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp"]
        sandbox += ["--bind", str(work), str(work), "--unshare-pid", "--die-with-parent"]
        for d in HIDDEN_DIRS:
            if os.path.isdir(d):
                sandbox += ["--tmpfs", d]
        for f in HIDDEN_FILES:
            if os.path.exists(f):
                sandbox += ["--ro-bind", str(empty), f]
        env = {
            "PATH": "/usr/bin:/bin",
            "HOME": str(work / "home"),
            "LANG": "C.UTF-8",
            "WORK": str(work),
            "PIP_DISABLE_PIP_VERSION_CHECK": "1",
        }
        done = subprocess.run([*drop, *sandbox, "bash", "-c", SCRIPT], env=env, capture_output=True, text=True)
        assert done.returncode == 0, done.stdout[-5000:] + done.stderr[-5000:]
        assert "replicates 2" in done.stdout

        # Each dependency came from where the user put it, not from the hidden system files.
        cache = next((work / "src" / "build").glob("*/CMakeCache.txt")).read_text()
        found = dict(line.split("=", 1) for line in cache.splitlines() if line and line[0].isalpha() and "=" in line)
        assert found["TBB_DIR:PATH"] == f"{work}/venv/lib/cmake/tbb"
        assert found["HDF5_C_INCLUDE_DIR:PATH"].startswith(f"{work}/deps/")
        assert found["RANDOM123_INCLUDE_DIR:PATH"] == f"{work}/deps/usr/include"
        assert found["TOMLPLUSPLUS_INCLUDE_DIR:PATH"] == f"{work}/deps/usr/include"
        # ... and the installed module finds them at import by its run path.
        engine = next((work / "venv").glob("lib/python3*/site-packages/culturesim/_engine*.so"))
        dynamic = subprocess.run(["readelf", "-d", str(engine)], capture_output=True, text=True, check=True).stdout
        assert f"{work}/venv/lib" in dynamic and f"{work}/deps/" in dynamic
    finally:
        shutil.rmtree(work, ignore_errors=True)
