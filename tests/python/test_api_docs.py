"""The examples of docs/python-api.md run and print what the page says."""

from __future__ import annotations

import doctest
from pathlib import Path

import pytest

import culturesim as cs

PAGE = Path(__file__).resolve().parents[2] / "docs" / "python-api.md"


@pytest.mark.skipif(not PAGE.exists(), reason="docs/ is not beside an installed package")
def test_python_api_examples(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # nothing an example writes lands in the repository
    result = doctest.testfile(
        str(PAGE),
        module_relative=False,
        globs={"cs": cs},
        optionflags=doctest.ELLIPSIS,
        raise_on_error=False,
        report=True,
    )
    assert result.attempted > 50
    assert result.failed == 0, f"{result.failed} example(s) of {PAGE.name} failed; see the output above"
