"""cs.Experiment -> cs.ExperimentResult: xarray, long pandas, summaries, paired comparisons, plots, files."""

from __future__ import annotations

import hashlib
import os

import h5py
import numpy as np
import pytest
from scipy import stats

import culturesim as cs

S, R = 2, 4  # the small experiment (conftest.py)
P = 24  # 2 years of months


def test_experiment_description(small_experiment):
    exp = small_experiment
    assert exp.n_runs == S * R and exp.years == 2 and exp.days == 730 and exp.seed == 11
    assert exp.recording == "month" and [s.name for s in exp.scenarios] == ["blame", "just"]
    assert exp.scenario_dicts() == [s.to_dict() for s in exp.scenarios]
    assert (
        repr(exp)
        == "Experiment(2 scenarios x 4 replicates x 2 years, seed 11, after 20 warm-up years: 'blame', 'just')"
    )
    assert exp.warmup_years == 20 and exp.warmup_policy == cs.Policy.typical()
    assert cs.Experiment(["blame", "just_culture"]).replicates == 20
    assert cs.Experiment(["blame", "just_culture"]).years == 30


def test_run_in_memory_returns_an_experiment_result(small_experiment, small_result):
    res = small_experiment.run(progress=False)
    assert isinstance(res, cs.ExperimentResult) and res.path is None and res.complete
    assert res.scenarios == ["blame", "just"] and res.replicates == R and res.seed == 11 and res.years == 2
    assert set(res.data) == set(cs.OUTPUT_NAMES)
    for name in cs.OUTPUT_NAMES:
        assert res.data[name].shape == (S, 1, R, P), name  # one draw: fixed parameters
        assert np.array_equal(res.data[name], small_result.data[name]), name  # in memory == from a file
    assert repr(res) == (
        "ExperimentResult(2 scenarios x 4 replicates x 2 years, 8/8 runs done, seed 11, in memory: 'blame', 'just')"
    )


def test_experiment_runs_equal_single_runs_on_common_random_numbers(small_experiment, small_result):
    for s, scenario in enumerate(small_experiment.scenarios):
        for r in (0, R - 1):
            one = cs.run(scenario, years=2, seed=11, replicate=r, progress=False)
            for name in cs.OUTPUT_NAMES:
                assert np.array_equal(one.series[name], small_result.data[name][s, 0, r]), (scenario.name, r, name)


def test_to_xarray_dims_coords_and_values(small_result):
    ds = small_result.to_xarray()
    assert dict(ds.sizes) == {"scenario": S, "draw": 1, "replicate": R, "period": P}
    assert list(ds["scenario"].values) == ["blame", "just"] and list(ds["replicate"].values) == list(range(R))
    month_days = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31] * 2
    assert ds["period_days"].values.tolist() == month_days
    assert np.array_equal(ds["day"].values, np.cumsum([0] + month_days[:-1]))
    assert np.array_equal(ds["year"].values, ds["day"].values / 365)
    for name in cs.OUTPUT_NAMES:
        assert ds[name].dims == ("scenario", "draw", "replicate", "period")
        assert np.array_equal(ds[name].values, small_result.data[name])
        assert ds[name].attrs["unit"] == cs.OUTPUTS[name]["unit"]
        assert ds[name].attrs["kind"] == cs.OUTPUTS[name]["kind"]
    assert ds.attrs["seed"] == 11 and ds.attrs["engine_version"] == cs.engine_version
    assert (
        float(ds["reports"].sel(scenario="just", draw=0, replicate=2).isel(period=3))
        == small_result.data["reports"][1, 0, 2, 3]
    )


def test_to_pandas_is_long_with_parameters_as_columns(small_result):
    df = small_result.to_pandas()
    assert len(df) == S * R * P
    assert list(df.columns[:5]) == ["scenario", "draw", "replicate", "day", "year"]
    assert set(cs.OUTPUT_NAMES) <= set(df.columns)
    policy_columns = [c for c in df.columns if c.startswith("policy.")]
    assert policy_columns == ["policy." + f for f in cs.Policy.blame().to_dict()]
    assert "alpha_support" in df.columns  # differs between the scenarios
    assert "alpha_base" not in df.columns  # the same in both
    row = df[(df.scenario == "just") & (df.replicate == 3) & (df.day == 90)]  # April
    assert len(row) == 1
    row = row.iloc[0]
    assert row["reports"] == small_result.data["reports"][1, 0, 3, 3]
    assert row["year"] == 90 / 365
    assert row["policy.console_prob"] == 0.9 and row["alpha_support"] == 0.05
    assert (df.loc[df.scenario == "blame", "policy.console_prob"] == 0.1).all()
    assert list(df["scenario"].cat.categories) == ["blame", "just"]
    chosen = small_result.to_pandas(metrics=["reports"], params=["alpha_base", "quit_rate"])
    assert list(chosen.columns) == [
        "scenario",
        "draw",
        "replicate",
        "day",
        "year",
        "reports",
        "alpha_base",
        "quit_rate",
    ]
    assert (chosen["alpha_base"] == cs.default_params()["alpha_base"]).all()
    assert chosen["quit_rate"].iloc[0] == str(
        np.array(list(cs.default_params()["quit_rate"].values()))
    )  # arrays shown as text


