"""Priors, calibration, posteriors, experiments over draws, intervals and sensitivity (issue 11).

The calibrations here are tiny (a few particles, one or two generations, short warm-ups): they
check the machinery, not the fit.
"""

from __future__ import annotations

import doctest
import math
import warnings

import numpy as np
import pytest

import culturesim as cs
from culturesim import _engine, calibration, draws, effect_sensitivity, intervals, posterior, prior_specs
from culturesim.warmup import WarmupWarning

TINY = dict(particles=4, generations=1, years=5, warmup_years=1, cores=1, progress=False)
#: Levels only: two simulated years suffice (the changes need five).
LEVELS = ["harm_reported", "burnout_nurses", "sv_year_nurses"]
QUICK = {**TINY, "years": 2, "targets": LEVELS}
TWO = ["coach_effect", "culture_strain"]


# -- priors ----------------------------------------------------------------------------------------
def test_priors_come_from_the_parameter_table():
    table = cs.priors()
    specs = {s["name"]: s for s in _engine.parameter_specs()}
    assert 8 <= len(table) <= 14  # the genuinely uncertain few; the rest are fixed
    for name, row in table.iterrows():
        assert specs[name]["kind"] == "scalar"
        assert specs[name]["min"] <= row["low"] <= row["default"] <= row["high"] <= specs[name]["max"]
        assert row["distribution"] in ("uniform", "loguniform") and row["basis"] in ("source", "judgement")
        assert row["why"]


def test_prior_quantiles_map_onto_the_bounds():
    for name, p in prior_specs.PRIORS.items():
        lo, mid, hi = prior_specs.from_unit(name, [0.0, 0.5, 1.0])
        assert math.isclose(lo, p["low"]) and math.isclose(hi, p["high"])
        expected = (p["low"] + p["high"]) / 2 if p["distribution"] == "uniform" else math.sqrt(p["low"] * p["high"])
        assert math.isclose(mid, expected)
        assert math.isclose(prior_specs.scipy_prior(name).median(), expected)


def test_a_fixed_or_unknown_parameter_has_no_prior():
    with pytest.raises(KeyError, match="'base_error_rate' has no prior"):
        prior_specs.check_names(["base_error_rate"])
    with pytest.raises(KeyError, match="did you mean 'coach_effect'"):
        cs.calibrate(params=["coach_efect"], **TINY)


# -- the distance ----------------------------------------------------------------------------------
def test_the_distance_counts_band_half_widths():
    t = calibration.all_targets()["harm_reported"]
    assert calibration.distance({"harm_reported": t.centre}, [t]) == 0
    assert math.isclose(calibration.distance({"harm_reported": t.band[1]}, [t]), 1)
    assert calibration.distance({"harm_reported": float("nan")}, [t]) == calibration.MISSING


def test_targets_are_the_validation_modules_own():
    from culturesim import validation, validation_changes

    every = calibration.all_targets()
    for t in validation.TARGETS:
        if t.band is not None and t.name != "in_name_only_reports":
            assert every[t.name].band == t.band
    for t in validation_changes.CHANGE_TARGETS:
        if t.kind != "level":
            assert every[f"change_{t.name}"].band == t.band
    with pytest.raises(KeyError, match="unknown calibration target 'harm_reportd'; did you mean 'harm_reported'"):
        calibration.check_targets(["harm_reportd"])


def test_the_default_calibration_fits_every_target_but_those_it_only_checks():
    every = calibration.all_targets()
    fitted = calibration.fitted_targets()
    checked_only = [n for n in every if n not in fitted]
    assert checked_only == [
        "burnout_incident_or",
        "burnout_leave_or",
        # the national SOPS 2.0 averages, added after the shipped calibration (culturesim.survey)
        "sops_response_to_error",
        "sops_communication_openness",
        "sops_reporting_events",
    ]
    assert all(every[n].not_fitted for n in checked_only)  # each says why
    assert [t.name for t in calibration.check_targets(None)] == fitted
    # Named explicitly, a checked-only target can still be fitted.
    assert calibration.check_targets(["burnout_leave_or"])[0].name == "burnout_leave_or"


