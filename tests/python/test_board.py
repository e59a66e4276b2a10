"""Board-ready statistics: many scenarios against a baseline, cumulative and discounted totals,
harm averted, cost per harm averted and return on investment, and number formats for people."""

from __future__ import annotations

import doctest
import math

import numpy as np
import pytest

import culturesim as cs
from culturesim import board, cli, overview, progress, provenance, report


@pytest.fixture(scope="module")
def res(tmp_path_factory):
    exp = cs.Experiment(
        [
            cs.Scenario("typical"),
            cs.Scenario("just", policy="just_culture"),
            cs.Scenario("support", policy=cs.Policy.typical().replace(support_level=1.0)),
        ],
        replicates=4,
        years=3,
        warmup_years=2,
        record_every=73,  # 5 periods a year: a horizon of 1.5 years cuts a period in half
    )
    return exp.run(tmp_path_factory.mktemp("board") / "b.h5", progress=False, description="board test")


@pytest.mark.parametrize("module", [board, provenance, progress, report, overview])
def test_module_examples(module):
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0


def test_compare_all_is_compare_for_every_scenario_and_metric(res):
    table = res.compare_all("typical", metrics=["harm_events", "burnout_prevalence", "cost_total"])
    assert list(table["scenario"].unique()) == ["just", "support"] and len(table) == 6
    for _, row in table.iterrows():
        c = res.compare("typical", row["scenario"], row["metric"])
        assert (row["baseline"], row["value"], row["difference"]) == (c["mean_a"], c["mean_b"], c["diff"])
        assert (row["ci_low"], row["ci_high"], row["relative"], row["n"]) == (
            c["ci_low"],
            c["ci_high"],
            c["relative"],
            c["n"],
        )
    assert table.loc[table["metric"] == "cost_total", "unit"].eq("USD/yr").all()
    only = res.compare_all(0, ["support"], metrics=["quits"])
    assert list(only["scenario"]) == ["support"]
    with pytest.raises(KeyError, match="unknown scenario 'nope'"):
        res.compare_all("nope")


def test_cumulative_totals_and_present_values(res):
    harm = res["harm_events"]
    np.testing.assert_allclose(res.totals("harm_events"), harm.sum(axis=-1))
    np.testing.assert_allclose(res.totals("harm_events", rate=0.0), harm.sum(axis=-1))
    # Half of the period that straddles 1.5 years (days 511-584) counts.
    start, days = res.period_start_day, res.period_days
    assert start[7] == 511 and days[7] == 73
    np.testing.assert_allclose(
        res.totals("cost_total", horizon=1.5),
        res["cost_total"][..., :7].sum(-1) + res["cost_total"][..., 7] * 36.5 / 73,
    )
    # Discounting at the period midpoints: a period in year 2.5 is worth 1.03**-2.5 of its value.
    mid = (start + days / 2) / 365
    np.testing.assert_allclose(res.totals("quits", rate=0.03), (res["quits"] * 1.03**-mid).sum(axis=-1))
    assert (res.totals("cost_total", rate=0.05) < res.totals("cost_total", rate=0.03)).all()
    table = board.totals_table(res, ["harm_events"], horizon=2)
    assert table.attrs == {"horizon": 2, "rate": 0.03} and len(table) == 3


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda r: r.totals("burnout_prevalence"), "is a level"),
        (lambda r: r.totals("harm_events", horizon=4), "beyond the run's 3 years"),
        (lambda r: r.totals("harm_events", horizon=-1), "positive number of years"),
        (lambda r: r.economics("typical", rate=1.5), "annual discount rate from 0 to 1"),
        (lambda r: r.economics("typical", level=95), "level must be a confidence"),
        (lambda r: r.economics("typical", scenarios=[]), "no scenario to compare"),
    ],
)
def test_bad_arguments_are_refused_with_a_message(res, call, message):
    with pytest.raises(ValueError, match=message):
        call(res)


