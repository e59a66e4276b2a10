"""The printed examples of the docs are what the engine prints today (tools/doc_examples.py)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCS = [ROOT / "docs" / "cli.md"]


@pytest.mark.slow
@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_every_printed_example_is_current(doc, subprocess_env):
    done = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "doc_examples.py"), "--check", str(doc)],
        capture_output=True,
        text=True,
        env=subprocess_env,
        timeout=1800,
    )
    assert done.returncode == 0, (
        "a printed example went stale; regenerate on purpose with "
        f"`python tools/doc_examples.py --write {doc.relative_to(ROOT)}`:\n{done.stderr}"
    )


def test_the_checker_masks_only_durations_and_sizes():
    sys.path.insert(0, str(ROOT / "tools"))
    try:
        from doc_examples import mask
    finally:
        sys.path.remove(str(ROOT / "tools"))
    assert (
        mask("Results: r.h5 (1.4 MB; simulation took 1 min 28 s)") == "Results: r.h5 (<size>; simulation took <time>)"
    )
    assert mask("harm_events  1,560  -10.5%") == "harm_events  1,560  -10.5%"


def test_the_readme_error_example_is_what_the_command_prints(tmp_path, subprocess_env):
    # README quotes the message a misspelt parameter gets; the command must print exactly that.
    readme = (ROOT / "README.md").read_text()
    quoted = readme[readme.index("`culturesim: error: exp.toml") + 1 :]
    quoted = " ".join(quoted[: quoted.index("`")].split())  # the README wraps it over lines
    (tmp_path / "exp.toml").write_text("[params]\nalpha_bse = 1\n")
    done = subprocess.run(
        [sys.executable, "-m", "culturesim", "run", "exp.toml", "-o", "x.h5"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=subprocess_env,
        timeout=600,
    )
    assert done.returncode == 2
    assert done.stderr.strip() == quoted
    assert not (tmp_path / "x.h5").exists()
