"""The notebooks of notebooks/ run top to bottom, and are committed clean.

Each notebook is executed in a fresh python3 kernel with nbclient, as an analyst would run it: the
test fails if any cell raises (nbclient's CellExecutionError names the cell and the traceback) or
if a cell prints a warning. The kernel inherits this process's environment, with the imported
culturesim first on PYTHONPATH and matplotlib's notebook (inline) backend, so figures are drawn for
real. Notebooks that take more than about 20 s here are marked slow (skip them with -m 'not slow');
a notebook this file does not know yet is assumed slow.

Fast checks beside them: every notebook is committed with its outputs cleared, names the python3
kernel, and uses only the public API (no private names of culturesim).
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

NOTEBOOKS_DIR = Path(__file__).resolve().parents[2] / "notebooks"
NOTEBOOKS = sorted(NOTEBOOKS_DIR.glob("[0-9][0-9]_*.ipynb"))

#: Notebooks that run in well under 20 s on two cores; every other one is marked slow.
FAST = {"01_quickstart", "04_distress_bucket", "05_sensitivity", "06_calibration"}

#: A cell that takes longer than this (seconds) fails the test: far above each notebook's budget
#: (two minutes for the whole notebook), so it only catches a hang.
CELL_TIMEOUT = 600

pytestmark = pytest.mark.skipif(not NOTEBOOKS, reason="notebooks/ is not beside an installed package")


def _marks(path: Path):
    return [] if path.stem in FAST else [pytest.mark.slow]


def _read(path: Path):
    import nbformat

    return nbformat.read(path, as_version=4)


def test_the_issue_notebooks_are_present():
    names = {p.stem for p in NOTEBOOKS}
    for name in [
        "01_quickstart",
        "02_blame_vs_just_culture",
        "03_interventions",
        "04_distress_bucket",
        "05_sensitivity",
        "06_calibration",
        "07_uncertainty",
        "08_board_questions",
        "10_your_hospital",
    ]:
        assert name in names, f"notebooks/{name}.ipynb is missing"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_is_committed_clean(path):
    import nbformat

    nb = _read(path)
    nbformat.validate(nb)
    assert nb.metadata.get("kernelspec", {}).get("name") == "python3", f"{path.name}: kernel must be python3"
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        assert cell.get("outputs") == [], f"{path.name} cell {i}: outputs must be cleared before committing"
        assert cell.get("execution_count") is None, f"{path.name} cell {i}: execution count must be cleared"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_uses_only_the_public_api(path):
    source = "\n".join(c.source for c in _read(path).cells if c.cell_type == "code")
    assert "import culturesim as cs" in source, f"{path.name} does not import culturesim as cs"
    private = re.findall(
        r"\b(?:culturesim|cs)\._[A-Za-z]\w*|\bfrom culturesim\.\w+ import|\bimport culturesim\.\w+|"
        r"\.\_(?:index|data|engine)\b",
        source,
    )
    assert not private, f"{path.name} uses private names: {sorted(set(private))}"


def _kernel_env(subprocess_env: dict[str, str]) -> dict[str, str]:
    env = dict(subprocess_env)
    env.pop("MPLBACKEND", None)  # the kernel picks matplotlib's inline backend, as in Jupyter
    return env


# jupyter_client may warn about its own deprecations (paths, datetime handling) while it starts
# the kernel or reads messages; those come from the notebook machinery, not from culturesim or the
# notebooks, so they are not errors here. Warnings inside the kernel are checked below instead.
@pytest.mark.filterwarnings("ignore::DeprecationWarning:jupyter_client")
@pytest.mark.filterwarnings("ignore::DeprecationWarning:jupyter_core")
@pytest.mark.filterwarnings("ignore::DeprecationWarning:zmq")
@pytest.mark.parametrize("path", [pytest.param(p, marks=_marks(p), id=p.stem) for p in NOTEBOOKS])
def test_notebook_runs(path, subprocess_env, record_property):
    from nbclient import NotebookClient

    nb = _read(path)
    client = NotebookClient(
        nb, timeout=CELL_TIMEOUT, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOKS_DIR)}}
    )
    start = time.perf_counter()
    client.execute(env=_kernel_env(subprocess_env))  # CellExecutionError if a cell raises
    seconds = time.perf_counter() - start
    record_property("seconds", round(seconds, 1))
    print(f"{path.name}: {seconds:.1f} s")

    warnings = []
    for i, cell in enumerate(nb.cells):
        for out in cell.get("outputs", []):
            if out.get("output_type") == "stream" and out.get("name") == "stderr" and "Warning" in out.get("text", ""):
                warnings.append(f"cell {i}: {out['text'].strip()[:500]}")
    assert not warnings, f"{path.name} printed warnings:\n" + "\n".join(warnings)
    images = sum("image/png" in out.get("data", {}) for cell in nb.cells for out in cell.get("outputs", []))
    assert images >= 1, f"{path.name} drew no figure"


# -- the helpers the notebooks use (cs.plotting) ----------------------------------------------------


class _FakeResult:
    """The part of an ExperimentResult the helpers read: two scenarios, one replicate, yearly
    periods, a level 'psych_safety_mean' and a flow 'reports'."""

    scenarios = ["intervention", "just_culture"]

    def __init__(self, level, flow, reference_level, reference_flow, days=365):
        import numpy as np

        n = len(level)
        self.period_start_day = np.arange(n) * days
        self.period_days = np.full(n, days)
        self._series = {
            "psych_safety_mean": np.array([[level], [[reference_level] * n]], dtype=float),
            "reports": np.array([[flow], [[reference_flow] * n]], dtype=float),
        }

    def __getitem__(self, metric):
        return self._series[metric]

    def _index(self, name):
        return self.scenarios.index(name)


def test_time_to_recovery_follows_its_definition():
    import numpy as np

    import culturesim as cs

    # intervention at year 2: baseline = year 1 (0.2), target 0.8; 90% of the way is 0.74,
    # first reached by the period starting at year 4, which ends 3 years after the intervention
    res = _FakeResult(level=[0.2, 0.2, 0.4, 0.7, 0.75, 0.8], flow=[100] * 6, reference_level=0.8, reference_flow=100)
    r = cs.plotting.time_to_recovery(res, "intervention", "psych_safety_mean", at_year=2)
    assert r["baseline"] == pytest.approx(0.2) and r["target"] == pytest.approx(0.8)
    assert r["reached"] and r["years"] == pytest.approx(3.0)
    assert r["progress"] == pytest.approx(1.0)
    # a lower bar is reached sooner; a metric that never moves is not reached
    assert cs.plotting.time_to_recovery(res, "intervention", "psych_safety_mean", 2, fraction=0.5)["years"] == 2.0
    flat = cs.plotting.time_to_recovery(_FakeResult([0.2] * 6, [100] * 6, 0.8, 200), "intervention", "reports", 2)
    assert not flat["reached"] and np.isnan(flat["years"]) and flat["progress"] == pytest.approx(0.0)
    # flows are compared as rates per year, so 30-day periods give the same answer as yearly ones
    monthly = _FakeResult([0.2] * 48, [100 * 30 / 365] * 24 + [200 * 30 / 365] * 24, 0.8, 200 * 30 / 365, days=30)
    r = cs.plotting.time_to_recovery(monthly, "intervention", "reports", at_year=24 * 30 / 365)
    assert r["baseline"] == pytest.approx(100) and r["target"] == pytest.approx(200)
    assert r["reached"] and r["years"] == pytest.approx(30 / 365)
    table = cs.plotting.recovery_table(res, 2, ["psych_safety_mean", "reports"])
    assert list(table.index) == [("intervention", "psych_safety_mean"), ("intervention", "reports")]
    assert cs.plotting.plot_recovery(table) is not None
    with pytest.raises(ValueError, match="no period before"):
        cs.plotting.time_to_recovery(res, "intervention", "reports", at_year=0)