def test_run_together_is_the_separate_runs_with_one_warm_up():
    import warnings

    warnings.simplefilter("ignore", cs.warmup.WarmupWarning)
    both = cs.run_together(["typical", "just_culture"], years=1, warmup_years=2, seed=4, replicate=3, progress=False)
    for pair, name in zip(both, ["typical", "just_culture"]):
        alone = cs.run(name, years=1, warmup_years=2, seed=4, replicate=3, progress=False)
        for k in alone.series:
            np.testing.assert_array_equal(pair.series[k], alone.series[k])
    with pytest.raises(ValueError, match="non-empty list of scenarios"):
        cs.run_together("typical")
    with warnings.catch_warnings(record=True) as caught:  # one shared warm-up: one warning
        warnings.simplefilter("always")
        cs.run_together(["typical", "just_culture"], years=1, warmup_years=2, progress=False)
    assert [type(w.message) for w in caught] == [cs.warmup.WarmupWarning]


def test_a_simulation_is_determined_by_its_parameters_and_seed():
    targets = calibration.check_targets(["burnout_nurses", "change_burnout"])
    values = {"coach_effect": 0.2}
    seed = calibration.simulation_seed(values, 0)
    first = calibration.simulate(values, targets, 5, 1, seed)
    assert first == calibration.simulate(values, targets, 5, 1, seed)
    assert seed != calibration.simulation_seed({"coach_effect": 0.3}, 0)


# -- calibration -----------------------------------------------------------------------------------
def test_bad_calibration_settings_are_refused_with_the_field_named():
    with pytest.raises(ValueError, match="particles must be a whole number"):
        cs.calibrate(**{**TINY, "particles": 0})
    with pytest.raises(ValueError, match="years = 3 is too short"):
        cs.calibrate(**{**TINY, "years": 3})
    with pytest.raises(ValueError, match="warmup_years"):
        cs.calibrate(**{**TINY, "warmup_years": -1})
    with pytest.raises(ValueError, match="executor must be None"):
        cs.calibrate(executor="local", **{k: v for k, v in TINY.items() if k != "cores"})


def test_a_tiny_calibration_writes_a_posterior_with_its_provenance(tmp_path):
    path = tmp_path / "post.h5"
    post = cs.calibrate(path, params=TWO, **QUICK)
    assert post.names == TWO and len(post) == 4
    assert math.isclose(post.weights.sum(), 1)
    for j, name in enumerate(TWO):
        p = prior_specs.PRIORS[name]
        assert np.all((post.values[:, j] >= p["low"]) & (post.values[:, j] <= p["high"]))
    prov = post.provenance
    assert prov["library"] == "pyabc" and prov["library_version"]
    assert prov["simulations"] >= 4 and 0 < prov["acceptance"] <= 1 and prov["wall_seconds"] > 0
    back = cs.open_posterior(path)
    np.testing.assert_array_equal(back.values, post.values)
    np.testing.assert_array_equal(back.weights, post.weights)
    assert [t["name"] for t in back.targets] == LEVELS
    assert [p["name"] for p in back.priors] == TWO
    assert back.settings == post.settings and back.provenance == post.provenance
    assert len(back.generations) == 1
    # Not overwritten without force; resumed with different settings: refused, file untouched.
    before = path.read_bytes()
    with pytest.raises(FileExistsError, match="already exists"):
        cs.calibrate(path, params=TWO, **QUICK)
    with pytest.raises(ValueError, match="particles: file 4, now 5"):
        cs.calibrate(path, params=TWO, resume=True, **{**QUICK, "particles": 5})
    assert path.read_bytes() == before
    # Resumed: the first generation is kept, a second is added.
    more = cs.calibrate(path, params=TWO, resume=True, **{**QUICK, "generations": 2})
    assert len(more.generations) == 2
    assert more.generations["epsilon"].iloc[1] <= more.generations["epsilon"].iloc[0]
    assert more.provenance["simulations"] > prov["simulations"]
    assert more.provenance["wall_seconds"] > prov["wall_seconds"]


