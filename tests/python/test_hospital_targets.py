"""A hospital's own figures as calibration targets (culturesim.hospital_targets) and the SOPS 2.0
measures they may include (culturesim.survey)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

import culturesim as cs
from culturesim import cli, survey
from culturesim.hospital_targets import Z95, check
from culturesim.validation import distance

EXAMPLE = Path(__file__).resolve().parents[2] / "experiments" / "hospitals" / "st_brigid.toml"

WARD = """
name = "ward"
[hospital]
[[hospital.units]]
name = "ward"
nurse = 40
attending = 6
"""


def test_the_example_file_reads_with_each_figure_and_its_uncertainty():
    local = cs.local_targets(EXAMPLE)
    names = [t.name for t in local.targets]
    assert names == [
        "turnover_nurse",
        "turnover_attending",
        "burnout_nurse",
        "burnout_attending",
        "sops_response_to_error",
        "sops_reporting_events",
        "incident_reports",
        "paid_claims",
    ]
    assert local.clinicians() == 304
    assert "Maslach" in local.instrument
    by = {t.name: t for t in local.targets}
    # n: binomial; interval: a 95% interval; years: Poisson.
    assert by["turnover_nurse"].se == pytest.approx(math.sqrt(0.21 * 0.79 / 225))
    assert by["turnover_attending"].band == pytest.approx((0.025, 0.115))  # centred on the figure, as wide
    assert by["incident_reports"].se == pytest.approx(math.sqrt(420 * 3) / 3)
    frame = local.to_frame()
    assert list(frame.columns[:4]) == ["value", "se", "low", "high"]


def test_the_distance_weighs_each_figure_by_its_uncertainty():
    few = cs.local_targets(text=WARD + "[turnover]\nnurse = { percent = 20, n = 40 }\n").targets
    many = cs.local_targets(text=WARD + "[turnover]\nnurse = { percent = 20, n = 400 }\n").targets
    off = {"turnover_nurse": 0.25}
    assert distance(off, many) == pytest.approx(math.sqrt(10) * distance(off, few))
    assert distance(off, few) == pytest.approx(0.05 / (Z95 * math.sqrt(0.2 * 0.8 / 40)))


@pytest.mark.parametrize(
    "text, message",
    [
        ("[turnover]\nnurse = { percent = 120, n = 3 }\n", "percent must be a number from 0 to 100, got 120"),
        ("[turnover]\nnurse = { percent = 20 }\n", "exactly one of n or interval"),
        ("[turnover]\nnurse = { percent = 20, n = 5, interval = [1, 30] }\n", "exactly one of n or interval"),
        ("[turnover]\nnurse = { percent = 20, interval = [25, 30] }\n", "must contain the figure 20"),
        ("[turnover]\nnurse = { percent = 20, n = 0 }\n", "n must be a whole number of at least 1"),
        ("[turnover]\nsurgeon = { percent = 20, n = 5 }\n", "names role 'surgeon'; allowed: nurse, resident"),
        ("[burnout]\nnurse = { percent = 20, n = 5 }\n", "[burnout] needs instrument"),
        ("[sops]\nteamwork = { percent = 80, n = 5 }\n", "names composite 'teamwork'; allowed: response_to_error"),
        ("[incident_reports]\nper_year = 10\n", "exactly one of years or interval"),
        ("[turnovr]\nnurse = { percent = 20, n = 5 }\n", "unknown table or key 'turnovr'"),
        ("", "no figures"),
    ],
)
def test_bad_figures_are_refused_naming_the_field(text, message):
    with pytest.raises(ValueError) as info:
        cs.local_targets(text=WARD + text)
    assert message in str(info.value)


def test_a_figures_file_needs_a_hospital_and_may_borrow_one(tmp_path):
    figures = tmp_path / "ours.toml"
    figures.write_text("[turnover]\nnurse = { percent = 20, n = 50 }\n")
    with pytest.raises(ValueError, match="no \\[hospital\\] table"):
        cs.local_targets(figures)
    hospital = tmp_path / "hospital.toml"
    hospital.write_text(WARD)
    assert cs.local_targets(figures, hospital=hospital).clinicians() == 46
    with pytest.raises(FileNotFoundError, match="no figures file at"):
        cs.local_targets(tmp_path / "none.toml")


def test_every_figure_is_measured_on_a_simulation_of_the_hospital():
    local = cs.local_targets(EXAMPLE)
    result = cs.run(local.scenario(), years=2, snapshot_every=91, progress=False)
    values = local.measure(result)
    assert set(values) == {t.name for t in local.targets}
    assert all(np.isfinite(v) for v in values.values())
    assert 0 < values["turnover_nurse"] < 1 and 0 <= values["sops_response_to_error"] <= 1
    assert values["incident_reports"] == pytest.approx(result["reports"].sum() / 2)


def test_calibrating_to_a_hospital_gives_its_posterior_from_the_shipped_one(tmp_path):
    local = cs.local_targets(EXAMPLE)
    names = ["alpha_base", "chronic_stress", "safety_learn"]
    post = cs.calibrate(
        tmp_path / "ours.posterior.h5",
        targets=local,
        params=names,
        particles=4,
        generations=1,
        years=1,
        warmup_years=2,
        cores=1,
        progress=False,
    )
    assert post.names == names and len(post) == 4
    again = cs.open_posterior(tmp_path / "ours.posterior.h5")
    assert again.settings["prior"] == "shipped posterior"
    assert again.settings["local"]["hospital"]["units"][0]["name"] == "ICU"
    assert [t["name"] for t in again.targets] == [t.name for t in local.targets]
    # ... and it drives experiments of that hospital.
    exp = cs.Experiment([local.scenario()], params=again, draws=2, replicates=1, years=1, warmup_years=0)
    assert exp.run(progress=False).to_xarray()["reports"].sizes["draw"] == 2
    table = check(again, local, draws=2)
    assert list(table.index) == [t.name for t in local.targets]


def test_a_posterior_as_prior_keeps_its_centre():
    from culturesim.prior_specs import posterior_prior, to_unit

    shipped = cs.open_posterior()
    prior = posterior_prior(shipped, ["coach_effect"])
    draws = np.asarray([prior.rvs()["coach_effect"] for _ in range(400)])
    u = to_unit("coach_effect", shipped.values[:, shipped.names.index("coach_effect")])
    assert abs(draws.mean() - np.sum(shipped.weights * u)) < 0.03


def test_the_cli_calibrates_to_a_figures_file_and_refuses_a_bad_one(tmp_path, capsys):
    out = tmp_path / "ours.posterior.h5"
    code = cli.main(
        [
            "calibrate",
            "--targets",
            str(EXAMPLE),
            "--hospital",
            str(EXAMPLE),
            "-o",
            str(out),
            "--params",
            "alpha_base,safety_learn",
            "--particles",
            "3",
            "--generations",
            "1",
            "--years",
            "1",
            "--warmup-years",
            "1",
            "--cores",
            "1",
            "--no-progress",
            "--check",
            "2",
        ]
    )
    assert code == 0 and out.exists()
    assert "sops_response_to_error" in capsys.readouterr().out
    bad = tmp_path / "bad.toml"
    bad.write_text(WARD + "[sops]\nresponse_to_error = { percent = 50 }\n")
    assert cli.main(["calibrate", "--targets", str(bad), "-o", str(tmp_path / "x.h5")]) == 2
    assert "culturesim: error: " in capsys.readouterr().err
    assert cli.main(["calibrate", "--hospital", str(bad), "-o", str(tmp_path / "x.h5")]) == 2


def test_survey_composites_follow_the_culture():
    typical = cs.run("typical", years=1, snapshot_every=91, progress=False)
    blame = cs.run("blame", years=1, snapshot_every=91, progress=False, warmup_policy="blame")
    a = survey.mean_composites(typical.snapshots, typical.params)
    b = survey.mean_composites(blame.snapshots, blame.params)
    assert set(a) == set(survey.COMPOSITES)
    assert all(0 <= v <= 1 for v in a.values())
    assert b["response_to_error"] < a["response_to_error"] and b["reporting_events"] < a["reporting_events"]
    # A survey of everyone on staff lands near the expectation; a small one scatters around it.
    last = typical.snapshots[-1]
    expected = survey.composites(last, typical.params)
    full = survey.sample_survey(last, typical.params, respondents=10_000, seed=1)
    assert full["response_to_error"] == pytest.approx(expected["response_to_error"], abs=0.03)
