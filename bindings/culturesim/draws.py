"""Experiments over parameter draws: scenarios x draws x replicates on common random numbers.

``Experiment(scenarios, params=posterior, draws=20)`` runs every scenario with each of 20
parameter sets drawn from a posterior (or with each of a list of parameter sets). In the results
file each (scenario, draw) is one scenario named ``<scenario>@draw<k>``, so every engine, executor
and file guarantee holds unchanged; ``cs.open_results`` recognises the names and gives a
DrawsResult with dims (scenario, draw, replicate, period). Draw k of every scenario has the same
parameters and replicate r the same random stream (seed, r), so paired differences between
scenarios are on common random numbers within each draw.

>>> import culturesim as cs
>>> sets = [cs.default_params(coach_effect=0.1), cs.default_params(coach_effect=0.4)]
>>> exp = cs.Experiment(["typical", "just_culture"], params=sets, replicates=2, years=1, warmup_years=0)
>>> exp
Experiment(2 scenarios x 2 draws x 2 replicates x 1 years, seed 0: 'typical', 'just_culture')
>>> res = exp.run(progress=False)
>>> res.to_xarray()["reports"].dims
('scenario', 'draw', 'replicate', 'period')
>>> res.compare("typical", "just_culture", "reports")["sources"]
'parameters and run-to-run'
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from .experiment import ExperimentResult
from .outputs import DAYS_PER_YEAR, FLOWS
from .params import Params

SEPARATOR = "@draw"
_NAME = re.compile(r"^(.*)@draw(\d+)$")


def parameter_sets(params: Any, draws: int | None, seed: int) -> list[Params]:
    """The parameter sets of an experiment: ``draws`` samples of a Posterior, or a list as given."""
    from .posterior import Posterior

    if isinstance(params, Posterior):
        return params.sample(20 if draws is None else draws, seed=seed)
    if isinstance(params, (str, bytes, Mapping)) or not isinstance(params, Sequence) or not params:
        raise ValueError(
            "params must be a cs.Posterior (its draws are sampled) or a non-empty list of parameter sets "
            f"(cs.Params or dicts), got {type(params).__name__}"
        )
    if draws is not None:
        raise ValueError("draws is for a Posterior; a list of parameter sets is used as given")
    return [p.copy() if isinstance(p, Params) else Params(p) for p in params]


def expand(scenarios: Sequence[Any], sets: Sequence[Params]) -> list[Any]:
    """Every (scenario, draw) as a scenario named <scenario>@draw<k>. A parameter the scenario itself
    changes keeps the scenario's value; the draw sets the rest."""
    out = []
    for s in scenarios:
        if SEPARATOR in s.name:
            raise ValueError(f"scenario name '{s.name}' may not contain '{SEPARATOR}' in an experiment over draws")
        own = s.params.diff()
        for k, p in enumerate(sets):
            params = p.copy()
            params.update(own)
            out.append(s.replace(name=f"{s.name}{SEPARATOR}{k}", params=params))
    return out


def split(names: Sequence[str]) -> tuple[list[str], int, np.ndarray] | None:
    """(scenarios, draws, (scenario, draw) -> file index) if names are a full <s>@draw<k> grid."""
    parsed = [_NAME.match(n) for n in names]
    if not names or not all(parsed):
        return None
    base: list[str] = []
    for m in parsed:
        if m.group(1) not in base:
            base.append(m.group(1))
    draws = 1 + max(int(m.group(2)) for m in parsed)
    order = -np.ones((len(base), draws), dtype=int)
    for i, m in enumerate(parsed):
        order[base.index(m.group(1)), int(m.group(2))] = i
    if (order < 0).any() or len(names) != order.size:
        return None
    return base, draws, order


