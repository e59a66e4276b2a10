"""Saved hospital states (MODEL.md 8.1): an experiment keeps its runs' end states, another carries
on from them bit-identically; every wrong start is refused with a message naming what is wrong."""

from __future__ import annotations

import os

import h5py
import numpy as np
import pytest

import culturesim as cs
from culturesim.toml_io import experiment_toml, load_experiment

# 73-day periods: five to a year, so one year plus one year has the periods of two years.
SHORT = dict(replicates=2, record_every=73)


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    path = tmp_path_factory.mktemp("states") / "today.h5"
    cs.Experiment(["typical"], years=1, warmup_years=3, save_state=True, **SHORT).run(path, progress=False)
    return path


def test_carrying_on_from_saved_states_equals_running_on(saved, tmp_path):
    later = cs.Experiment(["typical", "just_culture"], years=1, start=saved, **SHORT)
    assert later.warmup_years == 0 and later.seed == 0
    assert "from the end states of today.h5" in repr(later)
    res = later.run(tmp_path / "later.h5", progress=False)
    straight = cs.Experiment(["typical"], years=2, warmup_years=3, **SHORT).run(progress=False)
    for name in ("burnout_prevalence", "harm_severe", "reports", "psych_safety_mean"):
        whole = straight.to_xarray()[name].sel(scenario="typical").values
        rest = res.to_xarray()[name].sel(scenario="typical").values
        np.testing.assert_array_equal(rest, whole[..., 5:])
    jc = res.to_xarray()["reports"].sel(scenario="just_culture").values
    assert not np.array_equal(jc, res.to_xarray()["reports"].sel(scenario="typical").values)
    with h5py.File(tmp_path / "later.h5") as f:
        # Kept relative to the output (docs/safety.md), never absolute.
        assert f.attrs["start_file"].decode() == os.path.relpath(saved, tmp_path)
        assert "arrays" not in f  # this one did not save its own states


def test_the_saved_states_are_run_arrays_of_the_file(saved):
    with h5py.File(saved) as f:
        assert int(f.attrs["saved_state"]) == 1
        burnout = f["arrays/state.burnout"]
        posts = sum(
            u[r] for u in cs.default_hospital()["units"] for r in ("nurse", "resident", "attending", "pharmacist")
        )
        assert burnout.shape == (1, 2, posts)
        assert np.all((burnout[...] >= 0) & (burnout[...] <= 1))
        assert f["arrays/state.day"][0, 0, 0] == 365


def test_a_start_given_as_a_result_or_with_its_scenario(saved, tmp_path):
    first = cs.open_results(saved)
    a = cs.Experiment(["typical"], years=73 / 365, start=first, **SHORT).run(progress=False)
    b = cs.Experiment(["typical"], years=73 / 365, start=(saved, "typical"), **SHORT).run(progress=False)
    np.testing.assert_array_equal(a.to_xarray()["reports"].values, b.to_xarray()["reports"].values)


def test_a_toml_file_starts_from_a_file_beside_it(saved, tmp_path):
    toml = tmp_path / "next.toml"
    toml.write_text(
        f'years = 0.2\nreplicates = 2\nrecord_every = 73\nstart = "{saved}"\nstart_scenario = "typical"\n'
        '[[scenarios]]\nname = "jc"\npolicy = "just_culture"\n'
    )
    exp = load_experiment(toml)
    assert exp.start == (str(saved), "typical") and exp.warmup_years == 0
    text = experiment_toml(
        {"jc": exp.scenarios[0].to_toml()}, {"years": 0.2, "start": str(saved), "start_scenario": "typical"}
    )
    assert f'start = "{saved}"' in text
    bad = tmp_path / "bad.toml"
    bad.write_text(f'years = 1\nwarmup_years = 5\nstart = "{saved}"\n')
    with pytest.raises(ValueError, match="no warm-up of its own"):
        load_experiment(bad)


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        (dict(start=("{saved}", "typcal")), KeyError, "did you mean 'typical'"),
        (dict(start="{missing}"), OSError, "missing.h5"),
        (dict(start="{saved}", replicates=3), ValueError, "allowed replicates 1 to 2"),
        (dict(start="{saved}", seed=4), ValueError, "made with seed 0"),
        (dict(start="{plain}"), ValueError, "holds no saved hospital states"),
    ],
)
def test_a_wrong_start_is_refused_before_anything_runs(saved, tmp_path, kwargs, error, match):
    plain = tmp_path / "plain.h5"
    cs.Experiment(["typical"], years=73 / 365, warmup_years=0, **SHORT).run(plain, progress=False)
    kwargs = {**SHORT, **kwargs}
    start = kwargs["start"]
    fill = {"saved": saved, "missing": tmp_path / "missing.h5", "plain": plain}
    kwargs["start"] = (start[0].format(**fill), start[1]) if isinstance(start, tuple) else start.format(**fill)
    with pytest.raises(error, match=match):
        cs.Experiment(["typical"], years=73 / 365, **kwargs).run(tmp_path / "out.h5", progress=False)
    assert not (tmp_path / "out.h5").exists()