def test_economics_follows_its_definitions(res):
    econ = res.economics("typical", horizon=2, rate=0.03)
    assert econ.attrs["rate"] == 0.03 and econ.attrs["horizon"] == 2
    assert list(econ["measure"].unique()) == list(board.MEASURES)
    harm = res.totals("harm_events", horizon=2)
    harm_pv = res.totals("harm_events", horizon=2, rate=0.03)
    prog = res.totals("cost_programme", horizon=2, rate=0.03)
    total = res.totals("cost_total", horizon=2, rate=0.03)
    for i, name in ((1, "just"), (2, "support")):
        got = econ[econ["scenario"] == name].set_index("measure")["value"]
        assert got["harm_averted"] == pytest.approx((harm[0] - harm[i]).mean())
        assert got["harm_averted_pv"] == pytest.approx((harm_pv[0] - harm_pv[i]).mean())
        assert got["programme_cost_pv"] == pytest.approx((prog[i] - prog[0]).mean())
        assert got["net_cost_pv"] == pytest.approx((total[i] - total[0]).mean())
        assert got["net_cost_pv"] == pytest.approx(got["programme_cost_pv"] - got["savings_pv"])
        if got["programme_cost_pv"] > 0:
            assert got["roi"] == pytest.approx(-got["net_cost_pv"] / got["programme_cost_pv"])
        if got["harm_averted_pv"] > 0:
            assert got["cost_per_harm_averted"] == pytest.approx(got["net_cost_pv"] / got["harm_averted_pv"])
        else:
            assert math.isnan(got["cost_per_harm_averted"])
    row = econ[(econ["scenario"] == "just") & (econ["measure"] == "harm_averted")].iloc[0]
    assert row["ci_low"] < row["value"] < row["ci_high"] and row["n"] == 4
    # The bootstrap is seeded: the same table twice.
    assert econ.equals(res.economics("typical", horizon=2, rate=0.03))


@pytest.mark.parametrize(
    "value, text",
    [
        (1234567.891, "1,234,568"),
        (123.4, "123"),
        (12.345, "12.3"),
        (1.2345, "1.23"),
        (0.012345, "0.0123"),
        (1.5e-7, "0.000000150"),
        (-0.0, "0"),
        (float("nan"), "n/a"),
        (1e12, "1,000,000,000,000"),
    ],
)
def test_human_numbers_never_use_scientific_notation(value, text):
    assert board.human_number(value) == text


def test_human_money_and_percent():
    assert board.human_money(-1234567.2) == "-$1,234,567"
    assert board.human_money(12.5) == "$12.50"
    assert board.human_percent(0.25) == "+25.0%"
    assert board.human_percent(-1.0) == "-100.0%"


def test_human_tables_have_no_scientific_notation(res):
    for table in (res.compare_all("typical"), res.economics("typical"), board.totals_table(res)):
        shown = board.human(table)
        text = shown.to_string()
        assert "e+" not in text and "e-0" not in text
    shown = board.human(res.compare_all("typical", metrics=["cost_total", "harm_events"]))
    assert shown["baseline"].iloc[0].startswith("$") and shown["relative"].iloc[0].endswith("%")


def test_compare_prints_several_scenarios_and_the_economics(res, capsys):
    assert cli.main(["compare", res.path, "typical", "just", "support", "--economics", "--horizon", "2"]) == 0
    out = capsys.readouterr().out
    assert "just against typical: paired changes" in out and "support against typical: paired changes" in out
    assert "just against typical: totals over 2 years, present values (PV) at 3% a year" in out
    assert "cost_per_harm_averted" in out and "e+0" not in out
    assert cli.main(["compare", res.path, "typical", "just", "support", "--csv", "--metric", "quits"]) == 0
    csv = capsys.readouterr().out.splitlines()
    assert csv[0].startswith("scenario,metric,label,unit,baseline,value,difference,ci_low,ci_high") and len(csv) == 3
    assert cli.main(["compare", res.path, "typical", "nope"]) == 2
    assert "unknown scenario 'nope'" in capsys.readouterr().err
    assert cli.main(["compare", res.path, "typical", "just", "--economics", "--rate", "5%"]) == 0
    assert "at 5% a year" in capsys.readouterr().out