@pytest.mark.slow  # two spawned worker processes start up: about half a minute on a loaded machine
def test_a_calibration_runs_on_an_executor():
    import concurrent.futures as cf
    import multiprocessing

    with cf.ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn")) as pool:
        post = cs.calibrate(params=["coach_effect"], executor=pool, **{k: v for k, v in QUICK.items() if k != "cores"})
    assert len(post) == 4 and post.settings["targets"] == LEVELS


def test_the_predictive_check_says_which_targets_are_reached():
    post = cs.calibrate(params=["coach_effect"], targets=["change_harm", "burnout_leave_or"], **TINY)
    table = cs.validation.predictive(post, draws=3, cores=1)
    # Every target is checked, the fitted ones and the rest: a posterior is judged on all of them.
    assert list(table.index) == list(calibration.all_targets())
    assert set(table.index[table["fitted"]]) == {"change_harm", "burnout_leave_or"}
    for _, row in table.iterrows():
        assert row["p05"] <= row["median"] <= row["p95"]
        assert row["reaches"] == bool(row["p95"] >= row["band_low"] and row["p05"] <= row["band_high"])


# -- the posterior ------------------------------------------------------------------------------------
def test_posterior_median_and_sample_follow_the_weights():
    post = cs.Posterior(
        ["coach_effect", "culture_strain"], np.array([[0.1, 0.3], [0.3, 0.6], [0.4, 0.7]]), [0.1, 0.8, 0.1]
    )
    med = post.median()
    assert med["coach_effect"] == 0.3 and med["culture_strain"] == 0.6
    assert med["alpha_base"] == cs.default_params()["alpha_base"]
    draws_ = [p["coach_effect"] for p in post.sample(400, seed=3)]
    assert 0.7 < draws_.count(0.3) / 400 < 0.9
    assert "Posterior(3 particles" in repr(post)
    assert math.isclose(post.effective_size(), 1 / (0.1**2 + 0.8**2 + 0.1**2))


def test_a_bad_posterior_is_refused(tmp_path):
    with pytest.raises(ValueError, match="weights must be"):
        cs.Posterior(["coach_effect"], np.array([[0.1]]), [-1.0])
    with pytest.raises(ValueError, match="out of range"):
        cs.Posterior(["coach_effect"], np.array([[1.5]]))
    with pytest.raises(KeyError, match="has no prior"):
        cs.Posterior(["base_error_rate"], np.array([[0.1]]))
    other = tmp_path / "r.h5"
    cs.Experiment(["blame"], replicates=1, years=1, warmup_years=0).run(other, progress=False)
    with pytest.raises(OSError, match="not a culturesim posterior file"):
        cs.open_posterior(other)


# -- experiments over draws and their intervals ----------------------------------------------------------
def test_an_experiment_over_draws_has_a_draw_dimension_and_common_random_numbers():
    post = cs.Posterior(["coach_effect"], np.array([[0.1], [0.4]]))
    again = cs.Scenario("typical_again", policy="typical")
    exp = cs.Experiment(["typical", again], params=post, draws=3, replicates=2, years=1, warmup_years=1)
    assert exp.n_runs == 2 * 3 * 2
    res = exp.run(progress=False)
    assert isinstance(res, cs.ExperimentResult) and res.scenarios == ["typical", "typical_again"] and res.draws == 3
    ds = res.to_xarray()
    assert ds["reports"].dims == ("scenario", "draw", "replicate", "period")
    assert set(np.unique(ds["coach_effect"].values)) <= {0.1, 0.4}
    # Two identical scenarios: every (draw, replicate) pair is identical, the difference exactly 0.
    np.testing.assert_array_equal(ds["reports"].sel(scenario="typical"), ds["reports"].sel(scenario="typical_again"))
    c = res.compare("typical", "typical_again", "reports")
    assert c["diff"] == 0 and c["sources"] == intervals.BOTH and c["draws"] == 3 and c["n"] == 6
    table = res.compare_table("typical", "typical_again", ["reports", "harm_events"])
    assert (table["sources"] == intervals.BOTH).all()
    assert set(res.to_pandas(["reports"]).columns) >= {"scenario", "draw", "replicate", "reports", "coach_effect"}