def per_run_by_hand(data, period_days, metric_parts, flow=True, years=2.0):
    """One number per (scenario, replicate), straight from the arrays (same order of operations)."""
    values = data[metric_parts[0]]
    for part in metric_parts[1:]:
        values = values + data[part]
    if flow:  # a rate per year over the whole run
        return values.sum(axis=2) / (period_days.sum() / 365)
    start = (np.cumsum(period_days) - period_days) / 365  # a level: the mean over periods starting in the last year
    return values[:, :, start >= years - 1].mean(axis=2)


def read_arrays(path, names):
    with h5py.File(path, "r") as f:
        return {n: f[f"series/{n}"][...] for n in names}, f["coords/period_days"][...]


@pytest.mark.parametrize(
    "metric, parts, flow",
    [
        ("harm_events", ["harm_mild", "harm_moderate", "harm_severe"], True),
        ("reports", ["reports"], True),
        ("burnout_prevalence", ["burnout_prevalence"], False),
    ],
)
def test_compare_reproduces_a_paired_difference_and_t_interval_by_hand(small_file, metric, parts, flow):
    data, period_days = read_arrays(small_file, parts)  # plain h5py, not culturesim's reader
    x = per_run_by_hand(data, period_days, parts, flow)
    d = x[1] - x[0]  # just - blame, replicate by replicate (common random numbers)
    n = len(d)
    half = stats.t.ppf(0.975, n - 1) * d.std(ddof=1) / np.sqrt(n)

    c = cs.open_results(small_file).compare("blame", "just", metric)
    assert c["metric"] == metric and c["a"] == "blame" and c["b"] == "just" and c["n"] == n == R
    assert np.array_equal(c["differences"], d)
    assert c["mean_a"] == x[0].mean() and c["mean_b"] == x[1].mean()
    assert c["diff"] == d.mean()
    assert c["ci_low"] == d.mean() - half and c["ci_high"] == d.mean() + half
    assert c["relative"] == d.mean() / x[0].mean() and c["level"] == 0.95
    # the same interval from scipy's paired t-test
    ci = stats.ttest_rel(x[1], x[0]).confidence_interval(0.95)
    assert (c["ci_low"], c["ci_high"]) == pytest.approx((ci.low, ci.high), rel=1e-12)


def test_compare_by_index_other_levels_and_windows(small_result):
    by_name = small_result.compare("blame", "just", "reports")
    by_index = small_result.compare(0, 1, "reports")
    assert np.array_equal(by_name["differences"], by_index["differences"])
    wide = small_result.compare("blame", "just", "reports", level=0.99)
    assert wide["ci_low"] < by_name["ci_low"] and wide["ci_high"] > by_name["ci_high"]
    assert wide["diff"] == by_name["diff"]
    second_year = small_result.compare("blame", "just", "reports", window=(1, 2))
    data, days = small_result.data["reports"], small_result.period_days
    mask = small_result.period_start_day / 365 >= 1
    by_hand = data[..., mask].sum(axis=-1) / (days[mask].sum() / 365)
    assert np.array_equal(second_year["differences"], (by_hand[1] - by_hand[0]).ravel())
    reverse = small_result.compare("just", "blame", "reports")
    assert np.array_equal(reverse["differences"], -by_name["differences"])


def test_summary_has_mean_and_10_50_90_bands(small_result):
    table = small_result.summary()
    assert table.index.names == ["metric", "scenario"]
    assert list(table.columns) == ["mean", "p10", "p50", "p90", "n"]
    assert {"harm_events", "reports", "sv_past_year_share", "burnout_prevalence", "quits", "cost_total"} == set(
        table.index.get_level_values("metric")
    )
    for metric in ("harm_events", "burnout_prevalence"):
        x = small_result.per_run(metric)
        for s, name in enumerate(["blame", "just"]):
            row = table.loc[(metric, name)]
            assert row["mean"] == x[s].mean() and row["n"] == R
            assert [row["p10"], row["p50"], row["p90"]] == list(np.percentile(x[s].ravel(), [10, 50, 90]))
            assert row["p10"] <= row["p50"] <= row["p90"]
    chosen = small_result.summary(["reports"], window=(0, 1))
    assert list(chosen.index) == [("reports", "blame"), ("reports", "just")]