class DrawsResult(ExperimentResult):
    """The results of an experiment over parameter draws: outputs as (scenario, draw, replicate, period).

    compare() and compare_table() give intervals over draws (parameter uncertainty and run-to-run
    variation together; see culturesim.intervals); ``draw_params`` holds each draw's parameters.
    """

    def _read_metadata(self) -> None:
        super()._read_metadata()
        grid = split(self.scenarios)
        if grid is None:
            raise ValueError(f"'{self.path}' is not an experiment over parameter draws")
        self.file_scenarios = self.scenarios
        self.scenarios, self.draws, self._order = grid
        self.done = self.done[self._order]  # (scenario, draw, replicate)
        first = [self.scenario_attrs[self.file_scenarios[i]] for i in self._order[0]]
        varying = [
            k
            for k, v in first[0].items()
            if not k.startswith("policy.")
            and k not in ("name", "units", "interventions", "hospital")
            and np.ndim(v) == 0
            and any(not np.array_equal(np.asarray(a[k]), np.asarray(v)) for a in first[1:])
        ]
        #: Each draw's values of the parameters that differ between draws.
        self.draw_params = {k: np.asarray([a[k] for a in first], dtype=float) for k in varying}

    @property
    def replicates(self) -> int:
        return int(self.done.shape[-1])

    def load(self) -> "DrawsResult":
        if self._data is None:
            super().load()
            self._data = {k: v[self._order] for k, v in self._data.items()}  # type: ignore[union-attr]
        return self

    def to_xarray(self):
        """An xarray Dataset with dims (scenario, draw, replicate, period); each draw's parameters
        are coordinates along ``draw``."""
        import xarray as xr

        coords: dict[str, Any] = {
            "scenario": self.scenarios,
            "draw": np.arange(self.draws),
            "replicate": np.arange(self.replicates),
            "period": np.arange(len(self.period_start_day)),
            "day": ("period", self.period_start_day),
            "year": ("period", self.period_start_day / DAYS_PER_YEAR),
            "period_days": ("period", self.period_days),
        }
        coords.update({k: ("draw", v) for k, v in self.draw_params.items()})
        dims = ("scenario", "draw", "replicate", "period")
        data_vars = {
            name: (dims, values, {"unit": self.units.get(name, ""), "kind": "flow" if name in FLOWS else "level"})
            for name, values in self.data.items()
        }
        return xr.Dataset(
            data_vars, coords=coords, attrs={k: v for k, v in self.attrs.items() if isinstance(v, (str, int, float))}
        )

    def to_pandas(self, metrics: Sequence[str] | None = None, params: Sequence[str] | None = None):
        """Long format: one row per (scenario, draw, replicate, period), with each draw's parameters."""
        frame = self.to_xarray()[list(metrics) if metrics is not None else list(self.data)].to_dataframe()
        frame = frame.reset_index().drop(columns=["period"])
        for name in params or ():
            if name not in frame:
                raise KeyError(f"parameter '{name}' does not vary between draws; varying: {', '.join(self.draw_params)}")
        return frame

    def plot(self, metric: str = "harm_events", scenarios: Sequence[str] | None = None, ax=None):
        """Trajectories: median and 10-90% band over draws and replicates together, per scenario."""
        from .plotting import plot_bands

        return plot_bands(_Flat(self), metric, scenarios=scenarios, ax=ax)

    def __repr__(self) -> str:
        where = f"'{self.path}'" if self.path else "in memory"
        return (
            f"DrawsResult({len(self.scenarios)} scenarios x {self.draws} draws x {self.replicates} replicates x "
            f"{self.years:g} years, {int(self.done.sum())}/{self.done.size} runs done, seed {self.seed}, {where}: "
            f"{', '.join(map(repr, self.scenarios))})"
        )


class _Flat:
    """A DrawsResult seen as (scenario, draw x replicate, period), for the plots over replicates."""

    def __init__(self, res: DrawsResult):
        self._res = res
        self.scenarios, self.period_start_day = res.scenarios, res.period_start_day

    def _index(self, name: str) -> int:
        return self._res._index(name)

    def __getitem__(self, metric: str) -> np.ndarray:
        v = self._res[metric]
        return v.reshape(v.shape[0], -1, v.shape[-1])