def test_start_with_a_warm_up_or_an_executor_is_refused(saved):
    with pytest.raises(ValueError, match="no warm-up of its own"):
        cs.Experiment(["typical"], start=saved, warmup_years=5)
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1) as pool, pytest.raises(ValueError, match="this machine only"):
        cs.Experiment(["typical"], years=0.2, start=saved, **SHORT).run(executor=pool, progress=False)
    with pytest.raises(ValueError, match="save_state must be True or False"):
        cs.Experiment(["typical"], save_state="yes")


def test_info_shows_the_start_and_the_saved_states_and_writes_them_back(saved, tmp_path, capsys):
    from culturesim.cli import main

    later = tmp_path / "later.h5"
    cs.Experiment(["typical"], years=73 / 365, start=saved, save_state=True, **SHORT).run(later, progress=False)
    assert main(["info", str(later)]) == 0
    out = capsys.readouterr().out
    assert f"carried on from the end states of {os.path.relpath(saved, tmp_path)}" in out
    assert "end states:  saved" in out
    assert main(["info", str(later), "--toml"]) == 0
    toml = capsys.readouterr().out
    # The start as the results file keeps it: relative to the output, so the TOML beside it re-runs it.
    assert f'start = "{os.path.relpath(saved, tmp_path)}"' in toml and "save_state = true" in toml
    again = tmp_path / "again.toml"
    again.write_text(toml)
    exp = load_experiment(again)
    assert exp.start == (str(saved), None) and exp.save_state


def test_saved_states_count_in_the_disk_estimate(tmp_path):
    # 2 runs x about 1,000 posts x 27 values x 8 bytes: over 400 kB of states on top of the series.
    exp = cs.Experiment(["typical"], years=73 / 365, warmup_years=0, save_state=True, **SHORT)
    with pytest.raises(ValueError, match="saved end states of 2 runs"):
        exp.run(tmp_path / "big.h5", progress=False, max_disk=300_000)
    assert not (tmp_path / "big.h5").exists()


def test_a_recorded_warm_up_is_kept_year_by_year_and_changes_no_result(tmp_path, capsys):
    kwargs = dict(years=73 / 365, warmup_years=3, **SHORT)
    exp = cs.Experiment(["typical", "just_culture"], record_warmup=True, **kwargs)
    res = exp.run(tmp_path / "w.h5", progress=False)
    ds = res.warmup_xarray()
    assert list(ds["day"].values) == [-1095, -730, -365] and list(ds["period_days"].values) == [365] * 3
    # One warm-up for both scenarios: the same years; burnout builds up from the empty hospital.
    burnout = ds["burnout_prevalence"]
    np.testing.assert_array_equal(burnout.sel(scenario="typical"), burnout.sel(scenario="just_culture"))
    assert np.all(burnout.isel(period=0) < burnout.isel(period=2))
    plain = cs.Experiment(["typical", "just_culture"], **kwargs).run(progress=False)
    for name in ("reports", "burnout_prevalence"):
        np.testing.assert_array_equal(res.to_xarray()[name].values, plain.to_xarray()[name].values)
    with pytest.raises(ValueError, match="record_warmup=True"):
        plain.warmup_xarray()
    with pytest.raises(ValueError, match="no warm-up to record"):
        cs.Experiment(["typical"], warmup_years=0, record_warmup=True)
    # TOML: the key reads, and info --toml writes it back.
    toml = tmp_path / "w.toml"
    toml.write_text("years = 0.2\nwarmup_years = 2\nrecord_warmup = true\n")
    assert load_experiment(toml).record_warmup
    from culturesim.cli import main

    assert main(["info", str(tmp_path / "w.h5"), "--toml"]) == 0
    assert "record_warmup = true" in capsys.readouterr().out
    bad = tmp_path / "bad.toml"
    bad.write_text("record_warmup = 1\n")
    with pytest.raises(ValueError, match="'record_warmup' must be true or false"):
        load_experiment(bad)


def test_culturesim_run_keeps_every_state_setting_of_the_file(saved, tmp_path):
    from culturesim.cli import main

    toml = tmp_path / "next.toml"
    toml.write_text(
        f'years = 0.2\nreplicates = 2\nstart = "{saved}"\nsave_state = true\n[[scenarios]]\nname = "jc"\npolicy = "just_culture"\n'
    )
    assert main(["run", str(toml), "-o", str(tmp_path / "next.h5"), "--no-progress"]) == 0
    with h5py.File(tmp_path / "next.h5") as f:
        assert f.attrs["start_file"].decode() == os.path.relpath(saved, tmp_path) and int(f.attrs["saved_state"]) == 1
        assert "arrays/state.burnout" in f
