"""What the engine owns, Python reads from it (issue 10): presets, days per year, run limits,
categories, which parameters may change during a run, intervention kinds, run defaults."""

from __future__ import annotations

import pytest

import culturesim as cs
from culturesim import _engine, toml_io
from culturesim.intervention import DAYS_PER_YEAR
from culturesim.outputs import DAYS_PER_YEAR as OUTPUT_DAYS_PER_YEAR


def test_policy_presets_are_the_engines():
    assert _engine.policy_presets() == {"blame": 1.0, "typical": 0.6, "just_culture": 0.0}
    assert toml_io.POLICY_PRESETS == _engine.policy_presets()
    for name, b in _engine.policy_presets().items():
        assert cs.Scenario("x", policy=name).policy == cs.Policy.from_blame(b)


def test_days_per_year_and_run_limits_are_the_engines():
    assert DAYS_PER_YEAR == OUTPUT_DAYS_PER_YEAR == _engine.days_per_year == 365
    limits = _engine.run_limits
    assert limits == {
        "max_days": 100_000_000,
        "max_record_every": 36500,
        "max_replicates": 1_000_000,
        "max_threads": 4096,
        "max_warmup_years": 1000,
        "max_draws": 10_000,
    }
    with pytest.raises(ValueError, match=f"from 1 to {limits['max_replicates']}"):
        cs.Experiment(["blame"], replicates=limits["max_replicates"] + 1)
    post = cs.Posterior(["coach_effect"], [[0.1], [0.3]])
    with pytest.raises(ValueError, match=f"draws must be a whole number from 1 to {limits['max_draws']}"):
        cs.Experiment(["blame"], params=post, draws=limits["max_draws"] + 1)
    with pytest.raises(ValueError, match=f"from 1 to {limits['max_threads']}"):
        cs.run(years=0.1, threads=limits["max_threads"] + 1, progress=False)


def test_categories_and_kinds_are_the_engines():
    names = _engine.category_names()
    assert names["role"] == _engine.role_names() == ["nurse", "resident", "attending", "pharmacist"]
    assert set(names) == {"role", "severity", "response", "behaviour", "disclosure"}
    assert _engine.intervention_kinds() == ["set", "ramp", "launch_support", "fix_friction"]
    assert toml_io.RUN_DEFAULTS == {
        "years": 30,
        "replicates": 20,
        "seed": 0,
        "record_every": "month",
        "warmup_years": 20,
        "breakdown": False,
    }


def test_parameters_that_cannot_change_during_a_run_are_refused_by_interventions():
    fixed = [s["name"] for s in _engine.parameter_specs() if not s["changes_during_run"]]
    assert fixed == ["initial_hazards", "initial_shortcut", "initial_psych_safety", "initial_report_value"]
    for name in fixed:
        with pytest.raises(ValueError, match=f"parameter '{name}' is read only when a run starts"):
            cs.Scenario("x", interventions=[cs.Intervention(at_year=1, params={name: 0.5})])
        cs.Scenario("x", params={name: 0.5})  # where it belongs: the scenario's start
