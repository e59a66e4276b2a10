"""The results file's guarantees as a user meets them (docs/results-format.md, "Guarantees"):
a refused command changes nothing, old formats and damaged files are clear errors naming the file,
killed creations leave nothing behind, sizes are checked before anything starts, and the
command-line and API inputs that concern the results file get clear messages."""

from __future__ import annotations

import os
import subprocess
import sys

import h5py
import numpy as np
import pytest

import culturesim as cs
from culturesim import _engine
from culturesim.cli import main


def tiny(alpha_base: float | None = None, years: float = 1, replicates: int = 2) -> cs.Experiment:
    params = {} if alpha_base is None else {"alpha_base": alpha_base}
    return cs.Experiment([cs.Scenario("s", policy="blame", params=params)], replicates=replicates, years=years, seed=5)


@pytest.fixture
def written(tmp_path):
    path = tmp_path / "r.h5"
    tiny().run(path, progress=False, runs=[(0, 0)])  # one of two runs done: resumable
    return path


def test_a_refused_resume_of_another_experiment_leaves_every_byte(written):
    before = written.read_bytes()
    with pytest.raises(OSError, match="cannot resume .* defined differently"):
        tiny(alpha_base=0.5).run(written, resume=True, progress=False)
    with pytest.raises(OSError, match="replicates differ"):
        tiny(replicates=3).run(written, resume=True, progress=False)
    assert written.read_bytes() == before
    # The same experiment still resumes it.
    assert tiny().run(written, resume=True, progress=False).complete


def test_reading_never_writes(written):
    before = written.read_bytes()
    res = cs.open_results(written)
    res.load()
    assert written.read_bytes() == before


def test_an_older_format_version_is_refused_with_the_version_named(written):
    with h5py.File(written, "r+") as f:
        f.attrs["format_version"] = 1
    with pytest.raises(OSError, match=r"'.*r.h5' has results format version 1; this culturesim reads version 2"):
        cs.open_results(written)


def test_a_changed_definition_fails_its_checksum(written):
    with h5py.File(written, "r+") as f:
        f.attrs["seed"] = 6
    with pytest.raises(OSError, match=r"'.*r.h5' is damaged: its stored definition .* does not match its checksum"):
        cs.open_results(written)
    with pytest.raises(OSError, match="is damaged"):
        tiny().run(written, resume=True, progress=False)


def test_a_killed_creation_leaves_nothing_that_the_next_one_does_not_clean(tmp_path):
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True, check=True
    )
    path = tmp_path / "r.h5"
    stale = tmp_path / f"r.h5.creating.{int(dead.stdout)}"
    stale.write_bytes(b"half a file")
    tiny().run(path, progress=False)
    assert sorted(os.listdir(tmp_path)) == ["r.h5"]


def test_open_results_of_a_text_file_names_the_file(tmp_path):
    notes = tmp_path / "notes.txt"
    notes.write_text("not a results file\n")
    with pytest.raises(OSError) as info:
        cs.open_results(notes)
    assert str(notes) in str(info.value) and "not a culturesim results file" in str(info.value)


@pytest.mark.parametrize(
    "runs, message",
    [
        ([(0, -1)], r"runs\[0\]: replicate -1 is out of range; allowed 0 to 1"),
        ([(0, 0), (1, 0)], r"runs\[1\]: scenario 1 is out of range; allowed 0 to 0"),
        ([(0, 0.5)], r"runs\[0\]: the replicate index must be a whole number, got 0.5"),
        ([(0,)], r"runs\[0\] must be a \(scenario, replicate\) pair"),
        ([(0, 10**30)], r"runs\[0\]: replicate 1000000000000000000000000000000 is out of range"),
    ],
)
def test_bad_runs_get_a_message_naming_them(tmp_path, runs, message):
    with pytest.raises(ValueError, match=message) as info:
        tiny().run(tmp_path / "r.h5", progress=False, runs=runs)
    assert "Invoked with" not in str(info.value)  # never pybind11's signature dump
    assert not os.listdir(tmp_path)


def test_numpy_run_indices_are_whole_numbers(tmp_path):
    res = tiny().run(tmp_path / "r.h5", progress=False, runs=[(np.int64(0), np.int32(1))])
    assert res.done.tolist() == [[[False, True]]]  # (scenario, draw, replicate)


