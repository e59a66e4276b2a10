"""What a result rests on besides the evidence: parameters that are assumptions, how much of the
economics they carry, and the years that are projections.

The parameter table (agents/parameter_table.def) says each parameter's source; one whose source
begins with "assumption" is a judgement, not a figure from a study. Uncertain parameters with a
prior are drawn in experiments over a posterior, so their uncertainty is in those intervals; the
rest are fixed at their default and their uncertainty is in no interval. Costs do not change the
dynamics, so the share of savings that each cost part makes up is the share of the economics
that rests on that part's price.

>>> import culturesim as cs
>>> table = cs.limitations.assumptions()
>>> bool(table.loc["harm_cost", "prices"] == "cost_harm")
True
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import _engine

#: Which parameter prices which cost output (agents/outputs.cpp multiplies them).
COST_PARAMETERS: dict[str, str] = {
    "cost_turnover": "replacement_cost",
    "cost_harm": "harm_cost",
    "cost_claims": "claim_cost",
    "cost_support": "support_cost_per_clinician_year",
    "cost_training": "training_cost_per_clinician_year",
    "cost_rca": "rca_cost",
    "cost_coaching": "coach_cost",
}


def is_assumption(source: str) -> bool:
    """Whether a parameter table source marks a judgement rather than a cited figure."""
    return str(source).strip().lower().startswith("assumption")


def assumptions():
    """Every parameter whose source is an assumption, as a DataFrame indexed by name: description,
    source, ``drawn`` (True: it has a prior, so experiments over a posterior carry its
    uncertainty; False: fixed at its default) and ``prices`` (the cost output it prices, if any)."""
    import pandas as pd

    from .prior_specs import PRIORS

    prices = {p: out for out, p in COST_PARAMETERS.items()}
    rows = [
        {
            "name": s["name"],
            "description": s["description"],
            "source": s["source"],
            "drawn": s["name"] in PRIORS,
            "prices": prices.get(s["name"], ""),
        }
        for s in _engine.parameter_specs()
        if is_assumption(s["source"])
    ]
    return pd.DataFrame(rows).set_index("name")


def savings_shares(
    res: Any, baseline: str, scenario: str, horizon: float | None = None, rate: float = 0.03
) -> dict[str, float]:
    """Each saved cost part's share of a scenario's savings against ``baseline`` (present values over
    ``horizon``, means over every run): how much of the return on investment rests on each price.
    Shares sum to 1 when every part is saved; a part that costs more under the scenario is negative."""
    from .board import SAVINGS_PARTS, totals

    ib, i = res._index(baseline), res._index(scenario)
    parts = {p: totals(res, p, horizon, rate) for p in SAVINGS_PARTS}
    saved = {p: float(np.nanmean(v[ib] - v[i])) for p, v in parts.items()}
    total = sum(saved.values())
    if not total > 0:
        return {p: float("nan") for p in saved}
    return {p: s / total for p, s in saved.items()}


def resting_on_assumptions(
    res: Any, baseline: str, scenario: str, horizon: float | None = None, rate: float = 0.03
) -> float:
    """The share of a scenario's savings priced by a parameter that is an assumption."""
    specs = {s["name"]: s for s in _engine.parameter_specs()}
    shares = savings_shares(res, baseline, scenario, horizon, rate)
    return float(sum(v for p, v in shares.items() if is_assumption(specs[COST_PARAMETERS[p]]["source"])))
