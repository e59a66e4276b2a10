"""Shared fixtures for the Python tests.

Plots draw with matplotlib's Agg backend (no display), and every figure is closed after each test
(matplotlib warns past 20 open figures, and pytest turns warnings into errors). Subprocesses get an
environment that finds the same culturesim this process imported (installed, or the development
tree's bindings/ on PYTHONPATH).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # before anything imports pyplot

import pytest  # noqa: E402

import culturesim as cs  # noqa: E402

#: Where the imported culturesim package lives (its parent goes first on a subprocess's path).
PACKAGE_PARENT = Path(cs.__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    if "matplotlib.pyplot" in sys.modules:
        sys.modules["matplotlib.pyplot"].close("all")


@pytest.fixture(scope="session")
def subprocess_env() -> dict[str, str]:
    """os.environ with the imported culturesim first on PYTHONPATH, Agg plots, no user site noise."""
    env = dict(os.environ)
    paths = [str(PACKAGE_PARENT)] + [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]
    env["PYTHONPATH"] = os.pathsep.join(dict.fromkeys(paths))
    env["MPLBACKEND"] = "Agg"
    env["PYTHONUNBUFFERED"] = "1"
    return env


def _small_experiment() -> cs.Experiment:
    return cs.Experiment(
        [
            cs.Scenario("blame", policy="blame"),
            cs.Scenario("just", policy="just_culture", params={"alpha_support": 0.05}),
        ],
        replicates=4,
        years=2,
        seed=11,
    )


@pytest.fixture
def small_experiment() -> cs.Experiment:
    """The small experiment many tests share: 'blame' and 'just' (alpha_support 0.05) on common
    random numbers, 4 replicates x 2 years (25 periods), seed 11."""
    return _small_experiment()


@pytest.fixture(scope="session")
def small_file(tmp_path_factory) -> Path:
    """The small experiment written to an HDF5 file once per session (treat as read-only)."""
    path = tmp_path_factory.mktemp("small") / "small.h5"
    _small_experiment().run(path, progress=False)
    return path


@pytest.fixture(scope="session")
def small_result(small_file) -> cs.ExperimentResult:
    """The ExperimentResult of small_file, loaded in memory."""
    return cs.open_results(small_file).load()


_SEED_CLAIMS = pytest.StashKey[list]()


@pytest.fixture
def seed_claims(request) -> list[str]:
    """Lines of statistics a seed-claim test records; printed in pytest's closing summary."""
    return request.config.stash.setdefault(_SEED_CLAIMS, [])


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    lines = config.stash.get(_SEED_CLAIMS, [])
    if lines:
        terminalreporter.section("seed claims: statistics over replicates (common random numbers)")
        for line in lines:
            terminalreporter.write_line(line)
