"""Whole workflows as an analyst runs them: every analysis and every command on every kind of result.

The acceptance matrix of issue 17: {fixed parameters, posterior draws} x {scenarios with
interventions, a sweep, a per-unit and per-role breakdown} x {Python API, command line}. Each cell
runs a small experiment into a file and puts it through every analysis (compare, compare_all,
per_run, summary, totals, economics, sweep tables, plots, xarray and pandas views, the report) and
every command that reads a file (info, compare, compare --economics, compare --csv, plot, report).
Their numbers must agree across paths: economics totals equal the sums of the yearly series, the
report's tables equal compare_all, and the CLI's CSV equals the Python table.
"""

from __future__ import annotations

import doctest
import html
import io

import numpy as np
import pandas as pd
import pytest

import culturesim as cs
from culturesim import board, cli, evidence, intervals, limitations, metrics, results, text_tables
from culturesim.metrics import COMPARED, HEADLINE, METRICS

PARAMS = ("fixed", "draws")
KINDS = ("interventions", "sweep", "breakdown")
SETTINGS = dict(years=2, warmup_years=1, seed=5)


def _parameters(params: str) -> dict:
    if params == "fixed":
        return {"replicates": 3}
    return {"replicates": 1, "params": cs.open_posterior(), "draws": 3}


def _experiment(params: str, kind: str) -> cs.Experiment:
    extra = {**_parameters(params), **SETTINGS}
    if kind == "sweep":
        return cs.sweep("typical", {"blame": [0.0, 1.0]}, others=["typical"], **extra)
    launch = cs.Scenario("support_at_year_1", interventions=[cs.Intervention.launch_support(at_year=1)])
    return cs.Experiment(["typical", "just_culture", launch], breakdown=kind == "breakdown", **extra)


@pytest.fixture(scope="module", params=[(p, k) for p in PARAMS for k in KINDS], ids=lambda c: f"{c[0]}-{c[1]}")
def cell(request, tmp_path_factory):
    params, kind = request.param
    path = tmp_path_factory.mktemp(f"{params}-{kind}") / "results.h5"
    _experiment(params, kind).run(path, progress=False)
    return params, kind, path


def _others(res) -> list[str]:
    return [s for s in res.scenarios if s != "typical"]


def test_the_result_has_one_shape_and_says_what_its_intervals_include(cell):
    params, kind, path = cell
    res = cs.open_results(path)
    draws = 1 if params == "fixed" else 3
    assert res.draws == draws and res.runs == 3
    assert res["harm_events"].shape[:3] == (len(res.scenarios), draws, res.replicates)
    assert res.per_run("burnout_prevalence").shape == (len(res.scenarios), draws, res.replicates)
    ds = res.to_xarray()
    assert ds["reports"].dims == ("scenario", "draw", "replicate", "period")
    assert ds["sv_past_year_share"].attrs["label"] == METRICS["sv_past_year_share"].label
    assert res.uncertainty == ("run-to-run" if params == "fixed" else "parameters and run-to-run")
    frame = res.to_pandas(["harm_events"])
    assert len(frame) == len(res.scenarios) * res.runs * len(res.period_start_day)
    assert {"scenario", "draw", "replicate", "year", "blame"} <= set(frame.columns)
    if params == "draws":
        assert res.draw_params and all(v.shape == (3,) for v in res.draw_params.values())
        assert set(res.draw_params) <= set(ds.coords)
    assert repr(res).startswith("ExperimentResult(")


