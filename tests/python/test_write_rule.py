"""Issue 18, "Data lost or mixed": the one rule of every command that writes (culturesim.safe_write,
docs/safety.md). Each test is named for the case of the issue it pins down."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import h5py
import numpy as np
import pytest

import culturesim as cs
from culturesim import cli, safe_write

TINY = """
years = 0.1
replicates = 2
seed = 3
warmup_years = 0
name = "tiny"
"""


def digest(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def run_cli(*args) -> int:
    return cli.main([str(a) for a in args])


@pytest.fixture
def tiny(tmp_path) -> Path:
    path = tmp_path / "tiny.toml"
    path.write_text(TINY)
    return path


@pytest.fixture
def results(tmp_path, tiny) -> Path:
    out = tmp_path / "results.h5"
    assert run_cli("run", tiny, "-o", out, "--no-progress") == 0
    return out


def tiny_posterior(path: Path) -> cs.Posterior:
    post = cs.Posterior(["coach_effect"], np.array([[0.1], [0.3]]), np.array([0.25, 0.75]))
    post.save(path)
    return post


def never_simulate(monkeypatch):
    """Fails the test if an experiment starts: refusals must come before any work."""

    def refuse(*args, **kwargs):
        raise AssertionError("an experiment was run although the command should have been refused first")

    monkeypatch.setattr(cs.Experiment, "run", refuse)


# -- outputs against inputs and each other ---------------------------------------------------------
def test_demo_figure_with_the_results_name_is_refused_before_simulating(tmp_path, monkeypatch, capsys):
    never_simulate(monkeypatch)
    out = tmp_path / "d.png"
    assert run_cli("demo", "-o", out, "--figure", out, "--no-progress") == 2
    err = capsys.readouterr().err
    assert "are the same file" in err and "--figure" in err
    assert not out.exists()


def test_merge_force_never_turns_a_scenario_toml_into_hdf5(tmp_path, results, tiny, capsys):
    before = digest(tiny)
    assert run_cli("merge", results, "-o", tiny, "--force") == 2
    assert "replaces only results files" in capsys.readouterr().err
    assert digest(tiny) == before
    text = tmp_path / "notes.txt"
    text.write_text("my notes\n")
    assert run_cli("merge", results, "-o", text, "--force") == 2
    assert text.read_text() == "my notes\n"


def test_run_force_refuses_a_posterior_and_a_foreign_hdf5_file(tmp_path, tiny, capsys):
    post = tmp_path / "posterior.h5"
    tiny_posterior(post)
    foreign = tmp_path / "foreign.h5"
    with h5py.File(foreign, "w") as f:
        f["data"] = np.arange(3)
    for victim, kind in ((post, "culturesim posterior file"), (foreign, "HDF5 file of another program")):
        before = digest(victim)
        assert run_cli("run", tiny, "-o", victim, "--force", "--no-progress") == 2
        err = capsys.readouterr().err
        assert "replaces only results files" in err and kind in err
        assert digest(victim) == before
    with pytest.raises(ValueError, match="force=True replaces only results files"):
        cs.Experiment(["blame"], replicates=1, years=0.1, warmup_years=0).run(post, force=True, progress=False)


def test_calibrate_force_refuses_a_results_file(results, capsys):
    before = digest(results)
    assert run_cli("calibrate", "-o", results, "--force", "--no-progress") == 2
    assert "replaces only posterior files" in capsys.readouterr().err
    assert digest(results) == before


def test_report_and_plot_force_replace_only_their_own_kind(tmp_path, results, tiny, capsys):
    page = tmp_path / "index.html"
    page.write_text("<!DOCTYPE html><html><body>my own page</body></html>")
    before = digest(page)
    assert run_cli("report", results, "-o", page, "--force") == 2
    assert "replaces only culturesim reports" in capsys.readouterr().err
    assert digest(page) == before
    assert run_cli("plot", results, "-o", tmp_path / "fig.txt") == 2
    assert "the suffix must be .png, .svg or .pdf" in capsys.readouterr().err


# -- --force writes aside and replaces only when complete ----------------------------------------
def test_force_keeps_the_old_results_until_the_new_ones_are_complete(tmp_path, results, monkeypatch):
    """Replacing fails half-way (here: the engine raises): the old file is as it was, nothing aside is left."""
    from culturesim import _running

    before = digest(results)

    def failing(*args, **kwargs):
        assert ".results.replacing." in kwargs["path"]  # the new file is written aside
        raise KeyboardInterrupt

    monkeypatch.setattr(_running, "call_engine", failing)
    monkeypatch.setattr("culturesim.experiment.call_engine", failing)
    exp = cs.Experiment(["blame"], replicates=1, years=0.1, warmup_years=0)
    with pytest.raises(KeyboardInterrupt):
        exp.run(results, force=True, progress=False)
    assert digest(results) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results.h5", "tiny.toml"]
    assert str(results) in safe_write.discarded


def test_force_replaces_a_results_file_once_complete(results, tiny):
    exp = cs.Experiment(["just_culture"], replicates=1, years=0.1, warmup_years=0)
    res = exp.run(results, force=True, progress=False)
    assert res.scenarios == ["just_culture"] and cs.open_results(results).scenarios == ["just_culture"]
    assert sorted(p.name for p in results.parent.iterdir()) == ["results.h5", "tiny.toml"]


def test_interrupted_cli_force_says_the_old_file_was_left(tmp_path, results, tiny, monkeypatch, capsys):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr("culturesim.experiment.call_engine", interrupted)
    before = digest(results)
    assert run_cli("run", tiny, "-o", results, "--force", "--no-progress") == 130
    assert "was left as it was" in capsys.readouterr().err
    assert digest(results) == before


def test_calibrate_force_keeps_the_old_posterior_after_an_interruption(tmp_path, monkeypatch):
    from culturesim import calibration

    path = tmp_path / "p.h5"
    tiny_posterior(path)
    (tmp_path / "p.h5.abc.db").write_bytes(b"old database")
    before = digest(path)

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(calibration, "simulate", interrupted)
    with pytest.raises(KeyboardInterrupt):
        cs.calibrate(
            path,
            particles=4,
            generations=1,
            years=1,
            warmup_years=1,
            cores=1,
            progress=False,
            params=["coach_effect"],
            targets=["burnout_nurses"],
            force=True,
        )
    assert digest(path) == before
    assert (tmp_path / "p.h5.abc.db").read_bytes() == b"old database"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p.h5", "p.h5.abc.db"]


# -- two --force writers at once ---------------------------------------------------------------------
def test_concurrent_force_writers_loser_says_so_in_its_own_words(results, tiny, capsys):
    """While one command replaces the file (it holds the lock), a second --force stops at once."""
    before = digest(results)
    holder = safe_write.Replacement(str(results), force=True)
    try:
        assert run_cli("run", tiny, "-o", results, "--force", "--no-progress") == 2
        err = capsys.readouterr().err
        assert "another culturesim command is writing or replacing" in err and "wrote nothing" in err
        assert "h5clear" not in err
        assert digest(results) == before
    finally:
        holder.discard()


def test_concurrent_force_writers_exactly_one_wins(tmp_path, results, tiny, subprocess_env):
    """Two processes replace the same file: the first holds the lock until its rename (it is
    started first and observed holding it), so the second is refused and the winner's file stays."""
    slow = tmp_path / "slow.toml"
    slow.write_text(TINY.replace("years = 0.1", "years = 60").replace('name = "tiny"', 'name = "slow"'))
    cmd = [sys.executable, "-m", "culturesim", "run"]
    first = subprocess.Popen(
        [*cmd, str(slow), "-o", str(results), "--force", "--no-progress", "--threads", "1"],
        env=subprocess_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    aside = Path(safe_write.aside_name(str(results)).replace(f".{os.getpid()}.", f".{first.pid}."))
    while not aside.exists() and first.poll() is None:  # the event: the winner is writing aside
        os.sched_yield()
    assert first.poll() is None, "the first writer finished before it was observed writing"
    second = subprocess.run(
        [*cmd, str(tiny), "-o", str(results), "--force", "--no-progress"],
        env=subprocess_env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    out, err = first.communicate(timeout=600)
    assert first.returncode == 0, err
    assert second.returncode == 2 and "another culturesim command is writing or replacing" in second.stderr
    assert cs.open_results(results).scenarios == ["slow"]


# -- resume of a finished file -------------------------------------------------------------------------
def test_resume_of_a_finished_file_changes_no_byte(results, tiny, capsys):
    before = digest(results)
    for _ in range(3):
        assert run_cli("run", tiny, "-o", results, "--resume", "--no-progress") == 0
        assert "Nothing to run" in capsys.readouterr().out
        assert digest(results) == before
    exp = cs.toml_io.load_experiment(tiny)
    exp.run(results, resume=True, progress=False)
    assert digest(results) == before


# -- content pinning -----------------------------------------------------------------------------------
def test_resume_refuses_a_start_file_replaced_at_the_same_path(tmp_path):
    start = tmp_path / "today.h5"
    cs.Experiment(["typical"], replicates=2, years=0.2, warmup_years=0, save_state=True, seed=4).run(
        start, progress=False
    )
    exp = cs.Experiment(["typical", "just_culture"], replicates=2, years=0.1, start=start)
    out = tmp_path / "next.h5"
    exp.run(out, runs=[(0, 0)], progress=False)
    with h5py.File(out) as f:
        assert f.attrs["start_file"].decode() == "today.h5"  # relative to the output, never absolute
    # The start file is replaced at the same path by other states (same seed, another length).
    cs.Experiment(["typical"], replicates=2, years=0.3, warmup_years=0, save_state=True, seed=4).run(
        start, force=True, progress=False
    )
    before = digest(out)
    with pytest.raises(OSError, match="start file .* has changed since this file was begun"):
        exp.run(out, resume=True, progress=False)
    assert digest(out) == before


def test_resume_refuses_a_start_that_is_a_fifo(tmp_path):
    fifo = tmp_path / "start.h5"
    os.mkfifo(fifo)
    with pytest.raises((OSError, ValueError), match="not a regular file"):
        cs.Experiment(["typical"], replicates=1, years=0.1, start=fifo, seed=0).run(tmp_path / "o.h5", progress=False)


def test_posterior_bit_flip_is_refused_naming_the_file(tmp_path):
    path = tmp_path / "p.h5"
    tiny_posterior(path)
    with h5py.File(path) as f:
        offset = f["particles/values"].id.get_offset()
    raw = bytearray(path.read_bytes())
    raw[offset + 7] ^= 0x01  # 0.1 -> another value: the exponent's lowest bit
    path.write_bytes(bytes(raw))
    with pytest.raises(OSError, match=r"posterior file '.*p\.h5' is damaged: its contents do not match their checksum"):
        cs.open_posterior(path)


def test_posterior_files_carry_kind_and_checksum_and_the_shipped_one_loads():
    post = cs.open_posterior()
    with h5py.File(post.path) as f:
        assert f.attrs["kind"] in (b"posterior", "posterior") and f.attrs["format_version"] == 2
        assert f.attrs["checksum"].startswith("sha256:")
    assert len(post) > 0


def test_resume_refuses_a_changed_posterior(tmp_path):
    post = cs.Posterior(["coach_effect"], np.array([[0.1], [0.3]]), np.array([0.5, 0.5]))
    out = tmp_path / "draws.h5"
    cs.Experiment(["typical"], params=post, draws=2, replicates=1, years=0.1, warmup_years=0).run(
        out, runs=[(0, 0)], progress=False
    )
    changed = cs.Posterior(["coach_effect"], np.array([[0.2], [0.4]]), np.array([0.5, 0.5]))
    with pytest.raises(OSError, match="parameter draw differs: the posterior or the draws changed"):
        cs.Experiment(["typical"], params=changed, draws=2, replicates=1, years=0.1, warmup_years=0).run(
            out, resume=True, progress=False
        )


def test_what_a_file_is_comes_from_the_engine_not_from_h5py(tmp_path, results):
    """The kind of an existing output is read by the engine (bounded, read-only), so a damaged
    file is never handed to h5py to find out what it is."""
    from culturesim import _engine

    post = tmp_path / "p.h5"
    tiny_posterior(post)
    foreign = tmp_path / "foreign.h5"
    with h5py.File(foreign, "w") as f:
        f.attrs["format"] = np.bytes_(b"something else")  # ASCII, not the engine's UTF-8
    text = tmp_path / "t.txt"
    text.write_text("hello")
    damaged = tmp_path / "damaged.h5"
    damaged.write_bytes(results.read_bytes()[:700])
    assert _engine.file_format(str(results)) == "culturesim-results"
    assert _engine.file_format(str(post)) == "culturesim-posterior"
    assert _engine.file_format(str(foreign)) == "?" and _engine.file_format(str(text)) == ""
    kinds = {p.name: safe_write.kind_of(str(p)) for p in (results, post, foreign, text, damaged)}
    assert kinds == {
        "results.h5": "results",
        "p.h5": "posterior",
        "foreign.h5": "an HDF5 file of another program",
        "t.txt": "a text file",
        "damaged.h5": "a damaged HDF5 file",
    }


def test_a_version_1_posterior_is_upgraded_with_every_value_unchanged(tmp_path):
    from culturesim import posterior

    path = tmp_path / "old.h5"
    tiny_posterior(path)
    with h5py.File(path, "r+") as f:  # as version 1 wrote it: no kind, no checksum
        del f.attrs["kind"], f.attrs["checksum"]
        f.attrs["format_version"] = 1
    old = cs.open_posterior(path)
    posterior.upgrade(path)
    new = cs.open_posterior(path)
    with h5py.File(path) as f:
        assert f.attrs["format_version"] == 2 and f.attrs["checksum"].startswith("sha256:")
    assert np.array_equal(old.values, new.values) and np.array_equal(old.weights, new.weights)
    assert old.settings == new.settings and old.provenance == new.provenance
