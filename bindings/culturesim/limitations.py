"""What a result rests on besides the evidence: parameters that are assumptions, how much of the
economics they carry, and the years that are projections.

The parameter table (agents/parameter_table.def) says each parameter's source; one whose source
begins with "assumption" is a judgement, not a figure from a study. Uncertain parameters with a
prior are drawn in experiments over a posterior, so their uncertainty is in those intervals; the
rest are fixed at their default. Every cost has a range with its basis (source or assumption, per
key) and the cost output it is summed into (``cs.params.cost_ranges``); costs do not change the
dynamics, so the share of the savings that a cost output makes up is the share of the economics
that rests on that output's prices.

>>> import culturesim as cs
>>> "harm_cost[severe]" in cs.limitations.assumed_costs()["cost_harm"]
True
>>> "cost_claims" in cs.limitations.assumed_costs()           # claims are priced from the NPDB
False
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import _engine


def is_assumption(source: str) -> bool:
    """Whether a parameter table source marks a judgement rather than a cited figure."""
    return str(source).strip().lower().startswith("assumption")


def assumptions():
    """The model's parameters (costs aside) whose source is an assumption, as a DataFrame indexed by
    name: description, source and ``drawn`` (True: it has a prior, so experiments over a posterior
    carry its uncertainty; False: fixed at its default). Costs: ``cs.params.assumptions()``."""
    import pandas as pd

    from .params import cost_ranges
    from .prior_specs import PRIORS

    costs = set(cost_ranges().index.get_level_values("name"))
    rows = [
        {"name": s["name"], "description": s["description"], "source": s["source"], "drawn": s["name"] in PRIORS}
        for s in _engine.parameter_specs()
        if is_assumption(s["source"]) and s["name"] not in costs
    ]
    return pd.DataFrame(rows, columns=["name", "description", "source", "drawn"]).set_index("name")


def assumed_costs() -> dict[str, list[str]]:
    """Each cost output priced at least in part by an assumption: output -> the assumed prices
    ("harm_cost[severe]", "coach_cost"), from the parameter table's cost ranges."""
    from .params import assumptions as cost_assumptions

    out: dict[str, list[str]] = {}
    for (name, key), row in cost_assumptions().iterrows():
        if row["high"] == 0:  # a price of nothing at all (a near miss costs no care) prices nothing
            continue
        out.setdefault(row["output"], []).append(f"{name}[{key}]" if key else name)
    return out


def savings_shares(
    res: Any, baseline: str, scenario: str, horizon: float | None = None, rate: float = 0.03
) -> dict[str, float]:
    """Each saved cost part's share of a scenario's savings against ``baseline`` (present values over
    ``horizon``, means over every run): how much of the return on investment rests on each price.
    Shares sum to 1; a part that costs more under the scenario is negative. NaN when nothing is saved."""
    from .board import SAVINGS_PARTS, totals

    ib, i = res._index(baseline), res._index(scenario)
    saved = {}
    for p in SAVINGS_PARTS:
        pv = totals(res, p, horizon, rate)  # each part's present values once, both scenarios from them
        saved[p] = float(np.nanmean(pv[ib] - pv[i]))
    total = sum(saved.values())
    if not total > 0:
        return {p: float("nan") for p in saved}
    return {p: s / total for p, s in saved.items()}
