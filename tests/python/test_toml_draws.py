"""Experiment files over parameter draws ([params] posterior = ..., draws = N): the very file the
Python route writes, on every executor and through `culturesim info --toml`, with clear errors."""

from __future__ import annotations

import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import h5py
import numpy as np
import pytest

import culturesim as cs
from culturesim import _engine, toml_io
from culturesim.posterior import SHIPPED
from test_cli import bad, culturesim, ok

EXPERIMENT = """
years = 1
replicates = 2
seed = 3
warmup_years = 0

[params]
posterior = "default"
draws = 3

[[scenarios]]
name = "typical"
policy = "typical"

[[scenarios]]
name = "just"
policy = "just_culture"
[scenarios.params]
alpha_support = 0.05
"""


def python_route(**kw) -> cs.Experiment:
    """The experiment of EXPERIMENT, written in Python."""
    scenarios = [
        cs.Scenario("typical", policy="typical"),
        cs.Scenario("just", policy="just_culture", params=cs.default_params(alpha_support=0.05)),
    ]
    args = dict(years=1, replicates=2, seed=3, warmup_years=0, params=cs.open_posterior(), draws=3)
    args.update(kw)
    return cs.Experiment(scenarios, **args)


def write(folder: Path, text: str = EXPERIMENT, name: str = "exp.toml") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def assert_same_file(a: Path, b: Path) -> None:
    """Every series bit for bit, the runs done, and each scenario's stored definition."""
    with h5py.File(a, "r") as x, h5py.File(b, "r") as y:
        assert sorted(x["series"]) == sorted(y["series"])
        for name in x["series"]:
            assert np.array_equal(x[f"series/{name}"][...], y[f"series/{name}"][...], equal_nan=True), name
        assert np.array_equal(x["done"][...], y["done"][...]) and x["done"][...].all()
        assert list(x["coords/scenario"].asstr()[:]) == list(y["coords/scenario"].asstr()[:])
        for s in x["coords/scenario"].asstr()[:]:
            assert x[f"scenarios/{s}/definition"][()] == y[f"scenarios/{s}/definition"][()], s


@pytest.fixture(scope="module")
def python_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("python") / "python.h5"
    python_route().run(path, progress=False)
    return path


# -- reading -----------------------------------------------------------------------------------
def test_a_file_over_draws_is_the_python_experiment(tmp_path):
    exp = toml_io.load_experiment(write(tmp_path))
    py = python_route()
    assert (
        repr(exp)
        == repr(py)
        == ("Experiment(2 scenarios x 3 draws x 2 replicates x 1 years, seed 3: 'typical', 'just')")
    )
    assert [s.to_dict() for s in exp.scenarios] == [s.to_dict() for s in py.scenarios]
    # Without draws = N, the Python default number of draws; a path is relative to the file.
    shutil.copyfile(SHIPPED, tmp_path / "mine.h5")
    (tmp_path / "sub").mkdir()
    text = EXPERIMENT.replace('posterior = "default"\ndraws = 3\n', 'posterior = "../mine.h5"\n')
    assert len(toml_io.load_experiment(write(tmp_path / "sub", text)).draw_sets) == len(
        cs.Experiment(["typical"], params=cs.open_posterior()).draw_sets
    )


def test_the_written_file_is_the_python_routes_bit_for_bit(tmp_path, python_file):
    toml_io.load_experiment(write(tmp_path)).run(tmp_path / "toml.h5", progress=False)
    assert_same_file(tmp_path / "toml.h5", python_file)
    res = cs.open_results(tmp_path / "toml.h5")
    assert res.draws == 3 and res.scenarios == ["typical", "just"]


def test_an_executor_and_shards_write_the_same_file(tmp_path, python_file):
    from culturesim import cluster

    exp = toml_io.load_experiment(write(tmp_path))
    with ThreadPoolExecutor(2) as pool:
        exp.run(tmp_path / "pool.h5", executor=pool, progress=False)
    assert_same_file(tmp_path / "pool.h5", python_file)
    parts = [tmp_path / f"part-{i}.h5" for i in range(2)]
    for i, part in enumerate(parts):
        cluster.run_shard(exp, part, i, 2, progress=False)
    cluster.merge(parts, tmp_path / "merged.h5")
    assert_same_file(tmp_path / "merged.h5", python_file)


def test_a_dask_cluster_writes_the_same_file(tmp_path, python_file):
    distributed = pytest.importorskip("distributed")
    from culturesim import cluster

    exp = toml_io.load_experiment(write(tmp_path))
    with (
        distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0") as lc,
        distributed.Client(lc) as client,
    ):
        cluster.run_on_executor(exp, tmp_path / "dask.h5", client, progress=False)
    assert_same_file(tmp_path / "dask.h5", python_file)


