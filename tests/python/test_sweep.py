"""Sweeps (cs.sweep, the [sweep] table) and tidy results: swept values, blame levels and changed
parameters as coordinates of to_xarray and columns of to_pandas, derived outputs in to_xarray,
tables and plots against a swept value."""

from __future__ import annotations

import numpy as np
import pytest

import culturesim as cs
from culturesim import toml_io

SMALL = {"name": "small", "units": [{"name": "ward", "nurse": 40, "resident": 10, "attending": 6, "pharmacist": 4}]}
BASE = cs.Scenario("typical", hospital=SMALL)
RUN = {"replicates": 3, "years": 1, "warmup_years": 0}


@pytest.fixture(scope="module")
def swept(tmp_path_factory):
    path = tmp_path_factory.mktemp("sweep") / "sweep.h5"
    sw = cs.sweep(BASE, {"blame": np.linspace(0, 1, 6), "support_level": [0, 1]}, others=["blame"], **RUN)
    sw.run(path, progress=False)
    return sw, cs.open_results(path)


def test_a_grid_is_every_combination_named_by_its_values():
    sw = cs.sweep(BASE, {"blame": np.linspace(0, 1, 11), "support_level": [0, 1]}, **RUN)
    assert len(sw.scenarios) == 22 and sw.names == ["blame", "support_level"]
    names = [s.name for s in sw.scenarios]
    assert names[:3] == ["blame=0,support_level=0", "blame=0,support_level=1", "blame=0.1,support_level=0"]
    # np.linspace(0, 1, 11)[3] is 0.30000000000000004: stored and run as 0.3, so .sel(blame=0.3) finds it
    point = sw.scenarios[names.index("blame=0.3,support_level=1")]
    assert point.coords == {"blame": 0.3, "support_level": 1.0}
    assert point.policy == cs.Policy.from_blame(0.3).replace(support_level=1.0)
    assert point.hospital == SMALL  # everything else is the base's
    assert repr(sw).startswith("Sweep(22 points of 'typical' over blame (11 values) x support_level (2 values), ")


def test_points_parameters_and_keyed_parameters():
    sw = cs.sweep(BASE, points=[{"quit_rate[nurse]": 0.3}, {"alpha_base": 0.01, "blame": 1}], **RUN)
    first, second = sw.scenarios
    assert first.name == "quit_rate[nurse]=0.3" and first.params["quit_rate"]["nurse"] == 0.3
    assert second.name == "alpha_base=0.01,blame=1" and second.policy == cs.Policy.blame()
    # a swept scenario pickles (to cluster workers) with its coordinates
    import pickle

    assert pickle.loads(pickle.dumps(second)).coords == {"alpha_base": 0.01, "blame": 1.0}
    # new values drop the coordinates that labelled the old ones
    assert second.replace(policy="typical").coords == {} and second.replace(name="x").coords == second.coords


@pytest.mark.parametrize(
    "make, error, message",
    [
        (lambda: cs.sweep(BASE, {"blam": [0.5]}), KeyError, "unknown sweep name 'blam'; did you mean 'blame'?"),
        (lambda: cs.sweep(BASE, {"blame": [1.5]}), ValueError, "'blame' = 1.5: is out of range; allowed 0"),
        (lambda: cs.sweep(BASE, {"quit_rate": [0.1]}), ValueError, "sweep one key, e.g. 'quit_rate[nurse]'"),
        (lambda: cs.sweep(BASE, {"blame": "high"}), ValueError, "sweep axis 'blame' must be a list of numbers"),
        (lambda: cs.sweep(BASE, {"blame": [0, None]}), ValueError, "sweep axis 'blame' must hold numbers"),
        (lambda: cs.sweep(BASE, [0, 1]), ValueError, "grid must be a dict of sweep names and values"),
        (lambda: cs.sweep(BASE), ValueError, "a sweep needs grid axes"),
        (lambda: cs.sweep(BASE, {"blame": [0.5, 0.5]}), ValueError, "sweep point blame=0.5 is given twice"),
        (
            lambda: cs.sweep(BASE, {"blame": [0.5]}, others=[cs.Scenario("blame=0.5")]),
            ValueError,
            "scenario names must be unique; repeated: blame=0.5",
        ),
    ],
)
def test_bad_sweeps_name_the_field_and_what_is_allowed(make, error, message):
    with pytest.raises(error) as info:
        make()
    assert message in str(info.value.args[0])