def test_compare_table(small_result):
    table = small_result.compare_table("blame", "just", ["reports", "quits"])
    assert list(table.index) == ["reports", "quits"] and "differences" not in table.columns
    assert table.loc["quits", "diff"] == small_result.compare("blame", "just", "quits")["diff"]
    assert len(small_result.compare_table("blame", "just")) > 5


def test_plots_return_axes(small_result):
    import matplotlib.axes

    ax = small_result.plot("reports")
    assert isinstance(ax, matplotlib.axes.Axes) and len(ax.lines) == 2 and len(ax.collections) == 2
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["blame", "just"]
    ax = small_result.plot("harm_events", scenarios=["just"])
    assert len(ax.lines) == 1
    ax = small_result.plot_compare("blame", "just", ["reports", "quits", "burnout_prevalence"])
    assert isinstance(ax, matplotlib.axes.Axes)
    labels = [cs.metrics.label(m) for m in ("reports", "quits", "burnout_prevalence")]
    assert [t.get_text() for t in ax.get_yticklabels()] == labels


def test_open_results_reads_what_run_returned(small_file, small_experiment):
    res = cs.open_results(small_file)
    assert res.path == os.fspath(small_file) and res.complete and res.done.shape == (S, 1, R)
    assert res.attrs["format"] == "culturesim-results" and res.attrs["replicates"] == R
    assert res.definitions["just"] == small_experiment.scenarios[1].to_toml()
    assert res.scenario_attrs["just"]["alpha_support"] == 0.05
    assert res.units["reports"] == "events"
    assert repr(res).startswith("ExperimentResult(2 scenarios x 4 replicates x 2 years, 8/8 runs done, seed 11, '")
    with pytest.raises(KeyError, match="did you mean 'just'"):
        res.compare("blame", "jus", "reports")
    with pytest.raises(KeyError, match="did you mean 'reports'"):
        res.compare("blame", "just", "reprts")
    with pytest.raises(KeyError, match="out of range"):
        res.compare(0, 5, "reports")
    with pytest.raises(ValueError, match="holds no period"):
        res.compare("blame", "just", "reports", window=(5, 6))


def test_experiment_is_bit_identical_on_one_and_two_threads(tmp_path, small_experiment):
    exp = small_experiment
    one = exp.run(tmp_path / "one.h5", threads=1, progress=False)
    two = exp.run(tmp_path / "two.h5", threads=2, progress=False)
    mem = exp.run(None, threads=2, progress=False)
    for name in cs.OUTPUT_NAMES:
        assert one.data[name].tobytes() == two.data[name].tobytes() == mem.data[name].tobytes(), name


def test_a_subset_of_runs_leaves_the_rest_nan_and_unpaired(tmp_path, small_experiment):
    path = tmp_path / "part.h5"
    res = small_experiment.run(path, runs=[(0, 0), (0, 1), (1, 1), (1, 2)], progress=False)
    assert not res.complete and res.done[:, 0].tolist() == [[True, True, False, False], [False, True, True, False]]
    reports = res["reports"][:, 0]
    assert np.isnan(reports[0, 2]).all() and np.isnan(reports[1, 0]).all() and not np.isnan(reports[0, 0]).any()
    assert np.isnan(res.to_xarray()["reports"].sel(scenario="just", replicate=3)).all()
    c = res.compare("blame", "just", "reports")
    assert c["n"] == 1  # only replicate 1 is finished in both
    assert np.isnan(c["ci_low"])
    assert res.summary(["reports"]).loc[("reports", "blame"), "n"] == 2


def test_an_existing_file_is_never_overwritten_without_force(tmp_path):
    path = tmp_path / "r.h5"
    exp = cs.Experiment(["blame"], replicates=2, years=0.5, seed=1)
    exp.run(path, progress=False)
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    with pytest.raises(FileExistsError, match="already exists and was left untouched; pass resume=True"):
        cs.Experiment(["just_culture"], replicates=1, years=0.5).run(path, progress=False)
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before
    assert sorted(os.listdir(tmp_path)) == ["r.h5"]  # no temporary left behind

    other = tmp_path / "not-results.h5"
    other.write_bytes(b"someone else's data")
    with pytest.raises(FileExistsError):
        exp.run(other, progress=False)
    assert other.read_bytes() == b"someone else's data"

    from concurrent.futures import ThreadPoolExecutor

    with (
        ThreadPoolExecutor(1) as pool,
        pytest.raises(FileExistsError, match="already exists and was left untouched; pass resume=True"),
    ):
        exp.run(path, executor=pool, progress=False)  # the same refusal through an executor
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before

    with pytest.raises(ValueError, match="choose one of resume"):
        exp.run(path, resume=True, force=True, progress=False)
    replaced = cs.Experiment(["just_culture"], replicates=1, years=0.5).run(path, force=True, progress=False)
    assert replaced.scenarios == ["just_culture"] and cs.open_results(path).replicates == 1
