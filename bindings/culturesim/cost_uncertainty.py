"""How much of an economics interval is cost uncertainty and how much the dynamics.

Costs do not change the dynamics, so an experiment over parameter draws re-run with every cost at
its default (``costs_fixed``: the same draws, streams and events) differs from the original only by
the costs' uncertainty. ``split`` (``cs.cost_split``) runs both and puts their economics side by
side.
"""

from __future__ import annotations

import copy
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

from .costs import central
from .draws import expand


def costs_fixed(experiment: Any):
    """A copy of an experiment over parameter draws with every draw's costs at their defaults: the
    same draws, streams and dynamics, so only the cost uncertainty is gone."""
    if getattr(experiment, "draw_sets", None) is None:
        raise ValueError(
            "split needs an experiment over parameter draws (cs.Experiment(..., params=posterior)); "
            "without draws its costs are fixed already"
        )
    fixed = copy.copy(experiment)
    fixed.draw_sets = [central(p) for p in experiment.draw_sets]
    fixed.scenarios = expand(experiment.base_scenarios, fixed.draw_sets)
    return fixed


def split(
    experiment: Any,
    baseline: str,
    scenarios: Sequence[str] | None = None,
    result: Any = None,
    horizon: float | None = None,
    rate: float | None = None,
    level: float = 0.95,
    **run_args: Any,
):
    """How much of each economics interval is cost uncertainty and how much the dynamics.

    Runs ``experiment`` (unless its ``result`` is given) and its twin with every cost at its
    default (``costs_fixed``), and puts their economics side by side: value, ci_low, ci_high with
    costs drawn, the same with costs fixed (``*_fixed``), and ``cost_share`` = 1 - width with costs
    fixed / width with costs drawn: the share of the interval's width that cost uncertainty adds
    (0: the dynamics alone make the interval; near 1: costs do). run_args go to both runs
    (progress=False, executor, ...).

    Over parameter draws the interval is the 2.5-97.5% percentiles (for level 0.95) of each draw's
    value, as ``DrawsResult.compare`` gives them: parameters, costs and run-to-run variation, which
    do not average away as more draws are run. The value is the economics over every run.

    >>> import culturesim as cs
    >>> sets = [cs.default_params(coach_effect=0.1), cs.default_params(coach_effect=0.4)]
    >>> exp = cs.Experiment(["typical", "just_culture"], params=sets, replicates=2, years=1, warmup_years=0)
    >>> table = cs.cost_split(exp, "typical", progress=False)
    >>> sorted(table.columns)[:3]
    ['ci_high', 'ci_high_fixed', 'ci_low']
    """
    fixed = costs_fixed(experiment)
    drawn_res = result if result is not None else experiment.run(**run_args)
    fixed_res = fixed.run(**run_args)
    args = {"scenarios": scenarios, "horizon": horizon, "rate": rate, "level": level}
    drawn = _economics(drawn_res, baseline, **args)
    still = _economics(fixed_res, baseline, **args)[["scenario", "measure", "value", "ci_low", "ci_high"]]
    out = drawn.merge(still, on=["scenario", "measure"], suffixes=("", "_fixed"))
    width = out["ci_high"] - out["ci_low"]
    out["cost_share"] = 1 - (out["ci_high_fixed"] - out["ci_low_fixed"]) / width.where(width > 0)
    out.attrs.update(drawn.attrs)
    return out


class _Runs:
    """A DrawsResult seen as (scenario, run, period) over some draws: every (draw, replicate) is
    one paired run, as culturesim.board.economics takes replicates."""

    def __init__(self, res: Any, draws: slice | int = slice(None)):
        self._res, self._draws = res, draws
        self.scenarios, self.years = res.scenarios, res.years
        self.period_start_day, self.period_days = res.period_start_day, res.period_days

    def _index(self, name: str | int) -> int:
        return self._res._index(name)

    def __getitem__(self, metric: str) -> np.ndarray:
        v = self._res[metric][:, self._draws]
        return v.reshape(v.shape[0], -1, v.shape[-1])


def _economics(res: Any, baseline: str, rate: float | None = None, level: float = 0.95, **args: Any):
    """culturesim.board.economics of a result. Over draws: the value over every run, the interval
    the percentiles of each draw's value (parameter, cost and run-to-run uncertainty)."""
    from .board import DISCOUNT_RATE, economics

    rate = DISCOUNT_RATE if rate is None else rate
    if not getattr(res, "draws", None):
        return economics(res, baseline, rate=rate, level=level, **args)
    table = economics(_Runs(res), baseline, rate=rate, level=level, **args)
    per_draw = np.array(
        [
            economics(_Runs(res, k), baseline, rate=rate, level=level, **args)["value"].to_numpy()
            for k in range(res.draws)
        ]
    )
    tail = (1 - level) / 2
    with warnings.catch_warnings():  # a ratio undefined in every draw (no programme cost) stays NaN
        warnings.simplefilter("ignore", RuntimeWarning)
        table["ci_low"], table["ci_high"] = np.nanquantile(per_draw, [tail, 1 - tail], axis=0)
    table["n"] = res.draws
    return table
