"""culturesim.validation_changes: MODEL.md 8.5's change targets, measured and judged."""

from __future__ import annotations

import numpy as np
import pytest

from culturesim import validation_changes as vc


def test_culture_speed_finds_the_time_to_half_of_the_final_change():
    years = np.arange(0, 10, 0.5)
    typical = np.full_like(years, 0.4)
    just = 0.4 + 0.3 * (1 - np.exp(-years / 2))  # half of the way at 2 ln 2 = 1.39 years
    speed = vc.culture_speed(years, typical, just)
    assert speed["safety_final_change"] == pytest.approx(0.3, abs=0.02)
    assert 1.0 <= speed["safety_half_years"] <= 1.5
    assert speed["safety_change_20_months"] == pytest.approx(0.3 * (1 - np.exp(-20 / 24)), abs=0.01)


def test_every_change_target_is_measured_with_an_interval_and_judged():
    changes = vc.measure_changes(replicates=3, years=5, warmup_years=10)
    levels = {
        p: {k: np.array([0.15, 0.2, 0.25]) for k in ("burnout_nurses", "burnout_physicians", "harm_reported")}
        for p in ("just_culture", "blame")
    }
    rows = vc.change_rows(changes, levels)
    assert [r["target"] for r in rows] == [t.name for t in vc.CHANGE_TARGETS]
    for r in rows:
        assert r["low"] <= r["value"] <= r["high"], r["target"]
        assert r["lands"] == (r["band"][0] <= r["value"] <= r["band"][1])
    by = {r["target"]: r for r in rows}
    # Directions the mechanism must give whatever the calibration: Just Culture raises reports and
    # lowers claims cost and burnout, paired against staying typical.
    assert by["reports"]["low"] > 0 and by["claims_cost"]["high"] < 0 and by["burnout"]["value"] < 0
    text = vc.to_markdown(rows, changes, replicates=3, warmup_years=10)
    assert "| burnout, typical -> Just Culture" in text and "half of the" in text
