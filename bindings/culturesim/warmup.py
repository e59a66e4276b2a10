"""The warm-up: the hospital lives under a baseline policy before day 0 (MODEL.md 8.1).

A run that starts from an empty hospital (no distress, burnout, residue or learned beliefs)
spends its first decade settling; a warm-up lets those slow states settle under ``warmup_policy``
(typical practice by default) before day 0, when the scenario's own policy and interventions begin.
Scenarios with the same parameters and hospital share the warm-up's random numbers, so they are
identical at day 0 and paired differences start at exactly zero. The warm-up is not recorded.

>>> import culturesim as cs
>>> r = cs.run("just_culture", years=1, warmup_years=3, progress=False)
>>> r.warmup["days"]
1095
"""

from __future__ import annotations

import math
import warnings
from typing import Any

from . import _engine
from .outputs import DAYS_PER_YEAR

#: The default warm-up (the engine's, experiments/schema.hpp): twice the 10 years after which
#: typical practice's slow states pass the settling check (docs/model.md, "Warm start").
WARMUP_YEARS: float = _engine.run_defaults["warmup_years"]
#: How much a slow state's yearly mean may still move in a year to count as settled (the engine's
#: WarmupReport::kTolerance).
MAX_DRIFT = 0.03


class WarmupWarning(UserWarning):
    """The warm-up was too short for the hospital's slow states to settle."""


def warmup(years: Any, policy: Any) -> tuple[int, Any]:
    """(days, Policy) of a warm-up of ``years`` years (0 to the engine's run_limits
    ``max_warmup_years``, 1000) under ``policy`` (a Policy, preset name or blame level)."""
    from .intervention import as_policy

    most = _engine.run_limits["max_warmup_years"]
    if (
        isinstance(years, bool)
        or not isinstance(years, (int, float))
        or not math.isfinite(years)
        or not 0 <= years <= most
    ):
        raise ValueError(
            f"warmup_years must be a number of years from 0 (start from an empty hospital) to {most}, got {years!r}"
        )
    return int(round(years * DAYS_PER_YEAR)), as_policy(policy)


def warn_unsettled(report: dict[str, Any], name: str) -> None:
    """Warns when a warm-up ran but its slow states still moved more than MAX_DRIFT in its last year."""
    if report["days"] == 0 or report["settled"]:
        return
    moving = ", ".join(f"{k} {v:.3f}" for k, v in report["drift"].items() if v > MAX_DRIFT) or "under two years"
    warnings.warn(
        f"scenario '{name}': the {report['days'] / DAYS_PER_YEAR:g}-year warm-up did not settle "
        f"(change of yearly means over its last year: {moving}); use a longer warmup_years",
        WarmupWarning,
        stacklevel=3,
    )
