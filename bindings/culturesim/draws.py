"""Experiments over parameter draws: scenarios x draws x replicates, paired within each draw.

``Experiment(scenarios, params=posterior, draws=20)`` runs every scenario with each of 20
parameter sets drawn from a posterior (or with each of a list of parameter sets). In the results
file each (scenario, draw) is one scenario named ``<scenario>@draw<k>``, so every engine, executor
and file guarantee holds unchanged; ``cs.open_results`` recognises the names and gives the one
ExperimentResult (culturesim.results) with dims (scenario, draw, replicate, period). Draw k of every
scenario has the same parameters and the same random-number stream k (``Scenario.stream``: the key
of replicate r is (seed, r + (k << 32))), so paired differences between scenarios stay on common
random numbers within a draw, while draws are independent: the chance variation over draws x
replicates holds draws x replicates independent realisations, not only ``replicates``.

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

from . import _engine
from .params import Params

SEPARATOR = "@draw"
_NAME = re.compile(r"^(.*)@draw(\d+)$")


def parameter_sets(params: Any, draws: int | None, seed: int) -> list[Params]:
    """The parameter sets of an experiment: ``draws`` samples of a Posterior, each with its costs
    drawn from their ranges (culturesim.costs), or a list as given."""
    most = _engine.run_limits["max_draws"]
    if draws is not None and (
        isinstance(draws, bool) or not isinstance(draws, (int, np.integer)) or not 1 <= draws <= most
    ):
        raise ValueError(
            f"draws must be a whole number from 1 to {most} (each runs every scenario x replicates), got {draws!r}"
        )
    if hasattr(params, "sample") and hasattr(params, "weights"):  # a cs.Posterior
        # With replacement, as the weights say (weighted sampling without replacement favours the
        # light particles); a particle drawn twice is two independent draws: each has its own stream.
        # Each draw also draws its costs from their ranges (culturesim.costs): costs do not change the
        # dynamics, so economics intervals then carry cost uncertainty too.
        from .costs import with_drawn_costs

        sets = params.sample(20 if draws is None else draws, seed=seed)
        return [with_drawn_costs(p, seed, k) for k, p in enumerate(sets)]
    if isinstance(params, (str, bytes, Mapping)) or not isinstance(params, Sequence) or not params:
        raise ValueError(
            "params must be a cs.Posterior (its draws are sampled) or a non-empty list of parameter sets "
            f"(cs.Params or dicts), got {type(params).__name__}"
        )
    if draws is not None:
        raise ValueError("draws is for a Posterior; a list of parameter sets is used as given")
    if len(params) > most:
        raise ValueError(f"params holds {len(params)} parameter sets; an experiment takes 1 to {most} draws")
    return [p.copy() if isinstance(p, Params) else Params(p) for p in params]


def expand(scenarios: Sequence[Any], sets: Sequence[Params]) -> list[Any]:
    """Every (scenario, draw) as a scenario named <scenario>@draw<k> with random-number stream k. A
    parameter the scenario itself changes keeps the scenario's value; the draw sets the rest.

    Every scenario of draw k has stream k (its own stream, if it had one, is replaced): paired
    within a draw, independent between draws."""
    out = []
    for s in scenarios:
        if SEPARATOR in s.name:
            raise ValueError(f"scenario name '{s.name}' may not contain '{SEPARATOR}' in an experiment over draws")
        own = s.params.diff()
        for k, p in enumerate(sets):
            params = p.copy()
            params.update(own)
            # The scenario's own values win over the draw's, so a sweep's coordinates still hold.
            out.append(s.replace(name=f"{s.name}{SEPARATOR}{k}", params=params, stream=k, coords=s.coords))
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