# -- the command line --------------------------------------------------------------------------
def test_sweep_run_and_info_toml_round_trip(tmp_path, python_file, subprocess_env):
    write(tmp_path)
    done = ok(culturesim(subprocess_env, tmp_path, "sweep", "exp.toml", "-o", "sweep.h5", "--no-progress"))
    assert "2 scenarios x 3 parameter draws x 2 replicates x 1 years, 12/12 runs done" in done.stdout
    assert_same_file(tmp_path / "sweep.h5", python_file)
    # `run` of one scenario of the file: that scenario over the same draws.
    ok(culturesim(subprocess_env, tmp_path, "run", "exp.toml", "--scenario", "just", "-o", "run.h5"))
    just = python_route().base_scenarios[1]
    one = cs.Experiment([just], years=1, replicates=2, seed=3, warmup_years=0, params=cs.open_posterior(), draws=3)
    one.run(tmp_path / "one.h5", progress=False)
    assert_same_file(tmp_path / "run.h5", tmp_path / "one.h5")
    info = ok(culturesim(subprocess_env, tmp_path, "info", "sweep.h5"))
    assert "2 scenarios x 3 parameter draws x 2 replicates" in info.stdout
    # The stored experiment as a file re-runs it exactly.
    text = ok(culturesim(subprocess_env, tmp_path, "info", "sweep.h5", "--toml")).stdout
    write(tmp_path, text, "again.toml")
    ok(culturesim(subprocess_env, tmp_path, "sweep", "again.toml", "-o", "again.h5", "--no-progress"))
    assert_same_file(tmp_path / "again.h5", python_file)


@pytest.mark.slow
def test_an_mpi_sweep_writes_the_same_file(tmp_path, python_file, subprocess_env):
    from test_cluster import mpi_env, mpiexec_command

    write(tmp_path)
    command = mpiexec_command(3) + [sys.executable, "-m", "mpi4py.futures", "-m", "culturesim"]
    done = subprocess.run(
        command + ["sweep", "exp.toml", "-o", "mpi.h5", "--mpi"],
        env=mpi_env(subprocess_env),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert_same_file(tmp_path / "mpi.h5", python_file)


# -- errors ------------------------------------------------------------------------------------
MAX = _engine.run_limits["max_draws"]


@pytest.mark.parametrize(
    "change, needles",
    [
        (("draws = 3", "draws = 0"), ["exp.toml, line 9: params: 'draws' = 0 is out of range", f"1 to {MAX}"]),
        (("draws = 3", f"draws = {MAX + 1}"), ["line 9", f"1 to {MAX}"]),
        (("draws = 3", 'draws = "3"'), ["line 9", "'draws' must be a whole number"]),
        (('posterior = "default"\n', ""), ["line 8: params: 'draws' needs 'posterior'", '"default"']),
        (('posterior = "default"', "posterior = 1"), ["line 8", "'posterior' must be a non-empty string", '"default"']),
        (
            ('posterior = "default"', 'posterior = "nowhere.h5"'),
            ["line 8: params: posterior", "nowhere.h5", '"default"'],
        ),
        (("alpha_support = 0.05", "draws = 2"), ["scenarios[1].params", "top-level [params]"]),
    ],
)
def test_bad_draws_are_refused_naming_the_field(tmp_path, change, needles):
    path = write(tmp_path, EXPERIMENT.replace(*change))
    with pytest.raises((ValueError, KeyError, OSError)) as info:
        toml_io.load_experiment(path)
    for needle in needles:
        assert needle in str(info.value), (needle, str(info.value))


def test_a_file_that_is_not_a_posterior_is_refused(tmp_path, python_file):
    shutil.copyfile(python_file, tmp_path / "results.h5")
    (tmp_path / "notes.h5").write_text("not HDF5")
    for name in ("results.h5", "notes.h5"):
        path = write(tmp_path, EXPERIMENT.replace('"default"', f'"{name}"'))
        with pytest.raises(OSError, match=f'line 8: params: posterior = "{name}".*not a culturesim posterior'):
            toml_io.load_experiment(path)


def test_the_command_line_says_what_is_wrong_in_one_line(tmp_path, subprocess_env):
    write(tmp_path, EXPERIMENT.replace("draws = 3", "draws = 0"))
    bad(culturesim(subprocess_env, tmp_path, "sweep", "exp.toml", "-o", "out.h5"), "exp.toml, line 9: params: 'draws'")
    assert not (tmp_path / "out.h5").exists()