def test_every_analysis_runs_and_the_numbers_agree(cell):
    params, kind, path = cell
    res = cs.open_results(path)
    others = _others(res)
    table = res.compare_all("typical")
    assert set(table["scenario"]) == set(others) and set(table["metric"]) == set(COMPARED)
    expected_sources = "run-to-run" if params == "fixed" else "parameters and run-to-run"
    assert (table["sources"] == expected_sources).all()
    for other in others:
        c = res.compare("typical", other, "harm_events")
        per_run = res.per_run("harm_events")
        assert c["diff"] == pytest.approx(np.nanmean(per_run[res._index(other)] - per_run[0]))
        assert np.isfinite(c["ci_low"]) and c["ci_low"] <= c["diff"] <= c["ci_high"]
    summary = res.summary()
    assert set(summary.index.get_level_values("metric")) == set(HEADLINE)

    # Economics totals equal the sums of the yearly series.
    econ = res.economics("typical")
    harm = res["harm_events"]
    for other in others:
        rows = econ[econ["scenario"] == other].set_index("measure")
        assert rows.loc["harm_baseline", "value"] == pytest.approx(np.nanmean(harm[0].sum(axis=-1)))
        i = res._index(other)
        assert rows.loc["harm_averted", "value"] == pytest.approx(np.nanmean((harm[0] - harm[i]).sum(axis=-1)))
        assert (rows["sources"] == expected_sources).all()
        assert rows.loc["programme_cost_pv", "ci_low"] <= rows.loc["programme_cost_pv", "value"]
    totals = board.totals_table(res)
    assert set(totals["scenario"]) == set(res.scenarios)
    assert res.totals("cost_total").shape == res.per_run("cost_total").shape

    # Tables for people.
    shown = board.human(table)
    burnout = shown[shown["metric"] == "burnout_prevalence"]
    assert burnout["difference"].str.endswith("points").all() and burnout["value"].str.endswith("%").all()

    # Plots.
    res.plot("sv_past_year_share")
    res.plot_compare("typical", others[0])
    if kind == "sweep":
        sweep = res.sweep_table("harm_events")
        assert sweep.loc["blame=1", "blame"] == 1.0 and sweep.loc["typical", "n"] == 3
        assert (sweep["sources"] == expected_sources).all()
        assert res.swept == ["blame"]
        assert res.coords()["blame"].tolist()[1:] == [0.0, 1.0]
        grid = res.to_xarray(grid=True)
        assert grid["harm_events"].dims[:3] == ("blame", "draw", "replicate")
        assert float(res.to_xarray().sel(blame=1.0)["harm_events"].mean()) > 0
        res.plot_sweep("burnout_prevalence")
    if kind == "breakdown":
        for by in ("unit", "role"):
            groups = res.groups(by)
            ds = res.to_xarray(by=by)
            assert ds["harm_events"].dims == ("scenario", "draw", "replicate", by, "period")
            # The parts add up to the whole hospital (flows).
            assert np.allclose(ds["harm_events"].sum(by).values, res["harm_events"], equal_nan=True)
            per_group = res.compare_all("typical", metrics=["harm_events", "burnout_prevalence"], by=by)
            column = board.GROUP_COLUMNS[by]
            assert list(dict.fromkeys(per_group[column])) == groups
            one = res.compare("typical", "just_culture", "harm_events", **{by: groups[0]})
            row = per_group[(per_group[column] == groups[0]) & (per_group["scenario"] == "just_culture")]
            assert row[row["metric"] == "harm_events"]["difference"].iloc[0] == pytest.approx(one["diff"])
        unit = res.groups("unit")[0]
        assert np.array_equal(res[f"by_unit.{unit}.reports"], res.values("reports", unit=unit), equal_nan=True)


def test_the_report_holds_every_section_and_its_tables_equal_compare_all(cell):
    params, kind, path = cell
    res = cs.open_results(path)
    page = cs.report.report_html(res)
    for heading in ("Summary", "What was run", "What changes against typical", "Economics over 2 years", "Limitations"):
        assert f">{heading}<" in page, heading
    assert ("By unit and by role" in page) == (kind == "breakdown")
    assert "per -" not in page and "days</td>" not in page  # no "events per -12 days"
    assert page.count("data:image/png;base64,") >= 2 + len(_others(res))
    shown = board.human(res.compare_all("typical"))
    text = html.unescape(page)
    for _, r in shown.iterrows():
        assert str(r["value"]) in text and str(r["baseline"]) in text
    econ = board.human(res.economics("typical"))
    for value in econ["value"]:
        assert str(value) in text
    if params == "draws":
        assert "parameter uncertainty and run-to-run variation" in text


def test_every_command_reads_the_file(cell, tmp_path, capsys):
    params, kind, path = cell
    res = cs.open_results(path)
    other = _others(res)[0]
    assert cli.main(["info", str(path)]) == 0
    out = capsys.readouterr().out
    assert "runs done:" in out and "SV past yr" in out
    assert cli.main(["compare", str(path), "typical", *_others(res), "--economics"]) == 0
    out = capsys.readouterr().out
    assert "Second victims in the past year" in out and "roi" in out
    assert ("parameter uncertainty and run-to-run" in out) == (params == "draws")
    assert cli.main(["compare", str(path), "typical", other, "--csv"]) == 0
    csv = pd.read_csv(io.StringIO(capsys.readouterr().out), index_col="metric")
    python = res.compare_table("typical", other)
    assert np.allclose(csv["diff"], python["diff"]) and np.allclose(csv["ci_high"], python["ci_high"], equal_nan=True)
    assert cli.main(["plot", str(path), "-o", str(tmp_path / "fig.png")]) == 0
    assert (tmp_path / "fig.png").stat().st_size > 10_000
    assert cli.main(["report", str(path), "-o", str(tmp_path / "report.html")]) == 0
    assert "Economics over" in (tmp_path / "report.html").read_text()
    capsys.readouterr()


