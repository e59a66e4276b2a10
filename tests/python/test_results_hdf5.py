"""The HDF5 results file written by the engine, read back with plain h5py: in this process, and in a
fresh one that never imports culturesim (the layout is core/results_file.hpp, documented in
docs/results-format.md)."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import h5py
import numpy as np
import pytest
import tomllib

import culturesim as cs
from culturesim import _engine

S, R, P = 2, 4, 24  # the small experiment (conftest.py): 2 years of months
MONTH_DAYS = [31.0, 28.0, 31.0, 30.0, 31.0, 30.0, 31.0, 31.0, 30.0, 31.0, 30.0, 31.0]
SPECS = _engine.parameter_specs()


def text_attrs(obj) -> dict:
    """An object's attributes with the format's fixed-length strings decoded: h5py returns them as
    bytes (the documented way to read them with plain h5py, docs/results-format.md)."""

    def decode(v):
        if isinstance(v, bytes):
            return v.decode()
        if isinstance(v, np.ndarray) and v.dtype.kind == "S":
            return [x.decode() for x in v.tolist()]
        return v

    return {k: decode(v) for k, v in obj.attrs.items()}


def test_root_attributes(small_file):
    with h5py.File(small_file, "r") as f:
        a = text_attrs(f)
        assert a["format"] == "culturesim-results" and a["format_version"] == 2
        assert a["engine"] == "culturesim"
        assert a["engine_version"] == cs.engine_version and a["build_info"] == cs.build_info
        assert a["seed"] == 11 and a["days"] == 730 and a["years"] == 2.0
        assert a["record_every"] == -12 and a["recording"] == "month" and a["replicates"] == R
        assert list(a["keys.per_role"]) == ["nurse", "resident", "attending", "pharmacist"]
        assert list(a["keys.per_severity"]) == ["near_miss", "no_harm", "mild", "moderate", "severe"]
        assert "keys.per_response" in a and "keys.per_disclosure" in a


def test_coordinates(small_file):
    with h5py.File(small_file, "r") as f:
        c = f["coords"]
        assert list(c["scenario"].asstr()[:]) == ["blame", "just"]
        assert c["replicate"][:].tolist() == list(range(R))
        assert list(c["series"].asstr()[:]) == list(cs.OUTPUT_NAMES)
        assert c["period_days"][:].tolist() == MONTH_DAYS * 2
        assert c["period_start_day"][:].tolist() == np.cumsum([0.0] + MONTH_DAYS * 2)[:-1].tolist()
        assert np.array_equal(c["period_start_year"][:], c["period_start_day"][:] / 365)
        assert text_attrs(c["period_start_day"])["unit"] == "day"
        assert text_attrs(c["period_start_year"])["unit"] == "year"


def test_one_dataset_per_output_with_unit_kind_and_description(small_file, small_result):
    with h5py.File(small_file, "r") as f:
        assert sorted(f["series"]) == sorted(cs.OUTPUT_NAMES)
        for name, spec in cs.OUTPUTS.items():
            d = f[f"series/{name}"]
            assert d.shape == (S, R, P) and d.dtype == np.float64, name
            assert text_attrs(d)["unit"] == spec["unit"] and text_attrs(d)["kind"] == spec["kind"], name
            assert text_attrs(d)["description"] == spec["description"] and spec["description"], name
            assert list(text_attrs(d)["dimensions"]) == ["scenario", "replicate", "period"]
            assert d.chunks == (1, 1, P) and d.compression == "gzip" and d.shuffle, name  # one chunk per run
            assert d.fletcher32, name  # plain h5py readers detect a damaged chunk too
            assert np.isnan(d.fillvalue), name  # never-written runs read as NaN
            assert np.array_equal(d[...], small_result.data[name][:, 0]), name  # the file has no draw axis


def test_done_mask(small_file):
    with h5py.File(small_file, "r") as f:
        done = f["done"]
        assert done.shape == (S, R) and done.dtype == np.uint8 and (done[...] == 1).all()
        assert list(text_attrs(done)["dimensions"]) == ["scenario", "replicate"] and text_attrs(done)["description"]


def test_every_scenario_carries_its_parameters_policy_and_definition(small_file, small_experiment):
    with h5py.File(small_file, "r") as f:
        for scenario in small_experiment.scenarios:
            g = f[f"scenarios/{scenario.name}"]
            a = text_attrs(g)
            assert a["name"] == scenario.name
            for spec in SPECS:  # every parameter, keyed ones as arrays in key order
                name = spec["name"]
                expected = scenario.params[name]
                if spec["keys"]:
                    assert a[name].tolist() == [expected[k] for k in spec["keys"]], name
                else:
                    assert a[name] == expected, name
            for field, value in scenario.policy.to_dict().items():
                assert a[f"policy.{field}"] == value, field
            assert len(a["interventions"]) == len(scenario.interventions)
            assert a["hospital"] == "default"
            assert list(a["units"]) == ["ICU", "ED", "surgery", "medicine", "pharmacy"]
            text = g["definition"].asstr()[()]
            assert text == scenario.to_toml()
            assert tomllib.loads(text)["params"]["alpha_support"] == scenario.params["alpha_support"]


def test_interventions_are_described_in_the_file(tmp_path):
    s = cs.Scenario(
        "switch",
        policy="blame",
        interventions=[
            cs.Intervention(at_year=0.5, policy="just_culture"),
            cs.Intervention.fix_friction(0.2, units=["ED"]),
        ],
    )
    path = tmp_path / "iv.h5"
    cs.Experiment([s], replicates=1, years=1).run(path, progress=False)
    with h5py.File(path, "r") as f:
        described = [str(x) for x in text_attrs(f["scenarios/switch"])["interventions"]]
        definition = tomllib.loads(f["scenarios/switch/definition"].asstr()[()])
    assert len(described) == 2
    assert "switch policy to b=0" in described[0] and "fix friction in ED" in described[1]
    assert [iv["at_day"] for iv in definition["interventions"]] == [182, 73]


READER = textwrap.dedent("""
    import json, sys
    import h5py, numpy as np
    path = sys.argv[1]
    out = {}

    def plain(v):  # fixed-length strings come back as bytes
        if isinstance(v, bytes):
            return v.decode()
        if isinstance(v, np.ndarray):
            return [x.decode() if isinstance(x, bytes) else x for x in v.tolist()]
        return v.item() if isinstance(v, np.generic) else v

    with h5py.File(path, "r") as f:
        out["root"] = {k: plain(v) for k, v in f.attrs.items()}
        out["scenarios"] = list(f["coords/scenario"].asstr()[:])
        out["period_start_day"] = f["coords/period_start_day"][:].tolist()
        out["done"] = f["done"][...].tolist()
        out["series"] = {name: {"shape": list(d.shape), "unit": plain(d.attrs["unit"]),
                                "kind": plain(d.attrs["kind"]), "description": plain(d.attrs["description"]),
                                "values": d[...].tolist()}
                         for name, d in f["series"].items()}
        out["alpha_support"] = {s: float(f["scenarios/" + s].attrs["alpha_support"]) for s in out["scenarios"]}
        out["console_prob"] = {s: float(f["scenarios/" + s].attrs["policy.console_prob"]) for s in out["scenarios"]}
        out["quit_rate"] = {s: f["scenarios/" + s].attrs["quit_rate"].tolist() for s in out["scenarios"]}
        out["definition"] = {s: f["scenarios/" + s + "/definition"].asstr()[()] for s in out["scenarios"]}
    out["imported_culturesim"] = any(m == "culturesim" or m.startswith("culturesim.") for m in sys.modules)
    json.dump(out, sys.stdout)
