"""Sweeps: one base scenario over a grid (or a list of points) of parameters, policy fields and the
blame level, run as one experiment on common random numbers.

The engine expands the sweep (experiments/sweep.cpp, the same code as the ``[sweep]`` table of
experiment files): each point is a scenario named by its values ("blame=0.3,support_level=1")
that stores them as coordinates, so ``to_xarray().sel(blame=0.3)``, ``to_pandas()`` columns and
``plot_sweep`` find them again in the results file.

>>> import culturesim as cs, numpy as np
>>> sw = cs.sweep("typical", {"blame": np.linspace(0, 1, 3), "support_level": [0, 1]}, replicates=2, years=1)
>>> sw
Sweep(6 points of 'typical' over blame (3 values) x support_level (2 values), 2 replicates x 1 years, seed 0)
>>> [s.name for s in sw.scenarios][:2]
['blame=0,support_level=0', 'blame=0,support_level=1']
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from . import _engine
from .experiment import Experiment
from .scenario import Scenario, as_scenario
from .tidy import SWEEP_NAMES

__all__ = ["SWEEP_NAMES", "Sweep", "sweep"]


def _values(name: str, values: Any) -> list[float]:
    if isinstance(values, (str, bytes, Mapping)) or np.ndim(values) > 1:
        raise ValueError(f"sweep axis '{name}' must be a list of numbers, got {values!r}")
    out = []
    for v in np.atleast_1d(np.asarray(values, dtype=object)).tolist():
        if isinstance(v, bool) or not isinstance(v, (int, float, np.integer, np.floating)):
            raise ValueError(f"sweep axis '{name}' must hold numbers, got {v!r}")
        out.append(float(v))
    return out


class Sweep(Experiment):
    """An Experiment whose scenarios are the points of a sweep over ``base``.

    ``grid`` maps names to values and runs every combination (the last name varying fastest);
    ``points`` lists explicit points instead (dicts of name -> value). A name is ``"blame"`` (the
    starting policy ``Policy.from_blame(b)``; other swept policy fields apply on top of it), a
    policy field, a parameter, or a keyed parameter's key as ``"quit_rate[nurse]"``.
    ``others`` are scenarios run alongside (a reference, say) on the same random numbers. Further
    keywords are Experiment's (replicates, years, seed, record_every, warm-up).
    """

    def __init__(
        self,
        base: Scenario | str | None = None,
        grid: Mapping[str, Any] | None = None,
        *,
        points: Sequence[Mapping[str, float]] | None = None,
        others: Iterable[Scenario | str] = (),
        **settings: Any,
    ):
        self.base = as_scenario(base)
        if grid is not None and not isinstance(grid, Mapping):
            raise ValueError(
                f"grid must be a dict of sweep names and values, e.g. {{'blame': [0, 0.5, 1]}}, got {grid!r}"
            )
        self.grid: dict[str, list[float]] = {str(k): _values(str(k), v) for k, v in (grid or {}).items()}
        if isinstance(points, Mapping) or (points is not None and not isinstance(points, Iterable)):
            raise ValueError(f"points must be a list of dicts of sweep names and values, got {points!r}")
        self.points: list[dict[str, float]] = []
        for p in points or []:
            if not isinstance(p, Mapping):
                raise ValueError(f"each sweep point must be a dict of sweep names and values, got {p!r}")
            self.points.append({str(k): _values(str(k), v)[0] for k, v in p.items()})
        dicts = _engine.expand_sweep(
            self.base.to_dict(), list(self.grid.items()), [list(p.items()) for p in self.points]
        )
        swept = [Scenario._from_engine(d) for d in dicts]
        self.n_points = len(swept)
        super().__init__([as_scenario(s) for s in others] + swept, **settings)

    @property
    def names(self) -> list[str]:
        """The swept names, in the order given."""
        if self.grid:
            return list(self.grid)
        return list(dict.fromkeys(n for p in self.points for n in p))

    def __repr__(self) -> str:
        if self.grid:
            over = " x ".join(f"{k} ({len(v)} value{'s' if len(v) != 1 else ''})" for k, v in self.grid.items())
        else:
            over = ", ".join(self.names)
        what = f"{self.n_points} points of {self.base.name!r} over {over}"
        extra = len(self.scenarios) - self.n_points
        also = f", and {extra} other scenario{'s' if extra != 1 else ''}" if extra else ""
        return (
            f"Sweep({what}{also}, {self.replicates} replicates x {self.years:g} years, seed {self.seed}"
            f"{f', after {self.warmup_years:g} warm-up years' if self.warmup_days else ''})"
        )


def sweep(
    base: Scenario | str | None = None,
    grid: Mapping[str, Any] | None = None,
    *,
    points: Sequence[Mapping[str, float]] | None = None,
    others: Iterable[Scenario | str] = (),
    **settings: Any,
) -> Sweep:
    """A sweep of ``base`` over ``grid`` (every combination) or ``points``: see Sweep.

    >>> import culturesim as cs
    >>> cs.sweep("typical", points=[{"blame": 0.2}, {"blame": 0.8, "support_level": 1}], years=1).scenarios[1].name
    'blame=0.8,support_level=1'
    """
    return Sweep(base, grid, points=points, others=others, **settings)
