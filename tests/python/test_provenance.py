"""Every results file records when it was made, by which software and command, and why; merged
files keep their parts' provenance; damage to it is detected like damage anywhere else."""

from __future__ import annotations

import datetime
import platform
import subprocess
import sys

import h5py
import numpy as np
import pytest

import culturesim as cs
from culturesim import _engine, cli

EXPERIMENT = """
years = 1
replicates = 2
warmup_years = 0

[[scenarios]]
name = "blame"
policy = "blame"

[[scenarios]]
name = "just"
policy = "just_culture"
"""


def test_the_field_names_are_the_engines():
    assert list(cs.provenance.FIELDS) == [f["name"] for f in _engine.provenance_fields()]
    assert {"created", "description", "command", "software.culturesim", "software.python", "software.numpy"} <= set(
        cs.provenance.FIELDS
    )


def test_a_file_records_time_software_command_and_description(tmp_path):
    before = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    res = cs.Experiment(["blame"], replicates=1, years=0.2, warmup_years=0).run(
        tmp_path / "r.h5", progress=False, description="blame only, for the board"
    )
    after = datetime.datetime.now(datetime.timezone.utc)
    p = res.provenance
    created = datetime.datetime.strptime(p["created"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.timezone.utc)
    assert before <= created <= after
    assert res.description == p["description"] == "blame only, for the board"
    assert p["software.culturesim"].startswith(cs.engine_version)
    assert p["software.python"].startswith(platform.python_version())
    assert p["software.numpy"] == np.__version__
    assert p["software.h5py"].startswith(h5py.version.version)
    assert p["software.pybind11"] == _engine.pybind11_version
    assert p["software.hdf5"].count(".") == 2
    assert "pytest" in p["command"] or "python" in p["command"]
    # Plain h5py sees the same, under /provenance, with its checksum.
    with h5py.File(tmp_path / "r.h5", "r") as f:
        assert f["provenance"].attrs["description"].decode() == "blame only, for the board"
        assert "provenance_crc32" in f["provenance"].attrs


def test_cs_run_keeps_provenance_in_memory():
    r = cs.run("blame", years=0.1, progress=False, warmup_years=0, description="a quick look")
    assert r.provenance["description"] == "a quick look" and r.provenance["created"].endswith("Z")


@pytest.mark.parametrize("bad", [3, b"bytes", ["a"], "nul\0byte"])
def test_a_description_that_is_not_text_is_refused(tmp_path, bad):
    with pytest.raises(ValueError, match="description"):
        cs.Experiment(["blame"], replicates=1, years=0.1).run(tmp_path / "r.h5", progress=False, description=bad)
    assert not (tmp_path / "r.h5").exists()


def test_the_engine_refuses_an_unknown_provenance_field(tmp_path):
    with pytest.raises(ValueError, match="unknown field 'author'; allowed: created, description"):
        _engine.run_experiment(
            [cs.Scenario("blame").to_dict()], 1, 10, 5, 0, 1, str(tmp_path / "r.h5"), provenance={"author": "me"}
        )
    assert not (tmp_path / "r.h5").exists()


def test_damaged_provenance_is_detected(tmp_path):
    path = tmp_path / "r.h5"
    cs.Experiment(["blame"], replicates=1, years=0.1, warmup_years=0).run(path, progress=False, description="honest")
    with h5py.File(path, "a") as f:  # someone edits the description behind culturesim's back
        f["provenance"].attrs["description"] = np.bytes_(b"edited")
    with pytest.raises(OSError, match="provenance"):
        cs.open_results(path)


def test_the_command_line_records_itself_and_info_shows_it(tmp_path, capsys):
    (tmp_path / "exp.toml").write_text(EXPERIMENT)
    out = tmp_path / "out.h5"
    args = ["sweep", str(tmp_path / "exp.toml"), "-o", str(out), "--no-progress", "--description", "Q3 board"]
    assert cli.main(args) == 0
    prov = cs.open_results(out).provenance
    # File names only: no absolute path (docs/safety.md; --provenance full keeps them).
    assert prov["command"] == "culturesim sweep exp.toml -o out.h5 --no-progress --description 'Q3 board'"
    assert prov["description"] == "Q3 board"
    capsys.readouterr()
    assert cli.main(["info", str(out)]) == 0
    text = capsys.readouterr().out
    for expected in ("provenance:", "description: Q3 board", f"made by:     {prov['command']}", "numpy", "h5py"):
        assert expected in text, expected


def test_merged_files_keep_the_parts_provenance(tmp_path, capsys):
    (tmp_path / "exp.toml").write_text(EXPERIMENT)
    parts = []
    for shard in ("0/2", "1/2"):
        part = tmp_path / f"part{shard[0]}.h5"
        args = ["sweep", str(tmp_path / "exp.toml"), "-o", str(part), "--shard", shard, "--no-progress"]
        assert cli.main([*args, "--description", "nightly sweep"]) == 0
        parts.append(part)
    merged = tmp_path / "merged.h5"
    assert cli.main(["merge", *map(str, parts), "-o", str(merged)]) == 0
    prov = cs.open_results(merged).provenance
    assert prov["description"] == "nightly sweep"  # the parts' (equal) description
    assert prov["command"].startswith("culturesim merge ")
    lines = prov["merged_from"]
    assert len(lines) == 2 and lines[0].startswith("part0.h5: created ") and "--shard 0/2" in lines[0]
    assert "--shard 1/2" in lines[1]
    capsys.readouterr()
    assert cli.main(["info", str(merged)]) == 0
    assert "merged from: part0.h5: created" in capsys.readouterr().out


def test_parts_with_different_descriptions_merge_with_both(tmp_path):
    exp = cs.Experiment(["blame"], replicates=2, years=0.2, warmup_years=0)
    a, b = tmp_path / "a.h5", tmp_path / "b.h5"
    exp.run(a, progress=False, runs=[(0, 0)], description="first half")
    exp.run(b, progress=False, runs=[(0, 1)], description="second half")
    merged = cs.cluster.merge([a, b], tmp_path / "m.h5")
    assert merged.description == "first half | second half"
    assert merged.complete


def test_a_file_without_provenance_still_opens(tmp_path):
    """Files written before provenance was recorded have no /provenance group."""
    path = tmp_path / "old.h5"
    cs.Experiment(["blame"], replicates=1, years=0.1, warmup_years=0).run(path, progress=False)
    with h5py.File(path, "a") as f:
        del f["provenance"]
    res = cs.open_results(path)
    assert res.provenance == {} and res.description == ""
    assert cs.provenance.lines(res.provenance)[0].strip().startswith("none recorded")


def test_the_command_of_a_script(tmp_path, subprocess_env):
    script = tmp_path / "make.py"
    script.write_text(
        "import sys, culturesim as cs\n"
        "res = cs.Experiment(['blame'], replicates=1, years=0.1, warmup_years=0).run(sys.argv[1], progress=False)\n"
        "print(res.provenance['command'])\n"
    )
    out = subprocess.run(
        [sys.executable, str(script), str(tmp_path / "r.h5")], env=subprocess_env, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    # The script by its file name only: no folder, no arguments (docs/safety.md).
    assert out.stdout.strip().endswith(" make.py") and str(tmp_path) not in out.stdout
