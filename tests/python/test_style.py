"""Python style: `ruff check` (rules in pyproject.toml: pyflakes, pycodestyle, sorted imports, no
imports from parent packages) passes on the package and the tests."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.skipif(importlib.util.find_spec("ruff") is None, reason="ruff is not installed (pip install .[test])")
@pytest.mark.skipif(not (ROOT / "pyproject.toml").exists(), reason="needs the source tree")
def test_ruff_check_passes():
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "ruff",
            "check",
            "--no-cache",
            "--output-format",
            "concise",
            str(ROOT / "bindings"),
            str(ROOT / "tests" / "python"),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.skipif(importlib.util.find_spec("ruff") is None, reason="ruff is not installed (pip install .[test])")
@pytest.mark.skipif(not (ROOT / "pyproject.toml").exists(), reason="needs the source tree")
def test_the_code_is_formatted():
    """The code base was formatted once (`ruff format`, `clang-format -i` with .clang-format); Python
    stays formatted. (C++ is not checked here: clang-format is not a dependency of the tests.)"""
    dirs = [str(ROOT / d) for d in ("bindings", "tests", "tools", "benchmarks")]
    result = subprocess.run(
        [sys.executable, "-m", "ruff", "format", "--check", "--no-cache", *dirs], capture_output=True, text=True
    )
    assert result.returncode == 0, "run `ruff format bindings tests tools benchmarks`:\n" + result.stdout