def test_sizes_are_checked_before_anything_starts(tmp_path):
    with pytest.raises(
        ValueError,
        match=r"would need about .* of memory .* limit of 100.0 kB set with "
        r"--max-memory \(max_memory=\); nothing was started",
    ):
        tiny(years=30).run(tmp_path / "r.h5", progress=False, max_memory=1e5)
    with pytest.raises(ValueError, match=r"would need about .* of disk space .*--max-disk"):
        tiny(years=30).run(tmp_path / "r.h5", progress=False, max_disk=1e3)
    with pytest.raises(ValueError, match="max_memory must be a positive number of bytes"):
        tiny().run(tmp_path / "r.h5", progress=False, max_memory=-1)
    assert not os.listdir(tmp_path)


def test_a_hospital_of_4e8_clinicians_is_refused_before_it_runs(tmp_path):
    units = [
        {"name": f"u{i}", "nurse": 1_000_000, "resident": 1_000_000, "attending": 1_000_000, "pharmacist": 1_000_000}
        for i in range(100)
    ]
    huge = cs.Scenario("huge", hospital={"name": "huge", "units": units})
    with pytest.raises(ValueError, match=r"would need about 64.0 GB of memory \(largest part: state of "):
        cs.Experiment([huge], replicates=1, years=1).run(tmp_path / "r.h5", progress=False, max_memory=32e9)
    with pytest.raises(ValueError, match=r"this run would need about .* of memory"):
        cs.run(huge, years=1, snapshot_every=30, progress=False)
    assert not os.listdir(tmp_path)


def test_cli_refuses_an_empty_output_name(tmp_path, capsys):
    toml = tmp_path / "e.toml"
    assert main(["params"]) == 0
    toml.write_text(capsys.readouterr().out)
    assert main(["sweep", str(toml), "-o", "", "--years", "1", "--replicates", "1", "--no-progress"]) == 2
    assert "the results file name given with -o is empty" in capsys.readouterr().err


def test_cli_never_overwrites_its_input_even_with_force(tmp_path, capsys):
    toml = tmp_path / "e.toml"
    assert main(["params"]) == 0
    toml.write_text(capsys.readouterr().out)
    before = toml.read_bytes()
    for command in ("sweep", "run"):
        assert (
            main([command, str(toml), "-o", str(toml), "--force", "--years", "1", "--replicates", "1", "--no-progress"])
            == 2
        )
        assert f"is the input file '{toml}'" in capsys.readouterr().err
    assert toml.read_bytes() == before


def test_cli_refuses_years_whose_series_cannot_fit(tmp_path, capsys):
    toml = tmp_path / "e.toml"
    assert main(["params"]) == 0
    toml.write_text(capsys.readouterr().out.replace('record_every = "month"', "record_every = 1"))
    out = tmp_path / "r.h5"
    code = main(["sweep", str(toml), "-o", str(out), "--years", "273972", "--replicates", "1", "--no-progress"])
    err = capsys.readouterr().err
    assert code == 2 and "would need about" in err and "nothing was started" in err, err
    assert "Traceback" not in err and not out.exists()
    code = main(
        [
            "sweep",
            str(toml),
            "-o",
            str(out),
            "--years",
            "273972",
            "--replicates",
            "1",
            "--no-progress",
            "--max-memory",
            "1G",
        ]
    )
    assert code == 2 and "limit of 1.1 GB set with --max-memory" in capsys.readouterr().err
    assert not out.exists()


def test_merge_is_the_engines_and_verifies_its_parts(tmp_path):
    exp = tiny(replicates=2)
    a, b = tmp_path / "a.h5", tmp_path / "b.h5"
    exp.run(a, progress=False, runs=[(0, 0)])
    exp.run(b, progress=False, runs=[(0, 1)])
    assert _engine.merge_results([str(a), str(b)], str(tmp_path / "m.h5")) == 2
    whole = exp.run(tmp_path / "whole.h5", progress=False)
    merged = cs.open_results(tmp_path / "m.h5")
    for name in cs.OUTPUT_NAMES:
        assert np.array_equal(merged.data[name], whole.data[name], equal_nan=True)
