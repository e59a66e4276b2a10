"""Resume: a sweep killed with SIGKILL mid-run keeps every finished run, and Experiment.run(path,
resume=True) completes it without recomputing them, into datasets identical to an uninterrupted sweep."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

import h5py
import numpy as np
import pytest

import culturesim as cs
from culturesim import _engine

# 2 x 6 runs of 20 years: several seconds on one thread, so the kill lands mid-sweep.
SWEEP = dict(replicates=6, years=20, seed=7)
SCENARIOS = ["blame", "just_culture"]

WRITER = textwrap.dedent(f"""
    import sys
    import culturesim as cs
    exp = cs.Experiment({SCENARIOS!r}, **{SWEEP!r})
    print("started", flush=True)
    exp.run(sys.argv[1], progress=False, threads=1)
""")


@pytest.fixture
def computed(monkeypatch):
    """Records how many runs each engine call of Experiment.run computed (run_experiment's return value)."""
    counts: list[int] = []
    real = _engine.run_experiment

    def counting(*args, **kwargs):
        n = real(*args, **kwargs)
        counts.append(n)
        return n

    monkeypatch.setattr(_engine, "run_experiment", counting)
    return counts


def read_done(path, swmr=False):
    """The /done mask, or None while the writer holds the file in a state a reader cannot open."""
    try:
        with h5py.File(path, "r", locking=False, swmr=swmr) as f:
            return f["done"][...].astype(bool)
    except (OSError, KeyError):
        return None


def read_series(path):
    with h5py.File(path, "r", locking=False) as f:
        return {name: d[...] for name, d in f["series"].items()}, f["done"][...].astype(bool)


def kill_mid_sweep(path, tmp_path, env):
    """Starts a sweep in a subprocess and SIGKILLs it once some but not all runs are done."""
    script = tmp_path / "writer.py"
    script.write_text(WRITER)
    proc = subprocess.Popen(
        [sys.executable, str(script), str(path)], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    total = len(SCENARIOS) * SWEEP["replicates"]
    deadline = time.monotonic() + 120
    try:
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                pytest.fail(
                    f"the sweep ended before it could be killed (status {proc.returncode}): {proc.stderr.read()}"
                )
            done = read_done(path) if path.exists() else None
            if done is not None and 2 <= done.sum() <= total - 3:
                os.kill(proc.pid, signal.SIGKILL)
                proc.wait(timeout=30)
                return
            time.sleep(0.02)
        pytest.fail("the sweep did not finish two runs in time")
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stdout.close()
        proc.stderr.close()


def test_a_sweep_killed_mid_run_resumes_to_the_uninterrupted_result(tmp_path, subprocess_env, computed):
    path = tmp_path / "killed.h5"
    kill_mid_sweep(path, tmp_path, subprocess_env)

    # Every run marked done is readable after the kill (the writer may have left SWMR marks).
    done = read_done(path)
    if done is None:
        done = read_done(path, swmr=True)
    assert done is not None and 2 <= done.sum() < done.size
    with h5py.File(path, "r", locking=False, swmr=True) as f:
        before = {name: d[...] for name, d in f["series"].items()}
    for name, values in before.items():
        assert not np.isnan(values[done]).any(), name
    assert sorted(os.listdir(tmp_path)) == ["killed.h5", "writer.py"]

    exp = cs.Experiment(SCENARIOS, **SWEEP)
    resumed = exp.run(path, resume=True, progress=False)
    assert resumed.complete
    assert computed == [int((~done).sum())]  # only the unfinished runs were computed

    after, after_done = read_series(path)
    assert after_done.all()
    for name in before:  # the finished runs were not rewritten
        assert after[name][done].tobytes() == before[name][done].tobytes(), name

    reference = exp.run(tmp_path / "reference.h5", progress=False)
    for name in cs.OUTPUT_NAMES:
        assert after[name].tobytes() == reference.data[name].tobytes(), name
    with h5py.File(path, "r") as f, h5py.File(tmp_path / "reference.h5", "r") as g:
        assert dict(f.attrs).keys() == dict(g.attrs).keys()
        for key in f.attrs:
            assert np.array_equal(f.attrs[key], g.attrs[key]), key
        for s in SCENARIOS:
            assert f[f"scenarios/{s}/definition"][()] == g[f"scenarios/{s}/definition"][()]


def test_resuming_a_complete_file_computes_nothing(tmp_path, computed):
    path = tmp_path / "r.h5"
    exp = cs.Experiment(["blame", "just_culture"], replicates=3, years=1, seed=2)
    first = exp.run(path, progress=False)
    started = time.monotonic()
    again = exp.run(path, resume=True, progress=False)
    assert computed == [6, 0]
    assert time.monotonic() - started < 2.0
    for name in cs.OUTPUT_NAMES:
        assert again.data[name].tobytes() == first.data[name].tobytes(), name


def test_resume_finishes_a_partial_file_and_creates_a_missing_one(tmp_path, computed):
    exp = cs.Experiment(["blame", "just_culture"], replicates=3, years=1, seed=2)
    path = tmp_path / "partial.h5"
    exp.run(path, runs=[(0, 0), (1, 2)], progress=False)
    done = exp.run(path, resume=True, progress=False)
    fresh = exp.run(tmp_path / "new.h5", resume=True, progress=False)  # nothing to resume: a new file
    assert computed == [2, 4, 6]
    for name in cs.OUTPUT_NAMES:
        assert done.data[name].tobytes() == fresh.data[name].tobytes(), name


@pytest.mark.parametrize(
    "change, what",
    [
        (dict(seed=3), "its seed differs"),
        (dict(years=2), r"periods differ \(file has 12, experiment has 24\)"),  # months
        (dict(replicates=4), r"replicates differ \(file has 3, experiment has 4\)"),
        (
            dict(scenarios=["blame", cs.Scenario("just_culture", policy="just_culture", params={"alpha_base": 0.02})]),
            "scenario 'just_culture' is defined differently",
        ),
    ],
)
def test_resume_refuses_a_file_of_another_experiment(tmp_path, change, what):
    path = tmp_path / "r.h5"
    base = dict(scenarios=["blame", "just_culture"], replicates=3, years=1, seed=2)
    cs.Experiment(**base).run(path, runs=[(0, 0)], progress=False)
    before, before_done = read_series(path)
    with pytest.raises(OSError, match=what):
        cs.Experiment(**{**base, **change}).run(path, resume=True, progress=False)
    # Nothing written is lost. (Not byte-for-byte: the engine's recovery step on opening for resume
    # reserves space past the stored end of the file before the experiment check refuses it.)
    after, after_done = read_series(path)
    assert np.array_equal(after_done, before_done)
    for name in before:
        assert after[name].tobytes() == before[name].tobytes(), name
    assert cs.Experiment(**base).run(path, resume=True, progress=False).complete
