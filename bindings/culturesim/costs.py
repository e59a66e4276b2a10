"""Cost parameters with their ranges, cost draws, and how much of an economics interval is costs.

Every cost parameter (unit USD) has a range in the engine's parameter table (its CS_RANGE row):
this module only reads and uses them. Costs do not change the dynamics (they are summed into the
cost outputs and feed nothing back), so an experiment over a posterior also draws each draw's costs
from their ranges, each key on its own: half the draws uniform between low and the default, half
between the default and high, so the default stays every cost's median.
Economics intervals then carry cost uncertainty, and ``cs.cost_split`` (culturesim.cost_uncertainty)
re-runs the experiment with every cost at its default (the same draws and random numbers, so the
same dynamics) to say how much of an interval is costs and how much the dynamics.

>>> import culturesim as cs
>>> table = cs.costs.ranges()
>>> row = table.loc[("replacement_cost", "resident")]
>>> float(row["default"]), float(row["low"]), float(row["high"]), row["basis"]
(141000.0, 70000.0, 280000.0, 'assumption')
>>> sets = cs.costs.draw(cs.default_params(), 2, seed=1)
>>> 56000 <= sets[0]["replacement_cost"]["nurse"] <= 61000
True
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np

from . import _engine
from .params import RANGES, Params, cost_keys
from .params import cost_ranges as ranges

__all__ = ["RANGES", "central", "draw", "ranges", "with_drawn_costs"]

#: The random-number stream of cost draws beside a posterior's (numpy SeedSequence entropy).
_COST_STREAM = 0xC057


def _two_piece(rng: np.random.Generator, low: float, median: float, high: float) -> float:
    """Uniform on [low, median] or [median, high], each with probability 1/2: the median stays the
    central value however lopsided the range is (a triangular draw would move it)."""
    below, u = rng.random(2)
    return float(low + u * (median - low)) if below < 0.5 else float(median + u * (high - median))


def draw(params: Params | None, n: int, seed: int = 0) -> list[Params]:
    """n copies of ``params`` (default: the defaults) with every cost drawn from its range, each key
    on its own: uniform between low and the parameter's value in ``params`` (clipped into the
    range) or between that value and high, each with probability 1/2, so that value is the median. Draw k depends only on (seed, k), so a longer list begins with a shorter one.

    >>> import culturesim as cs
    >>> a, b = cs.costs.draw(None, 2, seed=3)
    >>> a["coach_cost"] != b["coach_cost"]
    True
    """
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"n must be a whole number of draws of at least 1, got {n!r}")
    base = Params() if params is None else params
    return [with_drawn_costs(base, seed, k) for k in range(int(n))]


def with_drawn_costs(params: Params, seed: int, k: int) -> Params:
    """A copy of ``params`` with its costs drawn for draw k of an experiment seeded ``seed``."""
    rng = np.random.default_rng([int(seed), _COST_STREAM, int(k)])
    out = params.copy()
    values: dict[str, Any] = {}
    for name, r in RANGES.items():
        current = out[name]
        keys = cost_keys(name)
        drawn = []
        for i, key in enumerate(keys):
            mode = float(current[key]) if key is not None else float(current)  # the median
            low, high = r["low"][i], r["high"][i]
            drawn.append(_two_piece(rng, low, min(max(mode, low), high), high))
        values[name] = dict(zip(keys, drawn)) if keys[0] is not None else drawn[0]
    out.update(values)
    return out


def central(params: Params) -> Params:
    """A copy of ``params`` with every cost at its default (the central value of its range)."""
    defaults = _engine.default_params()
    out = params.copy()
    out.update({name: copy.deepcopy(defaults[name]) for name in RANGES})
    return out