def test_the_command_line_runs_each_kind_over_draws_and_fixed_parameters(tmp_path, capsys):
    # The run commands themselves, on a scenario file with interventions and a sweep file.
    spec = tmp_path / "exp.toml"
    spec.write_text(
        "years = 1\nreplicates = 2\nwarmup_years = 1\nbreakdown = true\n\n"
        '[[scenarios]]\nname = "typical"\npolicy = "typical"\n\n'
        '[[scenarios]]\nname = "just"\npolicy = "just_culture"\n'
    )
    out = tmp_path / "exp.h5"
    assert cli.main(["sweep", str(spec), "-o", str(out), "--no-progress"]) == 0
    res = cs.open_results(out)
    assert res.breakdown and res.draws == 1
    assert cli.main(["report", str(out), "-o", str(tmp_path / "r.html")]) == 0
    assert "By unit and by role" in (tmp_path / "r.html").read_text()
    capsys.readouterr()


@pytest.mark.parametrize("module", [metrics, results, evidence, limitations, text_tables, intervals])
def test_module_examples(module):
    found = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert found.attempted > 0 and found.failed == 0


def test_every_engine_output_has_a_label_and_every_derived_metric_its_parts():
    engine = {o["name"] for o in cs._engine.output_specs()}
    stored = {n for n, m in METRICS.items() if not m.derived}
    assert stored == engine
    for m in METRICS.values():
        assert m.label and m.label[0].isupper() and m.kind in ("flow", "level"), m.name
        assert m.change in ("relative", "points") and (m.change == "points") == m.share, m.name
        assert all(p in engine for p in m.parts) and (m.per is None or m.per in engine), m.name
    assert HEADLINE == ("harm_events", "reports", "sv_past_year_share", "burnout_prevalence", "quits", "cost_total")
    assert METRICS["sv_started"].caveat and "past year" in METRICS["sv_started"].caveat
    assert METRICS["cost_total"].rate_unit == "USD per year" and METRICS["burnout_prevalence"].rate_unit == "% of staff"


@pytest.mark.slow
def test_the_readme_demo_output_goes_through_every_command_and_renders_in_chromium(
    tmp_path, monkeypatch, capsys, render_in_chromium
):
    """What a newcomer does: the demo (its defaults, parameters drawn from the shipped posterior),
    then every command that reads its file, then the report in a real browser."""
    monkeypatch.chdir(tmp_path)
    assert cli.main(["demo", "--no-progress"]) == 0
    res = cs.open_results("results.h5")
    assert res.draws == 20 and res.uncertainty == "parameters and run-to-run"
    assert cli.main(["info", "results.h5"]) == 0
    assert cli.main(["compare", "results.h5", "typical", "just_culture"]) == 0
    assert cli.main(["compare", "results.h5", "typical", *res.scenarios[1:], "--economics"]) == 0
    out = capsys.readouterr().out
    assert "parameter uncertainty and run-to-run variation" in out and "roi" in out
    assert cli.main(["plot", "results.h5", "-o", "plot.png"]) == 0
    assert cli.main(["report", "results.h5", "-o", "report.html"]) == 0
    page = (tmp_path / "report.html").read_text()
    assert ">Summary<" in page and "return on investment" in page and "parameter uncertainty" in page
    images, tables = render_in_chromium(tmp_path / "report.html", tmp_path / "report.png")
    assert len(images) == 1 + 1 + len(res.scenarios) - 1  # costs, trajectories, a forest per programme
    for image in images:
        assert image["ok"] and image["w"] > 300 and image["h"] > 200 and image["shown"] > 300, image
    for table in tables:
        assert table["rows"] >= 2 and table["cells"] > 0 and table["height"] > 30, table


def test_no_help_text_shows_a_doubled_percent_sign(capsys):
    parser = cli.build_parser()
    commands = parser._subparsers._group_actions[0].choices  # every subcommand's parser
    for name, sub in commands.items():
        text = sub.format_help()
        assert "%%" not in text, name