""")


def test_a_fresh_process_reads_the_file_with_plain_h5py(small_file, small_result, small_experiment, tmp_path):
    script = tmp_path / "read.py"
    script.write_text(READER)
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}  # no PYTHONPATH: culturesim is not even findable
    done = subprocess.run(
        [sys.executable, "-I", str(script), str(small_file)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)  # JSON floats round-trip exactly
    assert out["imported_culturesim"] is False
    assert out["root"]["format"] == "culturesim-results" and out["root"]["seed"] == 11
    assert out["root"]["engine_version"] == cs.engine_version
    assert out["scenarios"] == ["blame", "just"] and out["done"] == [[1] * R] * S
    assert out["period_start_day"] == small_result.period_start_day.tolist()
    assert sorted(out["series"]) == sorted(cs.OUTPUT_NAMES)
    for name, d in out["series"].items():
        assert d["shape"] == [S, R, P]
        assert (d["unit"], d["kind"], d["description"]) == (
            cs.OUTPUTS[name]["unit"],
            cs.OUTPUTS[name]["kind"],
            cs.OUTPUTS[name]["description"],
        )
        assert np.array_equal(np.array(d["values"]), small_result.data[name][:, 0]), name
    assert out["alpha_support"] == {"blame": cs.default_params()["alpha_support"], "just": 0.05}
    assert out["console_prob"] == {"blame": 0.1, "just": 0.9}
    assert out["quit_rate"]["just"] == list(cs.default_params()["quit_rate"].values())
    assert out["definition"]["just"] == small_experiment.scenarios[1].to_toml()


def test_unfinished_runs_read_as_nan_with_a_zero_done_flag(tmp_path, small_experiment):
    path = tmp_path / "part.h5"
    small_experiment.run(path, runs=[(1, 2)], progress=False)
    with h5py.File(path, "r") as f:
        assert f["done"][...].tolist() == [[0, 0, 0, 0], [0, 0, 1, 0]]
        reports = f["series/reports"][...]
    assert np.isnan(np.delete(reports.reshape(S * R, P), 6, axis=0)).all()
    assert not np.isnan(reports[1, 2]).any()


def test_open_results_refuses_files_that_are_not_ours(tmp_path):
    path = tmp_path / "other.h5"
    with h5py.File(path, "w") as f:
        f["x"] = [1, 2, 3]
    with pytest.raises(OSError, match="not a culturesim results file"):
        cs.open_results(path)
    with pytest.raises(FileNotFoundError, match="no results file"):
        cs.open_results(tmp_path / "missing.h5")
