"""Random-number streams per scenario: Scenario.stream, and experiments over parameter draws that
give draw k stream k (paired within a draw, independent between draws)."""

from __future__ import annotations

import pickle
import warnings

import h5py
import numpy as np
import pytest

import culturesim as cs
from culturesim import _engine, draws
from culturesim.warmup import WarmupWarning

SHORT = dict(years=1, warmup_years=0, progress=False)


def values(result: cs.Result) -> np.ndarray:
    return np.array([result.series[name] for name in sorted(result.series)])


def test_a_scenario_keeps_its_stream_through_dict_toml_pickle_and_replace():
    s = cs.Scenario("drawn", policy="blame", stream=7)
    assert s.stream == 7
    assert s.to_dict()["stream"] == 7
    assert "stream = 7" in s.to_toml()
    assert cs.Scenario.from_toml(s.to_toml()) == s
    assert cs.Scenario.from_toml(s.to_toml()).stream == 7
    assert pickle.loads(pickle.dumps(s)).stream == 7
    assert s.replace(name="other").stream == 7
    assert s.replace(policy="typical").stream == 7
    assert s.replace(stream=0).stream == 0
    assert repr(s).endswith(", stream 7)")
    assert s != s.replace(stream=8)
    # The default 0 is written nowhere: scenarios without a stream look as before.
    plain = cs.Scenario("plain")
    assert plain.stream == 0 and "stream" not in plain.to_dict() and "stream" not in plain.to_toml()
    assert "stream" not in repr(plain)
    assert cs.Scenario("big", stream=2**32 - 1).stream == 2**32 - 1
    assert cs.Scenario("np", stream=np.int64(3)).stream == 3


@pytest.mark.parametrize("bad", [-1, 2**32, 1.5, "x", True, None])
def test_a_bad_stream_is_refused_naming_the_field(bad):
    with pytest.raises(ValueError, match=r"stream must be a whole number from 0 to 4294967295"):
        cs.Scenario("a", stream=bad)
    if bad is not None:  # the engine's dict conversion refuses it too (None there means the default)
        with pytest.raises(ValueError, match=r"stream"):
            _engine.dump({"name": "a", "stream": bad})
    with pytest.raises(ValueError, match=r"'stream'.*0 to 4294967295"):
        cs.Scenario.from_toml(f"name = 'a'\nstream = {bad!r}\n".replace("True", "true").replace("None", "'none'"))


def test_stream_0_is_the_run_without_a_stream_and_other_streams_differ():
    base = cs.run(cs.Scenario("typical"), seed=3, replicate=1, **SHORT)
    zero = cs.run(cs.Scenario("typical", stream=0), seed=3, replicate=1, **SHORT)
    one = cs.run(cs.Scenario("typical", stream=1), seed=3, replicate=1, **SHORT)
    again = cs.run(cs.Scenario("typical", stream=1), seed=3, replicate=1, **SHORT)
    np.testing.assert_array_equal(values(base), values(zero))
    np.testing.assert_array_equal(values(one), values(again))
    assert not np.array_equal(values(base), values(one))


def test_draw_k_gets_stream_k_and_equal_draws_are_independent_while_scenarios_stay_paired(tmp_path):
    p = cs.default_params(coach_effect=0.25)
    again = cs.Scenario("typical_again", policy="typical")
    exp = cs.Experiment(["typical", again], params=[p, p], replicates=3, years=1, warmup_years=1)
    assert [(s.name, s.stream) for s in exp.scenarios] == [
        ("typical@draw0", 0),
        ("typical@draw1", 1),
        ("typical_again@draw0", 0),
        ("typical_again@draw1", 1),
    ]
    path = tmp_path / "draws.h5"
    res = exp.run(path, progress=False)
    ds = res.to_xarray()
    reports = ds["reports"]
    assert reports.dims == ("scenario", "draw", "replicate", "period")
    for name in ("typical", "typical_again"):
        for r in range(3):
            # Equal parameters, different draws: independent random numbers, so the runs differ.
            a = reports.sel(scenario=name, draw=0, replicate=r).values
            b = reports.sel(scenario=name, draw=1, replicate=r).values
            assert not np.array_equal(a, b), (name, r)
    # Within a draw the two (identical) scenarios run on the same random numbers: exactly equal.
    np.testing.assert_array_equal(reports.sel(scenario="typical"), reports.sel(scenario="typical_again"))
    c = res.compare("typical", "typical_again", "reports")
    assert c["diff"] == 0 and c["draws"] == 2
    # The file stores each scenario's stream (attribute and definition) when it is not 0.
    with h5py.File(path, "r") as f:
        assert "stream" not in f["scenarios/typical@draw0"].attrs
        assert int(f["scenarios/typical@draw1"].attrs["stream"]) == 1
        assert "stream = 1" in f["scenarios/typical@draw1/definition"].asstr()[()]
    assert cs.open_results(path).to_xarray()["reports"].equals(reports)


def test_expand_replaces_a_scenario_stream_by_the_draw():
    sets = [cs.default_params(), cs.default_params(coach_effect=0.3), cs.default_params(coach_effect=0.4)]
    out = draws.expand([cs.Scenario("a", stream=9), cs.Scenario("b")], sets)
    assert [(s.name, s.stream) for s in out] == [
        ("a@draw0", 0),
        ("a@draw1", 1),
        ("a@draw2", 2),
        ("b@draw0", 0),
        ("b@draw1", 1),
        ("b@draw2", 2),
    ]


def test_a_policy_comparison_within_a_stream_shares_the_warm_up():
    # Two policies on one stream live one warm-up (the same drift over it); another stream lives its own.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", WarmupWarning)  # a short warm-up: its drift is what is compared
        a, b, c = cs.run_together(
            [
                cs.Scenario("typical", stream=4),
                cs.Scenario("just", policy="just_culture", stream=4),
                cs.Scenario("typical5", stream=5),
            ],
            years=1,
            warmup_years=2,
            seed=1,
            progress=False,
        )
    assert a.warmup["drift"] and a.warmup["drift"] == b.warmup["drift"]
    assert a.warmup["drift"] != c.warmup["drift"]
    assert not np.array_equal(values(a), values(b))
