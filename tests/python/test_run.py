"""cs.run -> cs.Result: series for every output, pandas and plot views, snapshots, determinism."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import culturesim as cs
from culturesim.outputs import DERIVED, FLOWS

YEARS = 2  # 730 days: 24 months


@pytest.fixture(scope="module")
def result() -> cs.Result:
    return cs.run("blame", years=YEARS, seed=5, replicate=1, progress=False)


def test_run_returns_a_result_with_a_series_for_every_output(result):
    assert isinstance(result, cs.Result)
    assert list(result.series) == list(cs.OUTPUT_NAMES) and len(cs.OUTPUT_NAMES) == len(cs.OUTPUTS) > 40
    periods = 12 * YEARS  # months of the 365-day year by default
    for name, values in result.series.items():
        assert isinstance(values, np.ndarray) and values.dtype == np.float64 and values.shape == (periods,), name
        assert np.isfinite(values).all(), name
    month_days = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31] * YEARS
    assert result.period_days.tolist() == month_days
    assert result.period_start_day.tolist() == np.cumsum([0] + month_days[:-1]).tolist()
    assert result.period_start_year == pytest.approx(result.period_start_day / 365)


def test_result_provenance(result):
    assert result.seed == 5 and result.replicate == 1 and result.years == YEARS and result.record_every == "month"
    assert result.scenario.name == "blame" and result.policy == cs.Policy.blame()
    assert result.params == cs.default_params()
    assert repr(result).startswith("Result('blame', 2 years, 24 periods, seed 5, replicate 1: harm_events ")


def test_outputs_are_plausible(result):
    s = result.series
    assert (s["headcount"] > 900).all() and (s["headcount"] + s["vacancies"] == 1000).all()
    for name in FLOWS:
        assert (s[name] >= 0).all(), name
    assert ((0 <= s["burnout_prevalence"]) & (s["burnout_prevalence"] <= 1)).all()
    assert s["reports"].sum() > 0 and s["errors_human"].sum() > 0


def test_derived_outputs_and_totals(result):
    for m in cs.metrics.METRICS.values():
        if not m.derived:
            continue
        expected = sum(result.series[p] for p in m.parts)
        if m.per:  # a share: the parts over a level (sv_past_year_share = sv_past_year / headcount)
            expected = expected / result.series[m.per]
        assert np.array_equal(result[m.name], expected), m.name
    assert set(DERIVED) == {m.name for m in cs.metrics.METRICS.values() if m.derived}
    assert result.total("harm_events") == result["harm_events"].sum()
    assert result.total("burnout_prevalence") == result.series["burnout_prevalence"][-1]  # a level: its end
    assert result["reports"] is result.series["reports"]
    with pytest.raises(KeyError, match="did you mean 'reports'"):
        result["report"]


def test_to_pandas_is_indexed_by_day_and_year(result):
    df = result.to_pandas()
    assert isinstance(df, pd.DataFrame) and list(df.columns) == list(cs.OUTPUT_NAMES)
    assert df.index.names == ["day", "year"]
    assert df.index.get_level_values("day").tolist() == result.period_start_day.astype(int).tolist()
    assert np.array_equal(df.index.get_level_values("year").to_numpy(), result.period_start_day / 365)
    for name in cs.OUTPUT_NAMES:
        assert np.array_equal(df[name].to_numpy(), result.series[name]), name
    assert df.loc[(59, 59 / 365), "reports"] == result.series["reports"][2]  # March


def test_plot_returns_axes(result):
    import matplotlib.axes

    axes = result.plot()
    assert len(axes) == 4 and all(isinstance(a, matplotlib.axes.Axes) for a in axes)
    names = ["harm_events", "reports", "burnout_prevalence", "sv_active"]
    assert [a.get_title() for a in axes] == [cs.metrics.label(m) for m in names]
    one = result.plot("reports")
    assert len(one) == 1 and one[0].get_ylabel() == "events per year"
    # One value per year by default: the year's total of a flow, at the year's middle.
    assert np.array_equal(one[0].lines[0].get_ydata(), result.series["reports"].reshape(2, 12).sum(axis=1))
    assert np.array_equal(one[0].lines[0].get_xdata(), [0.5, 1.5])
    level = result.plot("burnout_prevalence")[0].lines[0].get_ydata()
    assert np.allclose(level, result.series["burnout_prevalence"].reshape(2, 12).mean(axis=1))
    # Every recorded period as a rate per year: February's 28 days count as much as a 31-day month.
    monthly = result.plot("reports", every="period")[0].lines[0].get_ydata()
    assert np.allclose(monthly, result.series["reports"] * 365 / result.period_days)
    with pytest.raises(ValueError, match="every must be 'year'"):
        result.plot("reports", every="month")


def test_plot_marks_each_intervention_at_its_date():
    switch = cs.Scenario("switch", policy="blame", interventions=[cs.Intervention(at_year=1, policy="just_culture")])
    r = cs.run(switch, years=2, progress=False, warmup_years=0)
    (ax,) = r.plot("reports")
    marks = [line for line in ax.lines if list(line.get_xdata()) == [1.0, 1.0]]
    assert len(marks) == 1 and marks[0].get_linestyle() == ":"
    assert [t.get_text() for t in ax.texts] == [switch.interventions[0].label]
    (bare,) = r.plot("reports", interventions=False)
    assert len(bare.lines) == 1 and not bare.texts
    import matplotlib.pyplot as plt

    _, ax = plt.subplots()
    assert r.plot("quits", ax=ax)[0] is ax


def test_snapshots_every_n_days():
    r = cs.run("just_culture", years=1, snapshot_every=100, progress=False)
    assert [s["day"] for s in r.snapshots] == [100, 200, 300]
    fields = {
        "day",
        "unit",
        "role",
        "active",
        "reckless",
        "sv_in_episode",
        "tenure_days",
        "distress",
        "moral_residue",
        "burnout",
        "shortcut",
        "psych_safety",
        "report_value",
        "sensitivity",
        "job_demand",
        "sv_last_start_day",
        "sv_last_end_day",
        "departures",
        "errors",
        "major_errors",
    }
    for snap in r.snapshots:
        assert set(snap) == fields
        lengths = {len(v) for k, v in snap.items() if k != "day"}
        assert len(lengths) == 1 and lengths.pop() >= 1000  # one entry per clinician slot
    df = r.snapshots_to_pandas()
    assert len(df) == sum(len(s["unit"]) for s in r.snapshots)
    assert list(df.columns[:2]) == ["day", "unit"] and set(df["day"]) == {100, 200, 300}
    assert set(df["role"].cat.categories) == {"nurse", "resident", "attending", "pharmacist"}
    assert cs.run(years=0.1, progress=False).snapshots == []
    assert cs.run(years=0.1, progress=False).snapshots_to_pandas().empty


def test_runs_are_pure_functions_of_seed_and_replicate():
    a = cs.run("typical", years=1, seed=2, replicate=3, progress=False)
    b = cs.run("typical", years=1, seed=2, replicate=3, progress=False)
    c = cs.run("typical", years=1, seed=2, replicate=4, progress=False)
    d = cs.run("typical", years=1, seed=3, replicate=3, progress=False)
    assert all(np.array_equal(a.series[n], b.series[n]) for n in cs.OUTPUT_NAMES)
    assert not np.array_equal(a.series["errors_human"], c.series["errors_human"])
    assert not np.array_equal(a.series["errors_human"], d.series["errors_human"])


def test_run_is_bit_identical_on_one_and_two_threads():
    one = cs.run("blame", years=3, seed=9, threads=1, progress=False)
    two = cs.run("blame", years=3, seed=9, threads=2, progress=False)
    for name in cs.OUTPUT_NAMES:
        assert one.series[name].tobytes() == two.series[name].tobytes(), name


def test_recording_period_does_not_change_the_dynamics():
    a = cs.run("blame", years=2, seed=3, record_every=30, progress=False)
    b = cs.run("blame", years=2, seed=3, record_every=73, progress=False)
    assert len(b.period_start_day) == 10 and (b.period_days == 73).all()
    for name in cs.OUTPUT_NAMES:
        if name in FLOWS:  # totals over the run; costs may round differently when summed in other groups
            assert a.series[name].sum() == pytest.approx(b.series[name].sum(), rel=1e-12, abs=0), name
        else:  # levels at the end of the run
            assert a.series[name][-1] == b.series[name][-1], name


def test_a_progress_bar_shows_on_long_calls(monkeypatch, capsys):
    import culturesim._running as running

    monkeypatch.setattr(running, "PROGRESS_AFTER_SECONDS", 0.0)
    cs.run(years=1, progress=True)
    err = capsys.readouterr().err
    assert "sim-years" in err and "run typical" in err
    cs.run(years=1, progress=False)
    assert capsys.readouterr().err == ""
