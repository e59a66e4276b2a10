"""The warm-up before day 0 (MODEL.md 8.1): shared by scenarios, stored, checked for settling."""

from __future__ import annotations

import h5py
import numpy as np
import pytest

import culturesim as cs
from culturesim.warmup import WarmupWarning


def test_a_short_warm_up_warns_that_it_did_not_settle():
    with pytest.warns(WarmupWarning, match="3-year warm-up did not settle"):
        r = cs.run("typical", years=0.1, warmup_years=3, progress=False)
    assert r.warmup["days"] == 3 * 365 and not r.warmup["settled"]
    assert r.period_start_day[0] == 0  # the warm-up is not recorded


def test_a_long_warm_up_settles_without_a_warning():
    r = cs.run("typical", years=0.1, warmup_years=12, progress=False)
    assert r.warmup["settled"]
    assert set(r.warmup["drift"]) >= {"burnout_mean", "moral_residue_mean", "psych_safety_mean"}


def test_scenarios_share_the_warm_up_so_their_first_day_differs_only_by_their_own_policy():
    # Two scenarios with the same policy from day 0 but different names are identical; a third
    # scenario that differs only in its policy starts from the same warmed-up hospital, so its
    # burnout (a slow level) on day 1 is within a hair of theirs, not at an empty hospital's 0.
    exp = cs.Experiment(
        [cs.Scenario("a"), cs.Scenario("b"), cs.Scenario("jc", policy="just_culture")],
        replicates=2,
        years=2 / 365,
        record_every=1,
        warmup_years=12,
    )
    res = exp.run(progress=False)
    a, b, jc = (res.per_run("burnout_prevalence", (0, 1 / 365))[i] for i in range(3))
    np.testing.assert_array_equal(a, b)
    assert np.all(a > 0.2) and np.all(np.abs(jc - a) < 0.01)


def test_the_warm_up_is_stored_and_a_resume_must_match_it(tmp_path):
    path = tmp_path / "w.h5"
    cs.Experiment(["typical"], replicates=1, years=0.1, warmup_years=12, warmup_policy="blame").run(
        path, progress=False
    )
    with h5py.File(path) as f:
        assert f.attrs["warmup_days"] == 12 * 365
        np.testing.assert_allclose(f.attrs["warmup_policy"], list(cs.Policy.blame().to_dict().values()))
    with pytest.raises(OSError, match="warmup_days differs"):
        cs.Experiment(["typical"], replicates=1, years=0.1, warmup_years=11).run(path, resume=True, progress=False)


@pytest.mark.parametrize("years", [-1, 1001, float("nan"), "ten", True])
def test_a_bad_warm_up_length_names_the_field(years):
    with pytest.raises(ValueError, match="warmup_years must be a number of years from 0"):
        cs.Experiment(["typical"], warmup_years=years)