def test_a_scenario_keeps_its_own_value_of_a_drawn_parameter():
    sets = [cs.default_params(coach_effect=0.1), cs.default_params(coach_effect=0.4)]
    exp = cs.Experiment([cs.Scenario("mine", params={"coach_effect": 0.3})], params=sets, replicates=1, years=1)
    assert [s.params["coach_effect"] for s in exp.scenarios] == [0.3, 0.3]
    with pytest.raises(ValueError, match="draws is for a Posterior"):
        cs.Experiment(["typical"], params=sets, draws=2)
    with pytest.raises(ValueError, match="params must be a cs.Posterior"):
        cs.Experiment(["typical"], params="posterior.h5")


def test_run_to_run_intervals_are_labelled_and_keep_the_t_interval():
    from scipy import stats

    rng = np.random.default_rng(1)
    a = rng.normal(100, 5, 12)
    b = a * 0.6 + rng.normal(0, 3, 12)
    r = intervals.paired(a[None], b[None])
    d = b - a
    half = stats.t.ppf(0.975, 11) * d.std(ddof=1) / np.sqrt(12)
    assert math.isclose(r["ci_low"], d.mean() - half) and math.isclose(r["ci_high"], d.mean() + half)
    assert r["sources"] == intervals.RUN_TO_RUN and "run-to-run variation only" in r["interval"]
    assert r["rel_low"] < r["relative"] < r["rel_high"]


def test_relative_intervals_never_cross_minus_100_percent():
    rng = np.random.default_rng(2)
    a = rng.gamma(2.0, 5.0, (1, 6))
    b = a * rng.uniform(0.0, 0.05, (1, 6))  # a near-total drop with wild noise
    r = intervals.paired(a, b)
    assert r["ci_low"] / r["mean_a"] < -1  # the old difference-based interval would cross -100%
    assert -1 < r["rel_low"] <= r["rel_high"]
    many = intervals.paired(rng.gamma(2.0, 5.0, (30, 2)), rng.gamma(2.0, 0.1, (30, 2)))
    assert -1 <= many["rel_low"] <= many["rel_high"] and many["sources"] == intervals.BOTH


def test_compare_stays_backwards_compatible():
    res = cs.Experiment(["blame", "just_culture"], replicates=3, years=1, warmup_years=0).run(progress=False)
    c = res.compare("blame", "just_culture", "reports")
    for key in (
        "metric",
        "a",
        "b",
        "mean_a",
        "mean_b",
        "diff",
        "ci_low",
        "ci_high",
        "relative",
        "n",
        "level",
        "differences",
    ):
        assert key in c
    assert c["sources"] == intervals.RUN_TO_RUN and c["n"] == 3


# -- sensitivity of an effect --------------------------------------------------------------------------
def test_morris_ranks_the_parameters_of_a_level():
    s = cs.sensitivity(
        "burnout_prevalence",
        b=None,
        params=["chronic_stress", "coach_effect"],
        trajectories=3,
        years=2,
        window=(0, 2),
        warmup_years=1,
        cores=1,
    )
    assert s.method == "morris" and len(s.Y) == 3 * 3 and set(s.indices.index) == {"chronic_stress", "coach_effect"}
    # Chronic job strain drives the burnout level far more than coaching does.
    assert s.indices.index[0] == "chronic_stress"
    ax = s.plot()
    assert ax.get_yticklabels()[-1].get_text() == "chronic_stress"


