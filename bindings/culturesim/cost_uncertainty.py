"""How much of an economics interval is cost uncertainty and how much the dynamics.

Costs do not change the dynamics, so an experiment over parameter draws re-run with every cost at
its default (``costs_fixed``: the same draws, streams and events) differs from the original only by
the costs' uncertainty. ``split`` (``cs.cost_split``) runs both and puts their economics side by
side.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

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

    The economics are ``ExperimentResult.economics``: over parameter draws each interval is the
    2.5-97.5% percentiles (for level 0.95) of each draw's value (culturesim.intervals): parameters,
    costs and run-to-run variation, which do not average away as more draws are run.

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
    drawn = drawn_res.economics(baseline, **args)
    still = fixed_res.economics(baseline, **args)[["scenario", "measure", "value", "ci_low", "ci_high"]]
    out = drawn.merge(still, on=["scenario", "measure"], suffixes=("", "_fixed"))
    width = out["ci_high"] - out["ci_low"]
    out["cost_share"] = 1 - (out["ci_high_fixed"] - out["ci_low_fixed"]) / width.where(width > 0)
    out.attrs.update(drawn.attrs)
    return out
