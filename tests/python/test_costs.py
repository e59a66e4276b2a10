"""Cost parameters: every cost has a source and a range, draws draw costs, the split, assumptions."""

from __future__ import annotations

import math

import numpy as np
import pytest

import culturesim as cs
from culturesim import _engine, cost_uncertainty, costs, draws


def _cost_names() -> list[str]:
    return [s["name"] for s in _engine.parameter_specs() if s["unit"].startswith("USD")]


def test_every_cost_parameter_has_a_range_and_a_source():
    table = cs.costs.ranges()
    assert sorted(costs.RANGES) == sorted(_cost_names())
    for (name, key), row in table.iterrows():
        assert row["low"] <= row["default"] <= row["high"], (name, key)
        assert row["basis"] in ("source", "assumption")
        assert row["output"] in cs.OUTPUTS and cs.OUTPUTS[row["output"]]["unit"] == "USD"
        assert row["why"] and row["source"]


def test_costs_by_severity_role_and_claims_come_from_the_cited_figures():
    p = cs.default_params()
    # Harm by severity (AHRQ 2017): none without harm, an adverse drug event or fall for moderate,
    # a central-line infection for severe.
    assert p["harm_cost"]["near_miss"] == p["harm_cost"]["no_harm"] == 0
    assert 5700 <= p["harm_cost"]["moderate"] <= 6700
    assert p["harm_cost"]["severe"] == 48000
    # Turnover by role: a resident is training attrition, well below an attending's recruitment.
    role = p["replacement_cost"]
    assert 56000 <= role["nurse"] <= 61000
    assert 500000 <= role["attending"] <= 1000000
    assert role["resident"] < role["attending"] / 3
    # A claim: 30% paid at the NPDB mean payment plus handling; empathic disclosure 0.64 of it.
    assert p["claim_cost"]["defensive"] == pytest.approx(0.3 * 428090 + 54165, rel=0.01)
    assert p["claim_cost"]["empathic"] / p["claim_cost"]["defensive"] == pytest.approx(0.64, abs=0.01)


def test_parameter_docs_show_the_cost_ranges():
    from pathlib import Path

    page = Path(__file__).resolve().parents[2] / "docs" / "parameters.md"
    if not page.exists():
        pytest.skip("docs/ is not beside an installed package")
    text = page.read_text()
    assert "## Cost ranges" in text
    for name in costs.RANGES:
        assert f"| `{name}` |" in text.split("## Cost ranges")[1]


def test_drawn_costs_stay_in_their_ranges_and_leave_the_rest_alone():
    base = cs.default_params(coach_effect=0.3)
    sets = cs.costs.draw(base, 200, seed=5)
    table = cs.costs.ranges()
    for (name, key), row in table.iterrows():
        values = np.array([s[name][key] if key else s[name] for s in sets])
        assert (values >= row["low"]).all() and (values <= row["high"]).all()
        if row["high"] > row["low"]:
            assert values.std() > 0, (name, key)  # drawn, not fixed
    assert all(s["coach_effect"] == 0.3 and s["alpha_base"] == base["alpha_base"] for s in sets)
    # Draw k depends only on (seed, k).
    assert cs.costs.draw(base, 3, seed=5) == sets[:3]
    assert cs.costs.draw(base, 3, seed=6) != sets[:3]


def test_central_puts_every_cost_back_at_its_default():
    drawn = cs.costs.draw(None, 1, seed=1)[0]
    assert drawn != cs.default_params()
    assert cs.costs.central(drawn) == cs.default_params()


def test_draws_from_a_posterior_draw_their_costs_but_a_list_is_used_as_given():
    post = cs.open_posterior()
    sets = draws.parameter_sets(post, 4, seed=0)
    assert len({s["harm_cost"]["severe"] for s in sets}) == 4
    sampled = post.sample(4, seed=0)
    for s, p in zip(sets, sampled):  # the dynamics' parameters are the posterior's draws
        assert all(s[name] == p[name] for name in post.names)
    given = [cs.default_params(), cs.default_params(coach_effect=0.1)]
    assert draws.parameter_sets(given, None, seed=0) == given


def test_costs_do_not_change_the_dynamics():
    kw = dict(years=1, warmup_years=0, replicates=1)
    a = cs.Experiment(["typical"], params=[cs.default_params()], **kw).run(progress=False)
    b = cs.Experiment(["typical"], params=cs.costs.draw(None, 1, seed=2), **kw).run(progress=False)
    xa, xb = a.to_xarray(), b.to_xarray()
    for name in cs.OUTPUT_NAMES:
        if cs.OUTPUTS[name]["unit"] != "USD":
            np.testing.assert_array_equal(xa[name].values, xb[name].values, err_msg=name)
    assert not np.array_equal(xa["cost_harm"].values, xb["cost_harm"].values)


def test_split_fixes_costs_and_keeps_the_dynamics():
    post = cs.open_posterior()
    exp = cs.Experiment(["typical", "just_culture"], params=post, draws=3, replicates=1, years=1, warmup_years=0)
    fixed = cost_uncertainty.costs_fixed(exp)
    assert [s.stream for s in fixed.scenarios] == [s.stream for s in exp.scenarios]
    for s, f in zip(exp.scenarios, fixed.scenarios):
        assert costs.central(s.params) == f.params
    table = cs.cost_split(exp, "typical", progress=False)
    roi = table.set_index("measure").loc["harm_averted"]
    assert roi["value"] == roi["value_fixed"]  # harm is dynamics: costs leave it alone
    assert roi["cost_share"] == pytest.approx(0.0) or math.isnan(roi["cost_share"])
    assert exp.scenarios[0].params != fixed.scenarios[0].params  # the experiment itself is untouched


def test_split_needs_draws():
    exp = cs.Experiment(["typical", "just_culture"], replicates=1, years=1, warmup_years=0)
    with pytest.raises(ValueError, match="experiment over parameter draws"):
        cs.cost_split(exp, "typical", progress=False)


def test_assumptions_list_the_assumed_costs_for_the_report():
    table = cs.params.assumptions()
    ranges = cs.costs.ranges()
    assert set(table.index) == set(ranges.index[ranges["basis"] == "assumption"])
    assert ("replacement_cost", "resident") in table.index
    assert ("replacement_cost", "attending") not in table.index
    row = table.loc[("coach_cost", "")]
    assert row["value"] == cs.default_params()["coach_cost"] and row["output"] == "cost_coaching"
