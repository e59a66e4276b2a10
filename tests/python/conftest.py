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


@pytest.fixture
def render_in_chromium():
    """Opens an HTML file in Debian's headless chromium (through Playwright) and returns what a reader
    sees: each image (ok, natural w and h, shown width) and each table (rows, height, cells); saves a
    full-page screenshot. Fails in CI when chromium or playwright is missing, skips elsewhere."""
    import shutil

    def render(page_file, screenshot):
        browser_path = shutil.which("chromium") or shutil.which("chromium-browser")
        try:
            from playwright.sync_api import sync_playwright
        except ImportError:
            sync_playwright = None
        if browser_path is None or sync_playwright is None:
            if os.environ.get("CI"):
                pytest.fail("CI needs Debian's chromium and the playwright package (tools/setup.sh installs both)")
            pytest.skip("needs chromium (apt-get install chromium) and playwright (pip install playwright)")
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=browser_path, args=["--no-sandbox", "--disable-dev-shm-usage"])
            try:
                page = browser.new_page(viewport={"width": 1200, "height": 900})
                errors: list[str] = []
                page.on("pageerror", lambda e: errors.append(str(e)))
                page.goto(page_file.as_uri(), wait_until="load")
                images = page.evaluate(
                    "() => Array.from(document.images).map(i => ({ok: i.complete, w: i.naturalWidth, "
                    "h: i.naturalHeight, shown: i.getBoundingClientRect().width}))"
                )
                tables = page.evaluate(
                    "() => Array.from(document.querySelectorAll('table')).map(t => ({rows: t.rows.length,"
                    " height: t.getBoundingClientRect().height, cells: t.querySelectorAll('td').length}))"
                )
                page.screenshot(path=str(screenshot), full_page=True)
            finally:
                browser.close()
        assert errors == []
        return images, tables

    return render