def test_the_paired_effect_is_b_minus_a_on_common_random_numbers():
    s = cs.sensitivity(
        "reports",
        params=["safety_learn", "coach_effect"],
        trajectories=2,
        years=3,
        window=(1, 3),
        warmup_years=1,
        cores=1,
    )
    assert "change of reports, 'typical' -> 'just_culture'" in s.what
    values = dict(zip(s.names, s.X[0]))

    def level(policy):
        with warnings.catch_warnings():  # a 1-year warm-up does not settle; the analysis knows
            warnings.simplefilter("ignore", WarmupWarning)
            r = cs.run(
                cs.Scenario(policy, params=values, policy=policy), years=3, warmup_years=1, threads=1, progress=False
            )
        return calibration.window_mean(r, "reports", (1, 3))

    assert math.isclose(s.Y[0], level("just_culture") - level("typical"))


def test_sobol_and_bad_sensitivity_settings():
    s = cs.sensitivity(
        "reports",
        b=None,
        params=["safety_learn", "alpha_base"],
        method="sobol",
        samples=4,
        years=2,
        window=(0, 2),
        warmup_years=0,
        cores=1,
    )
    assert list(s.indices.columns[:2]) == ["ST", "ST_conf"] and len(s.Y) == 4 * 4
    with pytest.raises(ValueError, match="method must be 'morris' or 'sobol'"):
        cs.sensitivity(method="fast")
    with pytest.raises(ValueError, match="power of 2"):
        cs.sensitivity(method="sobol", samples=5)
    with pytest.raises(ValueError, match="window must be"):
        cs.sensitivity(window=(3, 9), years=5)


@pytest.mark.parametrize("module", [prior_specs, posterior, intervals, draws, effect_sensitivity, calibration])
def test_module_examples(module):
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0


def test_the_defaults_are_the_shipped_posteriors_medians():
    # The rule: cs.default_params() is the default calibration's posterior median.
    post = cs.open_posterior()
    defaults = cs.default_params()
    for name, value in post.defaults().items():
        assert defaults[name] == value, f"{name}: default {defaults[name]}, posterior median {value}"
        assert "posterior median" in cs.parameter_table().loc[name, "source"]


def test_adopting_a_posterior_rewrites_only_its_parameters_defaults():
    import importlib.util
    from pathlib import Path

    spec = importlib.util.spec_from_file_location(
        "adopt_posterior", Path(__file__).parents[2] / "tools" / "adopt_posterior.py"
    )
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    table = tool.TABLE.read_text()
    changed = tool.adopt(table, {"coach_effect": 0.123, "fix_prob": 0.456})
    assert "CS_PARAM(scalar, coach_effect, 0.123," in changed and "CS_PARAM(scalar, fix_prob, 0.456," in changed
    assert len(changed.splitlines()) == len(table.splitlines())
    assert changed.count(tool.MARK) == table.count(tool.MARK) + sum(
        f"CS_PARAM(scalar, {n}," in table and tool.MARK not in _row(table, n) for n in ("coach_effect", "fix_prob")
    )
    again = tool.adopt(changed, {"coach_effect": 0.2})
    assert "CS_PARAM(scalar, coach_effect, 0.2," in again and again.count(tool.MARK) == changed.count(tool.MARK)
    with pytest.raises(SystemExit, match="no single scalar CS_PARAM row for 'severity_weight'"):
        tool.adopt(table, {"severity_weight": 1.0})


def _row(table: str, name: str) -> str:
    start = table.index(f"CS_PARAM(scalar, {name},")
    return table[start : table.index('")\n', start)]


def test_the_shipped_posterior_matches_the_table_and_the_targets():
    post = cs.open_posterior()  # bindings/culturesim/data/posterior.h5
    table = cs.priors()
    # Made from today's priors and targets: a changed prior or target makes it stale, and this fails.
    assert post.names == list(table.index)
    for p in post.priors:
        row = table.loc[p["name"]]
        assert (p["distribution"], p["low"], p["high"], p["basis"]) == (
            row["distribution"],
            row["low"],
            row["high"],
            row["basis"],
        )
    assert post.settings["targets"] == calibration.fitted_targets()
    for t in post.targets:
        assert (t["low"], t["high"]) == calibration.all_targets()[t["name"]].band
    assert post.provenance["library"] == "pyabc" and post.provenance["simulations"] > 0
    assert len(post) == post.settings["particles"]