def test_swept_values_are_coordinates_that_survive_the_file(swept):
    sw, res = swept
    assert res.swept == ["blame", "support_level"]
    assert res.scenario_attrs["blame=0.4,support_level=1"]["coord.blame"] == 0.4
    ds = res.to_xarray()
    at = ds.sel(blame=0.4)
    assert sorted(at["scenario"].values) == ["blame=0.4,support_level=0", "blame=0.4,support_level=1"]
    one = at.sel(support_level=1.0)  # one swept name per .sel call
    assert np.array_equal(one["reports"].squeeze().values, res["reports"][res._index("blame=0.4,support_level=1")][0])
    # every scenario carries its blame level and policy fields, the reference too
    assert float(ds["blame"].sel(scenario="blame")) == 1.0
    assert float(ds["console_prob"].sel(scenario="blame=0,support_level=0")) == 0.9
    grid = res.to_xarray(grid=True)
    assert grid["harm_events"].dims == ("blame", "support_level", "draw", "replicate", "period")
    assert grid["blame"].values.tolist() == [0.0, 0.2, 0.4, 0.6, 0.8, 1.0]
    df = res.to_pandas(metrics=None)
    row = df[df.scenario == "blame=0.6,support_level=0"].iloc[0]
    assert row["blame"] == 0.6 and row["support_level"] == 0.0
    assert df.loc[df.scenario == "blame", "blame"].eq(1.0).all()


def test_derived_outputs_are_in_to_xarray(swept):
    _, res = swept
    ds = res.to_xarray()
    for m in cs.metrics.METRICS.values():
        if not m.derived:
            continue
        expected = sum(res.data[p] for p in m.parts)
        if m.per:
            expected = expected / res.data[m.per]
        assert np.array_equal(ds[m.name].values, expected), m.name
        assert ds[m.name].attrs["unit"] == m.unit and ds[m.name].attrs["kind"] == m.kind
        assert ds[m.name].attrs["label"] == m.label


def test_sweep_table_and_plot_against_the_swept_value(swept):
    _, res = swept
    table = res.sweep_table("harm_events")
    assert list(table.columns) == [
        "metric",
        "blame",
        "support_level",
        "mean",
        "ci_low",
        "ci_high",
        "n",
        "draws",
        "sources",
    ]
    per_run = res.per_run("harm_events")
    i = res._index("blame=1,support_level=1")
    assert table.loc["blame=1,support_level=1", "mean"] == pytest.approx(per_run[i].mean(), rel=1e-12)
    assert (table["ci_low"] < table["mean"]).all() and (table["n"] == 3).all()
    ax = res.plot_sweep("harm_events")
    assert ax.get_xlabel() == "blame" and [t.get_text() for t in ax.get_legend().get_texts()] == [
        "support_level = 0",
        "support_level = 1",
    ]
    line = ax.lines[0]
    assert line.get_xdata().tolist() == [0.0, 0.2, 0.4, 0.6, 0.8, 1.0]
    assert [t.get_text() for t in ax.texts] == ["blame"]  # the reference as a horizontal line
    with pytest.raises(KeyError, match="unknown coordinate 'blme'"):
        res.plot_sweep("harm_events", x="blme")


def test_the_toml_sweep_is_the_same_sweep(tmp_path):
    exp = toml_io.loads_experiment(
        """
years = 1
replicates = 3
warmup_years = 0
[hospital]
name = "small"
[[hospital.units]]
name = "ward"
nurse = 40
resident = 10
attending = 6
pharmacist = 4
[[scenarios]]
name = "typical"
[sweep]
support_level = [0, 1]
blame = { from = 0, to = 1, steps = 6 }
"""
    )
    # TOML tables have no order: the axes go by name (blame, then support_level)
    python = cs.sweep(BASE, {"blame": np.linspace(0, 1, 6), "support_level": [0, 1]}, **RUN)
    assert exp.scenarios == python.scenarios


def test_a_plain_experiment_has_blame_levels_and_changed_parameters_as_coordinates():
    custom = cs.Scenario("name_only", policy=cs.Policy.blame().replace(stated_safety=0.8), hospital=SMALL)
    quick = cs.Scenario("quick", params={"alpha_base": 0.03}, hospital=SMALL)
    res = cs.Experiment([BASE, custom, quick], replicates=1, years=0.5, warmup_years=0).run(progress=False)
    coords = res.coords()
    assert coords["blame"][0] == 0.6 and np.isnan(coords["blame"][1]) and coords["blame"][2] == 0.6
    assert coords["stated_safety"].tolist() == [0.44, 0.8, 0.44] and coords["alpha_base"][2] == 0.03
    assert res.swept == [] and "blame" in res.to_pandas().columns
    ds = res.to_xarray()
    assert float(ds["alpha_base"].sel(scenario="quick")) == 0.03
    with pytest.raises(ValueError, match="holds no sweep"):
        res.to_xarray(grid=True)


def test_experiment_plot_marks_each_scenarios_interventions():
    switch = cs.Scenario(
        "switch",
        policy="blame",
        hospital=SMALL,
        interventions=[cs.Intervention(at_year=1, policy="just_culture", label="switch")],
    )
    res = cs.Experiment([BASE, switch], replicates=2, years=2, warmup_years=0).run(progress=False)
    assert res.interventions("switch") == [(1.0, "switch")]
    ax = res.plot("reports")
    assert [t.get_text() for t in ax.texts] == ["switch"]
    yearly = ax.lines[0].get_ydata()
    assert np.allclose(yearly, np.median(res["reports"][0].reshape(2, 2, 12).sum(axis=2), axis=0))
