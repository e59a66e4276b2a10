"""Series per unit and per role (breakdown=True): recorded on request, observation only, stored in
the results file, read back with to_xarray(by="unit" | "role")."""

from __future__ import annotations

import h5py
import numpy as np
import pytest

import culturesim as cs
from culturesim import toml_io

SMALL = {
    "name": "small",
    "units": [
        {"name": "ward", "nurse": 40, "resident": 10, "attending": 6, "pharmacist": 4},
        {"name": "icu", "nurse": 20, "attending": 4},
    ],
}
RUN = {"years": 1, "warmup_years": 0}


def test_a_run_records_per_unit_and_role_without_changing_the_hospitals_series():
    scenario = cs.Scenario("blame", policy="blame", hospital=SMALL)
    plain = cs.run(scenario, progress=False, seed=3, **RUN)
    split = cs.run(scenario, progress=False, seed=3, breakdown=True, **RUN)
    assert plain.by_unit == {} and plain.units == []
    assert split.units == ["ward", "icu"] and split.roles == ["nurse", "resident", "attending", "pharmacist"]
    for name in cs.OUTPUT_NAMES:
        if cs.OUTPUTS[name]["unit"] == "USD":  # sums taken by role first may round differently
            assert np.allclose(split.series[name], plain.series[name], rtol=1e-12, atol=0), name
        else:
            assert np.array_equal(split.series[name], plain.series[name]), name
        if name in cs.outputs.FLOWS or name in ("headcount", "vacancies", "sv_active"):
            assert np.allclose(split.by_unit[name].sum(axis=0), split.series[name], rtol=1e-12), name
            assert np.allclose(split.by_role[name].sum(axis=0), split.series[name], rtol=1e-12), name
    assert (split.by_role["headcount"][1] <= 10).all()  # residents work on the ward only
    assert np.isnan(split.by_role["hazards"]).all() and np.array_equal(
        split.by_unit["hazards"].sum(axis=0), split.series["hazards"]
    )


def test_an_experiment_stores_them_and_reads_them_back(tmp_path):
    path = tmp_path / "bd.h5"
    exp = cs.Experiment(
        [cs.Scenario("typical", hospital=SMALL), cs.Scenario("blame", policy="blame", hospital=SMALL)],
        replicates=2,
        breakdown=True,
        **RUN,
    )
    exp.run(path, progress=False)
    res = cs.open_results(path)
    assert res.attrs["breakdown"] == 1 and res.groups("unit") == ["ward", "icu"]
    by_unit = res.to_xarray(by="unit")
    assert by_unit["harm_events"].dims == ("scenario", "draw", "replicate", "unit", "period")
    assert np.allclose(by_unit["reports"].sum("unit").values, res["reports"])
    by_role = res.to_xarray(by="role")
    assert list(by_role["role"].values) == ["nurse", "resident", "attending", "pharmacist"]
    assert float(by_role["blame"].sel(scenario="blame")) == 1.0  # the scenario coordinates too
    assert set(res.data) == set(cs.OUTPUT_NAMES)  # the hospital's series stay as they were
    with h5py.File(path, "r") as f:
        assert "by_unit.icu.quits" in f["series"] and "by_role.pharmacist.cost_turnover" in f["series"]
    # The file's definition re-runs with the same setting.
    text = toml_io.experiment_toml(res.definitions, {"years": 1, "replicates": 2, "breakdown": True})
    assert "breakdown = true" in text and toml_io.loads_experiment(text).breakdown is True


def test_files_without_breakdown_hold_no_such_series(tmp_path):
    path = tmp_path / "plain.h5"
    cs.Experiment([cs.Scenario("typical", hospital=SMALL)], replicates=1, **RUN).run(path, progress=False)
    res = cs.open_results(path)
    with h5py.File(path, "r") as f:
        assert not [n for n in f["series"] if n.startswith("by_")]
    with pytest.raises(ValueError, match="holds no series per unit or role; run the experiment with breakdown=True"):
        res.to_xarray(by="unit")
    with pytest.raises(ValueError, match="by must be 'unit' or 'role'"):
        res.to_xarray(by="ward")


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: cs.run(years=0.1, breakdown=1, progress=False), "breakdown must be True or False, got 1"),
        (lambda: cs.Experiment(["blame"], breakdown="yes"), "breakdown must be True or False, got 'yes'"),
        (
            lambda: toml_io.loads_experiment('breakdown = "yes"\n[[scenarios]]\nname = "a"\n', source="b.toml"),
            "b.toml, line 1: 'breakdown' must be true (also record every output per unit and per role) or false",
        ),
        (
            lambda: cs.Experiment(
                [cs.Scenario("a", hospital=SMALL), cs.Scenario("b")], replicates=1, years=0.1, breakdown=True
            ).run(progress=False),
            "needs every scenario to have the same units",
        ),
    ],
)
def test_bad_breakdown_settings_are_refused(make, message):
    with pytest.raises(ValueError) as info:
        make()
    assert message in str(info.value)


def test_a_cluster_run_refuses_breakdown():
    from concurrent.futures import ThreadPoolExecutor

    exp = cs.Experiment([cs.Scenario("a", hospital=SMALL)], replicates=1, years=0.1, breakdown=True)
    with ThreadPoolExecutor(1) as pool, pytest.raises(ValueError, match="recorded by runs on this machine only"):
        exp.run(executor=pool, progress=False)
